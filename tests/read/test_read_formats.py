"""Readers and writers round-trip every supported format, local paths and fsspec URLs alike."""

from __future__ import annotations

import gzip
import io
import itertools
from pathlib import Path

import fsspec
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from foundation_helpers import rows, ud_documents
from tamis.document import KEPT_SCHEMA, Document, Edit, Source
from tamis.execute import LocalExecutor
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.pipeline import Pipeline
from tamis.read import ReadOptions, discover, read_shard
from tamis.repair.whitespace import NormalizeWhitespace
from tamis.write import ShardWriter

TEXTS = ud_documents(12)


def _records() -> list[dict]:
    return [
        {"id": f"doc-{i}", "text": t, "url": f"https://example.org/{i}", "lang_hint": "de"}
        for i, t in enumerate(TEXTS)
    ]


def _jsonl_bytes(records: list[dict]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _read_all(paths: list[str], **options: str) -> list[Document]:
    docs: list[Document] = []
    for shard in discover(paths):
        docs.extend(read_shard(shard, ReadOptions(**options)))
    return docs


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("in.jsonl", lambda b: b),
        ("in.jsonl.gz", gzip.compress),
        ("in.jsonl.zst", lambda b: zstandard.ZstdCompressor().compress(b)),
        ("in.ndjson", lambda b: b),
    ],
)
def test_jsonl_plain_and_compressed(tmp_path: Path, name: str, encode) -> None:
    (tmp_path / name).write_bytes(encode(_jsonl_bytes(_records())))
    docs = _read_all([str(tmp_path / name)])
    assert [(d.id, d.text) for d in docs] == [(r["id"], r["text"]) for r in _records()]
    assert all(d.verdict is None and d.original == d.text for d in docs)
    assert docs[3].source.url == "https://example.org/3"
    assert docs[3].meta == {"url": "https://example.org/3", "lang_hint": "de"}
    assert docs[3].source.index == 3


def test_zstd_with_several_frames(tmp_path: Path) -> None:
    """Concatenated zstd frames (what appending writers produce) are one stream of records."""
    recs = _records()
    c = zstandard.ZstdCompressor()
    (tmp_path / "in.jsonl.zst").write_bytes(
        c.compress(_jsonl_bytes(recs[:5])) + c.compress(_jsonl_bytes(recs[5:]))
    )
    assert [d.id for d in _read_all([str(tmp_path / "in.jsonl.zst")])] == [r["id"] for r in recs]


def test_configurable_fields(tmp_path: Path) -> None:
    recs = [{"key": f"k{i}", "content": t, "link": f"https://x/{i}"} for i, t in enumerate(TEXTS[:3])]
    (tmp_path / "in.jsonl").write_bytes(_jsonl_bytes(recs))
    docs = _read_all([str(tmp_path)], id_field="key", text_field="content", url_field="link")
    assert [(d.id, d.text, d.source.url) for d in docs] == [(r["key"], r["content"], r["link"]) for r in recs]


