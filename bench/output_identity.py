"""Guard for refactoring and speed work on the whole pipeline: a digest of a run's outputs.

Run the default pipeline over a crawl before and after a change, then compare:

    tamis run --input CRAWL --output /tmp/before --no-progress --no-report
    .venv/bin/python bench/output_identity.py /tmp/before --write /tmp/before.json
    tamis run --input CRAWL --output /tmp/after --no-progress --no-report
    .venv/bin/python bench/output_identity.py /tmp/after --check /tmp/before.json

Rows of `kept/` and `rejected/` are read back, sorted by id, and hashed column by column, so a
change that moves one column (a signal, an edit, a verdict) is named. Timings live only in
`stats.json`, which is compared key by key with the `*_seconds` and `cpu` entries left out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from tamis.read.base import open_binary
from tamis.write.output_folder import output_files

TIMING_MARKERS = ("seconds", "cpu", "wall", "elapsed", "per_second", "started", "finished")


def read_rows(folder: Path) -> list[dict]:
    rows: list[dict] = []
    for path in output_files(folder):
        if path.suffix == ".parquet":
            rows += pq.read_table(path).to_pylist()
        else:
            with open_binary(str(path)) as fh:
                rows += [orjson.loads(line) for line in fh if line.strip()]
    return rows


def column_digests(output: Path, part: str) -> dict[str, str]:
    rows = sorted(
        read_rows(output / part),
        key=lambda row: (str(row.get("id")), json.dumps(row, sort_keys=True, default=str)),
    )
    columns = sorted({key for row in rows for key in row})
    digests = {"rows": str(len(rows))}
    for column in columns:
        hasher = hashlib.sha256()
        for row in rows:
            hasher.update(json.dumps(row.get(column), sort_keys=True, default=str).encode())
            hasher.update(b"\0")
        digests[column] = hasher.hexdigest()[:16]
    return digests


def stats_without_timings(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: stats_without_timings(item)
            for key, item in value.items()
            if not any(marker in key for marker in TIMING_MARKERS)
        }
    if isinstance(value, list):
        return [stats_without_timings(item) for item in value]
    return value


def digest(output: Path) -> dict[str, object]:
    stats = json.loads((output / "stats.json").read_text())
    return {
        "kept": column_digests(output, "kept"),
        "rejected": column_digests(output, "rejected"),
        "stats": stats_without_timings(stats),
    }


def differences(before: dict, after: dict, path: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            found += differences(before.get(key), after.get(key), f"{path}/{key}")
        return found
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("output", type=Path)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path)
    mode.add_argument("--check", type=Path)
    args = parser.parse_args()
    current = digest(args.output)
    if args.write:
        args.write.write_text(json.dumps(current, indent=1, sort_keys=True))
        print(f"wrote {args.write}: kept {current['kept']['rows']}, rejected {current['rejected']['rows']}")
        return 0
    found = differences(json.loads(args.check.read_text()), current)
    for line in found[:40]:
        print(line)
    print("identical" if not found else f"{len(found)} differences")
    return 0 if not found else 1


if __name__ == "__main__":
    sys.exit(main())
