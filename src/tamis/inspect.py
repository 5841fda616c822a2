"""Read a finished run back: the one reader of output folders that `tamis stats`, `explain` and
`report` share. Its stats.json, checked; the rows of kept/ and rejected/ (the finished `part-*`
files only, by `output_files`); a sample of them; one document by id.

A damaged output folder (a cut or overwritten file) gives one line naming the file, never a
traceback (issue 11).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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


def iter_rows(path: Path, columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """The rows of one output file (Parquet or JSONL, compressed or not), with `columns` only
    (every column when None; a column the file lacks is None). Raises `read_errors()` on a
    damaged file: callers name it with `damaged`."""
    if path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        present = names if columns is None else [c for c in columns if c in names]
        missing = {} if columns is None else dict.fromkeys(c for c in columns if c not in present)
        for batch in pf.iter_batches(batch_size=500, columns=present):
            for row in batch.to_pylist():
                yield missing | row
        return
    from tamis.read.base import open_binary

    with open_binary(str(path)) as fh:
        for line in fh:
            row = orjson.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"a line holds a JSON {type(row).__name__}, not a row")
            yield row if columns is None else {c: row.get(c) for c in columns}


def sample_rows(folder: Path, columns: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Up to `limit` rows of kept/ or rejected/, taken evenly from its files (first rows of each)."""
    files = output_files(folder)
    if not files:
        return []
    per_file = max(1, limit // len(files))
    out: list[dict[str, Any]] = []
    for path in files:
        try:
            for n, row in enumerate(iter_rows(path, columns)):
                if n >= per_file or len(out) >= limit:
                    break
                out.append(row)
        except read_errors() as err:
            raise damaged(path, err) from err
    return out


def annotations_of(row: dict[str, Any]) -> dict[str, Any]:
    """A row's annotations as a dict: Parquet stores them as JSON text, JSONL as an object."""
    value = row.get("annotations")
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def find_document(output: Path, doc_id: str) -> Document | None:
    """The document with id `doc_id` in kept/, else in rejected/; None when neither holds it."""
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
    if path.name.endswith(".parquet"):
        # Arrow filters by id: only the matching row becomes Python objects
        table = ds.dataset(str(path), format="parquet").to_table(filter=pc.field("id") == doc_id)
        return from_row(table.to_pylist()[0]) if table.num_rows else None
    for row in iter_rows(path):
        if row["id"] == doc_id:
            for key in ("meta", "annotations"):
                row[key] = orjson.dumps(row.get(key) or {}).decode()
            return from_row(row)
    return None
