"""Read a finished run back: its stats.json, checked, and one document by id from kept/ or rejected/.

A damaged output folder (a cut or overwritten file) gives one line naming the file, never a
traceback (issue 11).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow.compute as pc
import pyarrow.dataset as ds

from tamis.document import Document, from_row
from tamis.errors import TamisError
from tamis.write.output_folder import damaged, output_files, read_errors

COUNT_KEYS = ("input", "kept", "rejected", "duplicates", "failed")
STEP_KEYS = ("docs", "changed", "rejected", "duplicates", "failed", "seconds", "rules")


def load_stats(output: Path) -> dict[str, Any]:
    """The run's stats.json, with the keys `stats` and `report` read checked."""
    path = output / "stats.json"
    if not path.is_file():
        raise TamisError(
            f"{str(output)!r} holds no stats.json: is it the --output folder of a finished tamis run?"
        )
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as err:
        raise damaged(path, err) from err
    problem = _stats_problem(data)
    if problem:
        raise damaged(path, ValueError(problem))
    return data


def _stats_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    for key in COUNT_KEYS:
        if not isinstance(data.get(key), int):
            return f"no record count {key!r}"
    steps = data.get("steps")
    if not isinstance(steps, dict):
        return "no per-step table 'steps'"
    for name, step in steps.items():
        if not isinstance(step, dict) or any(k not in step for k in STEP_KEYS):
            return f"step {name!r} lacks some of {', '.join(STEP_KEYS)}"
        if not isinstance(step["rules"], dict):
            return f"step {name!r} has no rule table"
    for key in ("verdicts", "reduce_seconds"):
        if not isinstance(data.get(key, {}), dict):
            return f"{key!r} is not a table"
    return None


def find_document(output: Path, doc_id: str) -> Document | None:
    for sub in ("kept", "rejected"):
        for path in output_files(output / sub):
            try:
                doc = _find_in(path, doc_id)
            except read_errors() as err:
                raise damaged(path, err) from err
            if doc is not None:
                return doc
    return None


def _find_in(path: Path, doc_id: str) -> Document | None:
    if path.suffix == ".parquet":
        table = ds.dataset(str(path), format="parquet").to_table(filter=pc.field("id") == doc_id)
        return from_row(table.to_pylist()[0]) if table.num_rows else None
    from tamis.read.base import open_binary

    with open_binary(str(path)) as fh:
        for line in fh:
            row = orjson.loads(line)
            if row["id"] == doc_id:
                for key in ("meta", "annotations"):
                    row[key] = orjson.dumps(row.get(key) or {}).decode()
                return from_row(row)
    return None
