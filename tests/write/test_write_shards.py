"""Output shards: size-based rotation, atomic rename, deterministic bytes, any fsspec folder."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import fsspec
import orjson
import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest
import zstandard

from foundation_helpers import ud_documents
from tamis.document import KEPT_SCHEMA, REJECTED_SCHEMA, Document, Rejected, Source, from_row, replay
from tamis.write import ShardWriter
from tamis.write.shards import GZIP_LEVEL

TEXTS = ud_documents(40)
FORMATS = ["parquet", "jsonl", "jsonl.gz", "jsonl.zst"]


def _docs(n: int = 40) -> list[Document]:
    return [
        Document(
            id=f"d{i}",
            text=TEXTS[i % len(TEXTS)],
            source=Source("in.jsonl", i, i),
            original=TEXTS[i % len(TEXTS)],
        )
        for i in range(n)
    ]


def _load(path: str) -> list[dict]:
    """Rows of one output file, decoded without tamis' readers."""
    with fsspec.open(path, "rb") as fh:
        data = fh.read()
    if path.endswith(".parquet"):
        import io

        return pq.read_table(io.BytesIO(data)).to_pylist()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    elif path.endswith(".zst"):
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return [orjson.loads(line) for line in data.splitlines()]


@pytest.mark.parametrize("fmt", FORMATS)
def test_rotation_by_size_keeps_every_row_in_order(tmp_path: Path, fmt: str) -> None:
    docs = _docs()
    per_doc = len(docs[0].text) * 2  # text + original
    w = ShardWriter(str(tmp_path), "part-00000", KEPT_SCHEMA, fmt=fmt, max_bytes=per_doc * 5, batch_rows=4)
    w.write_all(docs)
    paths = w.close()
    assert len(paths) >= 6
    assert [Path(p).name for p in paths] == [f"part-00000-{k:03d}.{fmt}" for k in range(len(paths))]
    got = [r for p in paths for r in _load(p)]
    assert [r["id"] for r in got] == [d.id for d in docs]
    assert [r["text"] for r in got] == [d.text for d in docs]
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_unfinished_part_only_exists_under_a_temporary_name(tmp_path: Path, fmt: str) -> None:
    w = ShardWriter(str(tmp_path), "part", KEPT_SCHEMA, fmt=fmt, batch_rows=5)
    w.write_all(_docs(12))  # two batches flushed to the temporary file, two rows pending
    assert [p.name for p in tmp_path.iterdir()] == [f".tmp-part-000.{fmt}"]
    w.abort()  # what an exception in the task does
    assert list(tmp_path.iterdir()) == []
    with ShardWriter(str(tmp_path), "part", KEPT_SCHEMA, fmt=fmt, batch_rows=5) as w2:
        w2.write_all(_docs(12))
    assert [p.name for p in tmp_path.iterdir()] == [f"part-000.{fmt}"]
    assert len(_load(str(tmp_path / f"part-000.{fmt}"))) == 12


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_documents_give_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    for name in ("a", "b"):
        with ShardWriter(str(tmp_path / name), "part", KEPT_SCHEMA, fmt=fmt) as w:
            w.write_all(_docs())
    assert (tmp_path / "a" / f"part-000.{fmt}").read_bytes() == (
        tmp_path / "b" / f"part-000.{fmt}"
    ).read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_writes_to_an_fsspec_url(fmt: str) -> None:
    fs = fsspec.filesystem("memory")
    try:
        with ShardWriter("memory://tamis-write-test/kept", "part", KEPT_SCHEMA, fmt=fmt) as w:
            w.write_all(_docs(7))
        assert [r["id"] for r in _load(f"memory://tamis-write-test/kept/part-000.{fmt}")] == [
            f"d{i}" for i in range(7)
        ]
    finally:
        fs.rm("/tamis-write-test", recursive=True)


def test_rejected_rows_carry_the_decision_and_round_trip(tmp_path: Path) -> None:
    from tamis.document import Duplicate, Edit, Failed

    original = "Hello  world "
    docs = [
        Document("r", "x", verdict=Rejected("filter.thresholds", "too_short", 3.0, 50.0)),
        Document("d", "y", verdict=Duplicate("dedup.exact", "r", 1.0, "exact")),
        Document("f", "z", verdict=Failed("repair.x", "KeyError", "'lang'")),
        Document(
            "e",
            "Hello world",
            original=original,
            edits=(
                Edit("repair.whitespace", "space_run", 5, 7, "  ", " "),
                Edit("repair.whitespace", "edge_space", 11, 12, " ", ""),
            ),
            verdict=Rejected("filter.thresholds", "lang", "xx", None),
        ),
    ]
    with ShardWriter(str(tmp_path), "part", REJECTED_SCHEMA) as w:
        w.write_all(docs)
    table = pq.read_table(tmp_path / "part-000.parquet")
    assert table.schema.equals(REJECTED_SCHEMA)
    got = table.to_pylist()
    assert [
        (r["verdict"], r["step"], r["rule"], r["value"], r["threshold"], r["duplicate_of"]) for r in got
    ] == [
        ("rejected", "filter.thresholds", "too_short", "3.0", "50.0", None),
        ("duplicate", "dedup.exact", "exact", None, None, "r"),
        ("failed", "repair.x", "KeyError", "'lang'", None, None),
        ("rejected", "filter.thresholds", "lang", "xx", None, None),
    ]
    back = [from_row(r) for r in got]
    # value and threshold are stored as text (their types vary by rule)
    assert [d.verdict for d in back[:3]] == [
        Rejected("filter.thresholds", "too_short", "3.0", "50.0"),
        docs[1].verdict,
        docs[2].verdict,
    ]
    assert replay(back[3].original, back[3].edits) == back[3].text


