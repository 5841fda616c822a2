"""The end-of-run row count (issue 11's check) read by the run's pool gives what one process reads."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from tamis.errors import TamisError
from tamis.execute.local import LocalExecutor
from tamis.write.output_folder import count_rows_on_disk


def _part(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb", compresslevel=4) as fh:
        fh.write(b"".join(orjson.dumps(r) + b"\n" for r in rows))


def _output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    for k in range(5):
        _part(
            out / "kept" / f"part-{k:05d}-000.jsonl.gz",
            [{"id": f"{k}-{i}", "text": "x\ny"} for i in range(k + 3)],
        )
    verdicts = ["rejected", "duplicate", "failed", "rejected"]
    for k, verdict in enumerate(verdicts):
        _part(
            out / "rejected" / f"part-{k:05d}-000.jsonl.gz", [{"id": f"r{k}", "verdict": verdict}] * (k + 1)
        )
    return out


def test_the_pool_counts_what_one_process_counts(tmp_path: Path) -> None:
    out = _output(tmp_path)
    alone = count_rows_on_disk(out)
    assert alone == {"kept": 3 + 4 + 5 + 6 + 7, "rejected": 1 + 4, "duplicates": 2, "failed": 3}
    pool = LocalExecutor(2)
    try:
        assert count_rows_on_disk(out, pool) == alone
    finally:
        pool.close()


def test_a_damaged_part_read_by_a_worker_is_the_same_one_line_error(tmp_path: Path) -> None:
    out = _output(tmp_path)
    damaged = out / "kept" / "part-00002-000.jsonl.gz"
    damaged.write_bytes(damaged.read_bytes()[:-12])  # cut inside the deflate stream and trailer
    with pytest.raises(TamisError) as alone:
        count_rows_on_disk(out)
    pool = LocalExecutor(2)
    try:
        with pytest.raises(TamisError) as pooled:
            count_rows_on_disk(out, pool)
    finally:
        pool.close()
    assert "is damaged" in str(alone.value) and str(pooled.value) == str(alone.value)
