"""Hostile and careless input folders (issue 11): never a crash or a hang, always a reason."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from foundation_helpers import rows, ud_documents
from tamis.cli import main
from tamis.execute import SerialExecutor
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.pipeline import Pipeline
from tamis.read import SMALL_FILE_TASKS, ReadOptions, discover, read_shard
from tamis.repair.whitespace import NormalizeWhitespace

pytestmark = pytest.mark.issue(11)

TEXTS = ud_documents(40)


def _jsonl(path: Path, prefix: str, n: int = 3) -> None:
    path.write_bytes(
        b"".join(orjson.dumps({"id": f"{prefix}-{i}", "text": TEXTS[i]}) + b"\n" for i in range(n))
    )


def _run(inputs: list[str], out: Path) -> dict:
    return run_pipeline(
        Pipeline([NormalizeWhitespace()]), discover(inputs), RunConfig(output=str(out)), SerialExecutor()
    ).stats


def test_an_existing_path_with_glob_characters_is_that_path(tmp_path: Path) -> None:
    _jsonl(tmp_path / "data[1].jsonl", "bracket")
    _jsonl(tmp_path / "data1.jsonl", "glob-would-match-this")
    shards = discover([str(tmp_path / "data[1].jsonl")])
    assert [s.name for s in shards] == ["data[1].jsonl"]
    assert [d.id for s in shards for d in read_shard(s)] == ["bracket-0", "bracket-1", "bracket-2"]
    # a pattern that is not an existing path is still a glob
    assert [s.name for s in discover([str(tmp_path / "data?.jsonl")])] == ["data1.jsonl"]


def test_several_paths_after_one_input_flag(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        _jsonl(tmp_path / f"{name}.jsonl", name)
    args = ["run", "--input", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    args += ["--input", str(tmp_path / "c.jsonl"), "--output", str(tmp_path / "out"), "--no-report"]
    (tmp_path / "light.toml").write_text('[[steps]]\nuse = "repair.whitespace"\n', "utf-8")
    args += ["--executor", "serial", "--config", str(tmp_path / "light.toml")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    stats = orjson.loads((tmp_path / "out" / "stats.json").read_bytes())
    assert stats["input"] == 9


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symbolic links")
def test_entries_that_are_not_readable_files_are_rejected_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    _jsonl(inp / "good.jsonl", "good")
    os.mkfifo(inp / "pipe.jsonl")  # opening it for reading would block forever
    (inp / "dangling.jsonl").symlink_to(tmp_path / "gone.jsonl")
    (inp / "loop.jsonl").symlink_to(inp / "loop.jsonl")
    bad_name = os.fsencode(inp) + b"/caf\xe9.jsonl"  # a Latin-1 name on a UTF-8 system
    with open(bad_name, "wb") as fh:
        fh.write(orjson.dumps({"id": "latin1-name", "text": TEXTS[5]}) + b"\n")

    with caplog.at_level(logging.WARNING, logger="tamis.read"):
        stats = _run([str(inp)], tmp_path / "out")
    assert stats["input"] == 7 and stats["kept"] == 3
    by_id = {r["id"]: r for r in rows(tmp_path / "out" / "rejected")}
    assert by_id["pipe.jsonl"]["rule"] == "not_a_regular_file" and "FIFO" in by_id["pipe.jsonl"]["value"]
    assert "dangling symbolic link" in by_id["dangling.jsonl"]["value"]
    assert "loop" in by_id["loop.jsonl"]["value"]
    assert by_id["caf\\xe9.jsonl"]["rule"] == "file_name_not_utf8"
    assert stats["verdicts"] == {"read:not_a_regular_file": 3, "read:file_name_not_utf8": 1}
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith("tamis: warning: 4 input entries") and "pipe.jsonl" in warning
    # the same folder again resumes to the same result
    assert _run([str(inp)], tmp_path / "out")["input"] == 7


def test_the_output_folder_is_never_read_as_input(tmp_path: Path) -> None:
    _jsonl(tmp_path / "a.jsonl", "a")
    (tmp_path / "out" / "kept").mkdir(parents=True)
    _jsonl(tmp_path / "out" / "kept" / "part-00000-000.jsonl", "old-output")
    shards = discover([str(tmp_path)], exclude=[str(tmp_path / "out")])
    assert [s.name for s in shards] == ["a.jsonl"]


def test_many_small_files_are_read_a_few_to_a_task(tmp_path: Path) -> None:
    inp = tmp_path / "pages"
    inp.mkdir()
    n = 300
    for i in range(n):
        (inp / f"page-{i:03d}.txt").write_text(f"{i} {TEXTS[i % len(TEXTS)]}", "utf-8")
    _jsonl(inp / "records.jsonl", "rec")
    shards = discover([str(inp)])
    assert len(shards) <= SMALL_FILE_TASKS + 1
    docs = [d for s in shards for d in read_shard(s, ReadOptions())]
    # every file is read once, in order, with the id it has when read alone
    expected = [f"page-{i:03d}.txt" for i in range(n)] + ["rec-0", "rec-1", "rec-2"]
    assert [d.id for d in docs] == expected
    assert docs[7].source.uri == str(inp / "page-007.txt")

    stats = _run([str(inp)], tmp_path / "out")
    assert stats["input"] == n + 3 and stats["shards"] == len(shards)
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(written) < 10 * len(shards)
    # a few files stay one task each, so a small run still uses every core
    assert len(discover([str(inp / "page-001.txt"), str(inp / "page-002.txt")])) == 2


def _warc_pages(n: int) -> list[tuple[str, str, bytes]]:
    return [
        (f"https://a.example/{i}", "text/html", f"<p>{TEXTS[i % len(TEXTS)]} {i}</p>".encode())
        for i in range(n)
    ]


def test_a_plain_warc_cut_inside_a_record_flags_that_record(tmp_path: Path) -> None:
    from test_read_formats import _warc

    data = _warc(_warc_pages(5))
    (tmp_path / "cut.warc").write_bytes(data[:-100])  # inside the last payload
    docs = [d for s in discover([str(tmp_path / "cut.warc")]) for d in read_shard(s)]
    assert [d.verdict is None for d in docs] == [True] * 4 + [False]
    assert docs[-1].verdict.rule == "truncated_stream" and "of its" in docs[-1].verdict.value
    assert docs[-1].source.url == "https://a.example/4"

    # cut anywhere (a payload, the WARC or HTTP headers, a request record): complete pages are
    # kept in order, and unless the cut falls between two records the file's end is reported
    for cut in range(1, len(data), 97):
        (tmp_path / "cut.warc").write_bytes(data[:cut])
        docs = [d for s in discover([str(tmp_path / "cut.warc")]) for d in read_shard(s)]
        kept = [d.source.url for d in docs if d.verdict is None]
        assert kept == [f"https://a.example/{i}" for i in range(len(kept))], cut
        ended = data[:cut].endswith(b"\r\n\r\n")
        assert ended or docs[-1].verdict.rule in ("truncated_stream", "invalid_warc"), cut


@pytest.mark.parametrize("where", ["start", "middle"])
def test_a_garbage_warc_is_a_rejected_record_not_a_crash(tmp_path: Path, where: str) -> None:
    from test_read_formats import _warc

    good = _warc(_warc_pages(3))
    garbage = b"this is not a WARC file at all\n" * 40
    data = garbage if where == "start" else good + garbage
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "bad.warc").write_bytes(data)
    _jsonl(inp / "ok.jsonl", "ok")
    for _attempt in range(2):  # a re-run gives the same answer instead of failing again
        stats = _run([str(inp)], tmp_path / "out")
        assert stats["input"] == (1 if where == "start" else 4) + 3
        assert stats["verdicts"] == {"read:invalid_warc": 1}
    [bad] = [r for r in rows(tmp_path / "out" / "rejected") if r["rule"] == "invalid_warc"]
    assert "Invalid WARC header" in bad["value"] and bad["id"] == f"bad.warc:{0 if where == 'start' else 3}"


def test_one_damaged_row_group_costs_only_its_rows(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {"id": [f"r{i}" for i in range(300)], "text": [f"{i} {TEXTS[i % 40]}" for i in range(300)]}
    )
    path = tmp_path / "rows.parquet"
    pq.write_table(table, path, row_group_size=50)
    chunk = pq.ParquetFile(path).metadata.row_group(2).column(1)
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    data[start : start + 40] = b"\xff" * 40  # the third row group's text page header
    path.write_bytes(bytes(data))

    docs = [d for s in discover([str(path)]) for d in read_shard(s)]
    assert len(docs) == 300
    assert [d.id for d in docs if d.verdict is None] == [f"r{i}" for i in range(300) if not 100 <= i < 150]
    lost = [d for d in docs if d.verdict is not None]
    assert [d.id for d in lost] == [f"rows.parquet:{i}" for i in range(100, 150)]
    assert {d.verdict.rule for d in lost} == {"unreadable_parquet"}
    assert lost[0].verdict.value.startswith("row group 3 of 6 (50 rows, 50 unreadable): OSError")


def test_records_over_the_size_limit_are_rejected_while_streaming(tmp_path: Path) -> None:
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    limit = 1000
    big = "x" * 5000
    inp = tmp_path / "in"
    inp.mkdir()
    lines = [orjson.dumps({"id": f"j{i}", "text": big if i == 1 else TEXTS[i]}) for i in range(3)]
    (inp / "a.jsonl.gz").write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    (inp / "big.txt").write_text(big, "utf-8")
    (inp / "small.txt").write_text(TEXTS[3][:900], "utf-8")
    pq.write_table(pa.table({"id": ["p0", "p1"], "text": [TEXTS[4][:900], big]}), inp / "c.parquet")
    from test_read_formats import _warc

    pages = [("https://a.example/0", "text/html", b"<p>" + big.encode() + b"</p>")]
    (inp / "d.warc").write_bytes(_warc([*pages, *_warc_pages(1)]))

    options = ReadOptions(max_record_bytes=limit)
    docs = {d.id: d for s in discover([str(inp)]) for d in read_shard(s, options)}
    too_large = {
        k: d.verdict.value for k, d in docs.items() if d.verdict and d.verdict.rule == "record_too_large"
    }
    warc_id = next(k for k, d in docs.items() if d.source.url == "https://a.example/0")
    assert too_large == {
        "a.jsonl.gz:1": str(len(lines[1]) + 1),
        "big.txt": "5000",
        "p1": "5000",
        warc_id: "5007",
    }
    assert all(docs[k].verdict.threshold == limit for k in too_large)
    assert docs["j2"].verdict is None and docs["small.txt"].verdict is None and docs["p0"].verdict is None
    assert sum(d.verdict is None for d in docs.values()) == 5

    # a byte-range shard: the long line is skipped in pieces and its neighbours keep their offsets
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    split = [d for s in discover([str(plain)], split_bytes=700) for d in read_shard(s, options)]
    assert [(d.id, d.verdict.rule if d.verdict else None) for d in split] == [
        ("j0", None),
        ("plain.jsonl@" + str(len(lines[0]) + 1), "record_too_large"),
        ("j2", None),
    ]


def test_the_record_size_limit_is_a_run_setting(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.jsonl").write_bytes(
        orjson.dumps({"id": "long", "text": "word " * 300_000})
        + b"\n"
        + orjson.dumps({"id": "ok", "text": TEXTS[0]})
    )
    (tmp_path / "light.toml").write_text('[[steps]]\nuse = "repair.whitespace"\n', "utf-8")
    args = ["run", "--input", str(inp), "--no-report", "--executor", "serial", "--max-record-mb", "1"]
    args += ["--config", str(tmp_path / "light.toml")]
    result = CliRunner().invoke(main, [*args, "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [rejected] = rows(tmp_path / "out" / "rejected")
    assert (rejected["id"], rejected["rule"], rejected["threshold"]) == (
        "a.jsonl:0",
        "record_too_large",
        "1048576",
    )


def test_a_group_task_redone_after_a_kill_gives_the_same_outputs(tmp_path: Path) -> None:
    inp = tmp_path / "pages"
    inp.mkdir()
    for i in range(200):
        (inp / f"page-{i:03d}.txt").write_text(f"{i} {TEXTS[i % len(TEXTS)]}", "utf-8")
    whole = _run([str(inp)], tmp_path / "whole")
    resumed = tmp_path / "resumed"
    _run([str(inp)], resumed)
    # what a kill during the second group task leaves: its marker and stats gone, its parts half-written
    (resumed / "_work" / "done" / "s0-00001.json").unlink()
    (resumed / "_work" / "stats" / "s0-00001.json").unlink()
    for part in (resumed / "kept").glob("part-00001-*"):
        part.write_bytes(part.read_bytes()[:10])
    (resumed / "stats.json").unlink()
    again = _run([str(inp)], resumed)
    assert {k: again[k] for k in ("input", "kept", "rejected")} == {
        k: whole[k] for k in ("input", "kept", "rejected")
    }
    for folder in ("kept", "rejected"):
        files = sorted(p.name for p in (tmp_path / "whole" / folder).iterdir())
        assert files == sorted(p.name for p in (resumed / folder).iterdir())
        for name in files:
            assert (tmp_path / "whole" / folder / name).read_bytes() == (resumed / folder / name).read_bytes()


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    _jsonl(tmp_path / "a.jsonl", "a")
    _jsonl(tmp_path / "b.jsonl", "b")
    shards = discover([str(tmp_path / "*.jsonl"), str(tmp_path / "a.jsonl"), str(tmp_path)])
    assert sorted(s.uri for s in shards for s in (s.parts or (s,))) == [
        str(tmp_path / n) for n in ("a.jsonl", "b.jsonl")
    ]


def test_a_parquet_string_that_is_not_utf8_rejects_only_its_row(tmp_path: Path) -> None:
    """Parquet does not check its strings: one flipped byte made to_pylist raise for the whole file."""
    rows = [{"id": f"r{i}", "text": f"row {i} " + ("flip-here" if i == 3 else "plain")} for i in range(6)]
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buf, compression="none", write_statistics=False)
    data = buf.getvalue()
    at = data.index(b"flip-here")
    path = tmp_path / "bad.parquet"
    path.write_bytes(data[:at] + b"\xff" + data[at + 1 :])
    docs = list(read_shard(discover([str(path)])[0], ReadOptions()))
    assert [d.id for d in docs if d.verdict is None] == ["r0", "r1", "r2", "r4", "r5"]
    (bad,) = [d for d in docs if d.verdict is not None]
    assert (bad.verdict.step, bad.verdict.rule) == ("read", "invalid_utf8")