def test_segment_file_written_a_batch_at_a_time_reads_back_the_same_documents(tmp_path: Path) -> None:
    from tamis.document import Edit
    from tamis.write.shards import SegmentWriter, read_segment, segment_rows

    docs = [
        d.replace(text=d.text.upper(), edits=(Edit("t", "case", 0, 1, d.text[0], d.text[0].upper()),))
        for d in _docs(23)
    ]
    docs[5] = docs[5].replace(annotations={"quality.score": 0.25}, meta={"url": "https://a.example/x"})
    path = tmp_path / "seg0" / "00003.arrow"
    seg = SegmentWriter(path, KEPT_SCHEMA, batch_rows=5)
    for d in docs:
        seg.write(d)
    assert not path.exists()  # only the .tmp- name until close
    seg.close()
    assert pa.ipc.open_file(str(path)).num_record_batches == 5  # 23 documents, 5 a batch
    assert segment_rows(path) == 23
    assert list(read_segment(path, batch_rows=4)) == docs
    assert sorted(p.name for p in path.parent.iterdir()) == ["00003.arrow"]


def test_aborted_segment_file_leaves_nothing(tmp_path: Path) -> None:
    from tamis.write.shards import SegmentWriter

    seg = SegmentWriter(tmp_path / "00000.arrow", KEPT_SCHEMA, batch_rows=2)
    for d in _docs(5):
        seg.write(d)
    seg.abort()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("keep_original", [True, False])
def test_rows_of_a_segment_file_write_the_same_bytes_as_their_documents(
    tmp_path: Path, fmt: str, keep_original: bool
) -> None:
    """The last pass writes survivors' rows as they are (`write_rows`): the same parts, row groups
    and bytes as writing each document, across rotations by size and any batch size read."""
    from tamis.document import Edit
    from tamis.write.shards import SegmentWriter, segment_batches

    docs = _docs(37)
    docs[3] = docs[3].replace(text="emoji 🙂 and 𝔘nicode " * 3, title="T", captions=("a caption",))
    docs[8] = docs[8].replace(
        annotations={"quality.score": 0.5, "mt.reasons": [{"rule": "fluency"}]},
        meta={"url": "https://a.example/x", "n": [1, 2.5, None]},
        edits=(Edit("t", "case", 0, 1, "x", "X", "why"),),
        original=None,
    )
    segment = tmp_path / "seg" / "00000.arrow"
    seg = SegmentWriter(segment, KEPT_SCHEMA, batch_rows=6)
    for d in docs:
        seg.write(d)
    seg.close()
    limit = len(docs[0].text) * 7
    options = {"fmt": fmt, "max_bytes": limit, "batch_rows": 4, "keep_original": keep_original}
    by_doc = ShardWriter(str(tmp_path / "docs"), "part-00000", KEPT_SCHEMA, **options)
    by_doc.write_all(docs)
    by_row = ShardWriter(str(tmp_path / "rows"), "part-00000", KEPT_SCHEMA, **options)
    for rows in segment_batches(segment, batch_rows=5):
        by_row.write_rows(rows.filter([True] * rows.num_rows))
    paths = by_doc.close()
    assert len(paths) >= 3 and by_row.count == by_doc.count == len(docs)
    assert [Path(p).name for p in by_row.close()] == [Path(p).name for p in paths]
    for path in paths:
        assert (tmp_path / "rows" / Path(path).name).read_bytes() == Path(path).read_bytes()


def test_rows_in_several_chunks_write_the_same_parquet_bytes(tmp_path: Path) -> None:
    """A row group made of slices of several batches: Parquet's dictionary pages (1 MB, then
    plain) depend on how the rows are chunked, so `write_rows` writes them as one chunk."""
    from tamis.write.shards import SegmentWriter, segment_batches

    docs = [d.replace(text=f"{i} {d.text} " * (300_000 // len(d.text))) for i, d in enumerate(_docs(9))]
    segment = tmp_path / "00000.arrow"
    seg = SegmentWriter(segment, KEPT_SCHEMA, batch_rows=3)
    for d in docs:
        seg.write(d)
    seg.close()
    by_doc = ShardWriter(str(tmp_path / "docs"), "part-00000", KEPT_SCHEMA, batch_rows=5)
    by_doc.write_all(docs)
    by_row = ShardWriter(str(tmp_path / "rows"), "part-00000", KEPT_SCHEMA, batch_rows=5)
    for rows in segment_batches(segment, batch_rows=2):
        by_row.write_rows(rows)
    [path] = by_doc.close()
    assert by_row.close() == [str(tmp_path / "rows" / Path(path).name)]
    assert (tmp_path / "rows" / Path(path).name).read_bytes() == Path(path).read_bytes()


def test_jsonl_gz_is_compressed_at_the_chosen_level(tmp_path: Path) -> None:
    with ShardWriter(str(tmp_path), "part", KEPT_SCHEMA, fmt="jsonl.gz") as w:
        w.write_all(_docs())
    data = (tmp_path / "part-000.jsonl.gz").read_bytes()
    payload = gzip.decompress(data)
    deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    # the raw deflate stream between gzip's 10-byte header and its 8-byte trailer
    assert data[10:-8] == deflate.compress(payload) + deflate.flush()
    assert len(orjson.loads(payload.splitlines()[0])["text"]) > 0