def test_records_without_id_get_stable_positional_ids(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(_jsonl_bytes([{"text": t} for t in TEXTS[:3]]))
    assert [d.id for d in _read_all([str(tmp_path)])] == ["a.jsonl:0", "a.jsonl:1", "a.jsonl:2"]


def test_parquet_input(tmp_path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(_records()), tmp_path / "in.parquet")
    docs = _read_all([str(tmp_path / "in.parquet")])
    assert [(d.id, d.text) for d in docs] == [(r["id"], r["text"]) for r in _records()]


def test_text_and_html_folders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(TEXTS[0], "utf-8")
    (tmp_path / "sub" / "b.html").write_text(f"<html><body><p>{TEXTS[1]}</p></body></html>", "utf-8")
    (tmp_path / "c.html").write_bytes(
        f"<html><body><p>{TEXTS[2]}</p></body></html>".encode("cp1252", "replace")
    )
    (tmp_path / "notes.md").write_text("not an input format", "utf-8")
    (tmp_path / ".hidden.txt").write_text("temporary file of some editor", "utf-8")
    docs = {d.id: d for d in _read_all([str(tmp_path)])}
    assert sorted(docs) == ["a.txt", "c.html", "sub/b.html"]
    assert docs["a.txt"].text == TEXTS[0] and "format" not in docs["a.txt"].meta
    assert docs["sub/b.html"].meta["format"] == "html"
    assert docs["c.html"].verdict is None  # not UTF-8: decoded by charset detection, not rejected


def _warc(records: list[tuple[str, str, bytes]]) -> bytes:
    """A WARC file written with FastWARC's writer: (url, content type, body) responses plus a request."""
    from fastwarc.warc import WarcRecord, WarcRecordType

    buf = io.BytesIO()
    for url, ctype, body in records:
        req = WarcRecord()
        req.init_headers(record_type=WarcRecordType.request)
        req.headers["WARC-Target-URI"] = url
        req.set_bytes_content(f"GET / HTTP/1.1\r\nHost: {url}\r\n\r\n".encode())
        req.write(buf)
        rec = WarcRecord()
        rec.init_headers(record_type=WarcRecordType.response)
        rec.headers["WARC-Target-URI"] = url
        rec.headers["Content-Type"] = "application/http; msgtype=response"
        rec.set_bytes_content(f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n\r\n".encode() + body)
        rec.write(buf)
    return buf.getvalue()


def _warc_pages() -> list[tuple[str, str, bytes]]:
    pages = [
        (
            f"https://news.example/{i}",
            "text/html; charset=utf-8",
            f"<html><body><p>{t}</p></body></html>".encode(),
        )
        for i, t in enumerate(TEXTS[:4])
    ]
    pages.insert(2, ("https://news.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256))))
    pages.append(
        (
            "https://news.example/latin1",
            "text/html; charset=iso-8859-1",
            "<p>Grüße aus Köln</p>".encode("latin-1"),
        )
    )
    return pages


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_html_responses(tmp_path: Path, name: str) -> None:
    data = _warc(_warc_pages())
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    docs = _read_all([str(tmp_path / name)])
    assert len(docs) == 6  # responses only; the request records are not documents
    png = docs[2]
    assert png.verdict is not None and png.verdict.rule == "not_html" and png.verdict.value == "image/png"
    pages = [d for d in docs if d.verdict is None]
    assert [d.source.url for d in pages] == [f"https://news.example/{i}" for i in range(4)] + [
        "https://news.example/latin1"
    ]
    assert all(d.meta["format"] == "html" and d.meta["http_status"] == 200 for d in pages)
    assert TEXTS[0] in pages[0].text and pages[0].id.startswith("<urn:uuid:")
    assert "Grüße aus Köln" in pages[-1].text  # the declared charset is honoured


def test_truncated_warc_keeps_the_complete_records_before_the_damage(tmp_path: Path) -> None:
    pages = [
        (f"https://a.example/{i}", "text/html", f"<p>{TEXTS[i % len(TEXTS)]} {i}</p>".encode())
        for i in range(40)
    ]
    data = gzip.compress(_warc(pages))
    (tmp_path / "cut.warc.gz").write_bytes(data[: int(len(data) * 0.7)])
    docs = _read_all([str(tmp_path / "cut.warc.gz")])
    good = [d for d in docs if d.verdict is None]
    bad = [d for d in docs if d.verdict is not None]
    assert 10 < len(good) < 40
    assert [d.source.url for d in good] == [f"https://a.example/{i}" for i in range(len(good))]
    assert {d.verdict.rule for d in bad} == {"truncated_stream"} and 1 <= len(bad) <= 2


def test_fsspec_memory_and_file_urls(tmp_path: Path) -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/tamis-test/in/a.jsonl", _jsonl_bytes(_records()[:4]))
    fs.pipe("/tamis-test/in/b.jsonl.gz", gzip.compress(_jsonl_bytes(_records()[4:])))
    try:
        docs = _read_all(["memory://tamis-test/in"])
        assert [d.id for d in docs] == [r["id"] for r in _records()]
        assert docs[0].source.uri.startswith("memory://")
    finally:
        fs.rm("/tamis-test", recursive=True)
    (tmp_path / "a.jsonl").write_bytes(_jsonl_bytes(_records()))
    assert [d.text for d in _read_all([f"file://{tmp_path}/a.jsonl"])] == TEXTS
    assert [d.text for d in _read_all([f"{tmp_path}/*.jsonl"])] == TEXTS


def test_byte_range_split_yields_every_record_exactly_once(tmp_path: Path) -> None:
    # Lines of very different lengths, so range boundaries fall inside lines, on newlines and
    # inside multi-byte characters; plus blank lines that must not become records.
    recs = [
        {"id": f"r{i}", "text": ("ä" * (i % 7 + 1)) + " " + TEXTS[i % len(TEXTS)][: 5 + (i * 37) % 300]}
        for i in range(120)
    ]
    lines = [orjson.dumps(r) for r in recs]
    lines[10:10] = [b"", b"   "]
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines))  # no newline at the end of the file
    whole = [(d.id, d.text) for d in _read_all([str(path)])]
    assert whole == [(r["id"], r["text"]) for r in recs]
    for split in (97, 256, 1000, 4096):
        shards = discover([str(path)], split_bytes=split)
        assert len(shards) == -(-path.stat().st_size // split)
        assert shards[0].start == 0 and shards[-1].end == path.stat().st_size
        assert all(a.end == b.start for a, b in itertools.pairwise(shards))
        docs = [d for s in shards for d in read_shard(s, ReadOptions())]
        assert [(d.id, d.text) for d in docs] == whole, split
        assert all(d.verdict is None for d in docs)


def test_split_records_without_ids_are_keyed_by_global_offset(tmp_path: Path) -> None:
    recs = [{"text": t} for t in TEXTS]
    data = _jsonl_bytes(recs)
    (tmp_path / "x.jsonl").write_bytes(data)
    offsets = [0]
    for line in data.splitlines(keepends=True)[:-1]:
        offsets.append(offsets[-1] + len(line))
    docs = [d for s in discover([str(tmp_path)], split_bytes=300) for d in read_shard(s, ReadOptions())]
    assert [d.id for d in docs] == [f"x.jsonl@{o}" for o in offsets]
    assert len({d.id for d in docs}) == len(recs)


def _documents() -> list[Document]:
    docs = []
    for i, t in enumerate(TEXTS):
        original = "  " + t
        docs.append(
            Document(
                id=f"d{i}",
                text=t,
                source=Source("in.jsonl", i * 10, i, f"https://e/{i}"),
                meta={"lang_hint": "de"},
                annotations={"language": "de", "score": 0.5 + i},
                edits=(Edit("repair.whitespace", "leading_space", 0, 2, "  ", ""),),
                original=original,
                title=f"Title {i}" if i % 2 else None,
            )
        )
    return docs


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "jsonl.gz", "jsonl.zst"])
def test_writer_output_reads_back(tmp_path: Path, fmt: str) -> None:
    """What the writer produced is valid input for the readers, and nothing is lost."""
    with ShardWriter(str(tmp_path / "out"), "part", KEPT_SCHEMA, fmt=fmt, max_bytes=2000, batch_rows=3) as w:
        w.write_all(_documents())
    assert len(w.paths) > 1  # rotated by size
    docs = _read_all([str(tmp_path / "out")])
    assert [(d.id, d.text) for d in docs] == [(d.id, d.text) for d in _documents()]


def test_a_run_reads_fsspec_urls(tmp_path: Path) -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/tamis-run-test/a.jsonl", _jsonl_bytes(_records()[:6]))
    (tmp_path / "b.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(_jsonl_bytes(_records()[6:])))
    try:
        shards = discover(["memory://tamis-run-test", f"file://{tmp_path}/b.jsonl.zst"])
        summary = run_pipeline(
            Pipeline([NormalizeWhitespace()]),
            shards,
            RunConfig(output=str(tmp_path / "out")),
            LocalExecutor(2),
        )
    finally:
        fs.rm("/tamis-run-test", recursive=True)
    assert summary.counts == {"input": 12, "kept": 12, "rejected": 0, "duplicates": 0, "failed": 0}
    assert sorted(r["id"] for r in rows(tmp_path / "out" / "kept", ["id"])) == sorted(
        r["id"] for r in _records()
    )
