"""Find a document of a finished run by id, in kept/ or rejected/."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds

from tamis.document import Document, from_row


def output_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".tmp-") and p.is_file())


def find_document(output: Path, doc_id: str) -> Document | None:
    for sub in ("kept", "rejected"):
        for path in output_files(output / sub):
            if path.suffix == ".parquet":
                table = ds.dataset(str(path), format="parquet").to_table(filter=pc.field("id") == doc_id)
                if table.num_rows:
                    return from_row(table.to_pylist()[0])
            else:
                import orjson

                from tamis.read.base import open_binary

                with open_binary(str(path)) as fh:
                    for line in fh:
                        row = orjson.loads(line)
                        if row.get("id") == doc_id:
                            for key in ("meta", "annotations"):
                                row[key] = orjson.dumps(row.get(key) or {}).decode()
                            return from_row(row)
    return None
