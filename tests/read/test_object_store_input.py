"""`tamis run --input s3://…` finds and reads every format on a real S3 server (SeaweedFS), with
credentials from the standard AWS variables, and keeps exactly what the same files give locally."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from foundation_helpers import SAMPLES, rows, ud_documents
from object_store import ObjectStore
from tamis.read import ReadOptions, discover, read_shard

pytestmark = pytest.mark.object_store

TEXTS = ud_documents(16)


def _crawl(folder: Path) -> None:
    """One folder of every input kind: JSONL (plain, .gz, .zst), Parquet, WARC, text and HTML files."""
    records = [{"id": f"doc-{i}", "text": t, "url": f"https://example.org/{i}"} for i, t in enumerate(TEXTS)]
    lines = [orjson.dumps(r) + b"\n" for r in records]
    (folder / "web").mkdir(parents=True)
    for sample in SAMPLES.glob("web-*.jsonl"):
        (folder / "web" / sample.name).write_bytes(sample.read_bytes())
    (folder / "more.jsonl.gz").write_bytes(gzip.compress(b"".join(lines[:4])))
    (folder / "more.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(b"".join(lines[4:8])))
    pq.write_table(pa.Table.from_pylist(records[8:12]), folder / "table.parquet")
    from read.test_read_formats import _warc, _warc_pages

    (folder / "crawl.warc.gz").write_bytes(gzip.compress(_warc(_warc_pages())))
    (folder / "pages").mkdir()
    (folder / "pages" / "a.txt").write_text(TEXTS[12])
    (folder / "pages" / "b.html").write_text(f"<html><body><p>{TEXTS[13]}</p></body></html>")
    (folder / "_work").mkdir()  # skipped, as in a local folder
    (folder / "_work" / "old.jsonl").write_bytes(lines[0])


def _tamis(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    tamis = Path(sys.executable).with_name("tamis")
    return subprocess.run(
        [str(tamis), *args], capture_output=True, text=True, env=env, check=False, timeout=300
    )


def _without_source_uri(rows_: list[dict]) -> list[dict]:
    return sorted(({**r, "source": {**r["source"], "uri": None}} for r in rows_), key=lambda r: r["id"])


def test_a_run_over_an_s3_prefix_keeps_what_the_same_local_files_give(
    object_store: ObjectStore, tmp_path: Path
) -> None:
    local = tmp_path / "crawl"
    _crawl(local)
    folder = object_store.new_folder()
    fs = object_store.filesystem()
    fs.put(str(local) + "/", f"{folder}/crawl/", recursive=True)
    env = {**os.environ, **object_store.env()}  # credentials and endpoint as a user sets them

    config = tmp_path / "steps.toml"  # the readers are under test: steps that load no model
    config.write_text(
        "".join(
            f'[[steps]]\nuse = "{step}"\n' for step in ("extract.html", "filter.empty_text", "repair.unicode")
        )
        + '[[steps]]\nuse = "dedup.exact"\n[[steps]]\nuse = "repair.whitespace"\n'
    )
    common = ["--config", str(config), "--no-progress", "--no-report", "--workers", "2"]
    from_s3 = _tamis(
        "run", "--input", f"s3://{folder}/crawl", "--output", str(tmp_path / "s3-out"), *common, env=env
    )
    assert from_s3.returncode == 0, from_s3.stderr
    from_disk = _tamis(
        "run", "--input", str(local), "--output", str(tmp_path / "local-out"), *common, env=env
    )
    assert from_disk.returncode == 0, from_disk.stderr

    s3_stats = orjson.loads((tmp_path / "s3-out" / "stats.json").read_bytes())
    local_stats = orjson.loads((tmp_path / "local-out" / "stats.json").read_bytes())
    for key in ("input", "kept", "rejected", "duplicates", "failed", "verdicts", "shards"):
        assert s3_stats[key] == local_stats[key], key
    assert (
        s3_stats["kept"] > 0 and s3_stats["input"] >= 14 + 6
    )  # ours (JSONL, Parquet, text, HTML), 6 WARC responses, the samples
    for sub in ("kept", "rejected"):
        on_s3, on_disk = rows(tmp_path / "s3-out" / sub), rows(tmp_path / "local-out" / sub)
        assert _without_source_uri(on_s3) == _without_source_uri(on_disk)
        assert all(r["source"]["uri"].startswith(f"s3://{folder}/crawl/") for r in on_s3)
    # The input's stamps in the manifest are the store's (size, date, ETag), so a changed object is seen.
    manifest = orjson.loads((tmp_path / "s3-out" / "_work" / "manifest.json").read_bytes())
    stamp = manifest["files"][f"s3://{folder}/crawl/table.parquet"]
    assert stamp[0] == (local / "table.parquet").stat().st_size and len(stamp) >= 2


def test_a_big_s3_object_is_read_in_byte_ranges_with_every_record_once(
    object_store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in object_store.env().items():
        monkeypatch.setenv(name, value)
    records = [{"id": f"r{i}", "text": TEXTS[i % len(TEXTS)][: 40 + 37 * (i % 9)]} for i in range(300)]
    folder = object_store.new_folder()
    object_store.filesystem().pipe_file(
        f"{folder}/big.jsonl", b"".join(orjson.dumps(r) + b"\n" for r in records)
    )
    shards = discover([f"s3://{folder}/big.jsonl"], split_bytes=4096)
    assert len(shards) > 5 and all(s.end is not None for s in shards)
    docs = [d for s in shards for d in read_shard(s, ReadOptions())]
    assert [(d.id, d.text) for d in docs] == [(r["id"], r["text"]) for r in records]


def test_a_missing_s3_prefix_is_one_clear_line(object_store: ObjectStore, tmp_path: Path) -> None:
    env = {**os.environ, **object_store.env()}
    folder = object_store.new_folder()
    done = _tamis("run", "--input", f"s3://{folder}/nothing-here", "--output", str(tmp_path / "o"), env=env)
    assert done.returncode == 2
    assert done.stderr == f"tamis: input 's3://{folder}/nothing-here' does not exist\n"
    assert not (tmp_path / "o").exists()


def test_wrong_credentials_are_one_clear_line(object_store: ObjectStore, tmp_path: Path) -> None:
    folder = object_store.new_folder()
    object_store.filesystem().pipe_file(f"{folder}/a.jsonl", b'{"id": "1", "text": "x"}\n')
    env = {**os.environ, **object_store.env(), "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    done = _tamis("run", "--input", f"s3://{folder}", "--output", str(tmp_path / "o"), env=env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tamis: cannot list input 's3://{folder}'"), done.stderr
    assert not (tmp_path / "o").exists()
