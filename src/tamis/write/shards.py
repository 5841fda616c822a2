"""Size-capped output shards written under a temporary name and renamed when complete.

A crash leaves only `.tmp-*` files, which no reader of the output picks up and the next run
deletes; a file with its final name is always complete.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import fsspec
import orjson
import pyarrow as pa

from tamis.atomic import temporary_name
from tamis.document import Document, from_row, to_row
from tamis.errors import TamisError
from tamis.read.base import OwningGzipFile
from tamis.settings import OUTPUT_FORMATS
from tamis.write.run_store import StorePath

if TYPE_CHECKING:
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

# pyarrow.compute, .ipc and .parquet are imported where used: a run writing JSON lines without a
# corpus stage needs none of them, and importing pyarrow.compute alone cost ~30 ms of start-up.

FORMATS = OUTPUT_FORMATS
#: zlib level of jsonl.gz output. GzipFile's default, 9, spent 0.40 CPU s compressing 13.6 MB of
#: kept and rejected rows where level 4 spends 0.18 s for files 4% larger (4.77 vs 4.57 MB;
#: level 1: 0.12 s, 14% larger): compression was a fifth of the annotate-and-filter run's CPU
#: (docs/speed.md, "lang2"). Level 4 is the first of zlib's lazy-matching levels.
GZIP_LEVEL = 4


def output_format_of(name: str) -> str:
    if name not in FORMATS:
        raise ValueError(f"unknown output format {name!r}; choose one of {', '.join(FORMATS)}")
    return name


class ShardWriter:
    """Writes documents to `<folder>/<prefix>-<k>.<ext>`, starting a new file past `max_bytes` of text."""

    def __init__(
        self,
        folder: str,
        prefix: str,
        schema: pa.Schema,
        *,
        fmt: str = "parquet",
        max_bytes: int = 256 << 20,
        batch_rows: int = 1000,
        keep_original: bool = True,
        token: str | None = None,
    ) -> None:
        self.fs, self.folder = fsspec.core.url_to_fs(folder)
        self.fs.makedirs(self.folder, exist_ok=True)
        #: On an object store (no rename): each part goes straight to a name of this attempt's
        #: (`part-00000-000.<token>.parquet`), whole once its upload completes (write/run_store.py).
        self.token = token
        self.prefix = prefix
        self.schema = schema
        self.fmt = output_format_of(fmt)
        self.max_bytes = max_bytes
        self.batch_rows = batch_rows
        self.keep_original = keep_original
        self.count = 0
        self.paths: list[str] = []
        self._part = 0
        self._rows: list[dict[str, Any]] = []
        #: rows given by `write_rows`, not written yet
        self._arrow: list[pa.RecordBatch] = []
        self._arrow_rows = 0
        self._bytes = 0
        self._tmp: str | None = None
        self._handle: IO[bytes] | None = None
        self._parquet: pq.ParquetWriter | None = None

    def write(self, doc: Document) -> None:
        self._rows.append(row_of(doc, keep_original=self.keep_original))
        self._bytes += len(doc.text) + (len(doc.original or "") if self.keep_original else 0)
        self.count += 1
        if len(self._rows) >= self.batch_rows:
            self._flush()
        if self._bytes >= self.max_bytes:
            self._finish_part()

    def write_all(self, docs: Iterable[Document]) -> None:
        for doc in docs:
            self.write(doc)

    def write_rows(self, rows: pa.RecordBatch) -> None:
        """Rows of this writer's schema with the original text (a `SegmentWriter` file's), written
        as `write` writes their documents: the same parts, row groups and bytes, without turning
        each row into a document and back. A writer is fed by one of `write` and `write_rows`."""
        assert not self._rows, "write_rows after write"
        import pyarrow.compute as pc

        if not self.keep_original:
            at = rows.schema.get_field_index("original")
            rows = rows.set_column(at, "original", pa.nulls(rows.num_rows, pa.string()))
        sizes = pc.utf8_length(rows.column("text")).to_numpy(zero_copy_only=False)
        if self.keep_original:
            original = pc.fill_null(pc.utf8_length(rows.column("original")), 0)
            sizes = sizes + original.to_numpy(zero_copy_only=False)
        start = 0
        for i, size in enumerate(sizes.tolist()):
            self._bytes += size
            self.count += 1
            self._arrow_rows += 1
            full = self._arrow_rows >= self.batch_rows
            if full or self._bytes >= self.max_bytes:
                self._arrow.append(rows.slice(start, i + 1 - start))
                start = i + 1
                if full:
                    self._flush()
                if self._bytes >= self.max_bytes:
                    self._finish_part()
        if start < rows.num_rows:
            self._arrow.append(rows.slice(start))

    def _path(self, tmp: bool) -> str:
        if self.token is not None:
            return posixpath.join(self.folder, f"{self.prefix}-{self._part:03d}.{self.token}.{self.fmt}")
        name = f"{self.prefix}-{self._part:03d}.{self.fmt}"
        return posixpath.join(self.folder, (".tmp-" + name) if tmp else name)

    def _flush(self) -> None:
        if not self._rows and not self._arrow:
            return
        if self._tmp is None:
            self._tmp = self._path(tmp=True)
            self._handle = self.fs.open(self._tmp, "wb")
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                self._parquet = pq.ParquetWriter(self._handle, self.schema, compression="zstd")
            elif self.fmt == "jsonl.gz":
                self._handle = OwningGzipFile(self._handle, "wb", compresslevel=GZIP_LEVEL)
            elif self.fmt == "jsonl.zst":
                import zstandard

                self._handle = _ZstdWriter(self._handle, zstandard.ZstdCompressor(level=3))
        if self._parquet is not None or self._arrow:
            table = (
                # one chunk, as `from_pylist` gives: Parquet's dictionary pages depend on the chunks
                pa.Table.from_batches(self._arrow).cast(self.schema).combine_chunks()
                if self._arrow
                else pa.Table.from_pylist(self._rows, schema=self.schema)
            )
        if self._parquet is not None:
            self._parquet.write_table(table)
        else:
            assert self._handle is not None
            # JSON lines from `write` are the rows themselves: no Arrow table of them is built
            # (it was, and thrown away: ~15% of the writer's CPU on the annotate-and-filter run)
            rows = table.to_pylist() if self._arrow else self._rows
            self._handle.write(b"".join(orjson.dumps(_jsonable(r)) + b"\n" for r in rows))
        self._rows = []
        self._arrow = []
        self._arrow_rows = 0

    def _finish_part(self) -> None:
        self._flush()
        if self._tmp is None:
            return
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        assert self._handle is not None
        self._handle.close()
        final = self._path(tmp=False)
        if final != self._tmp:
            self.fs.mv(self._tmp, final)
        self.paths.append(final)
        self._tmp = None
        self._handle = None
        self._bytes = 0
        self._part += 1

    def close(self) -> list[str]:
        self._finish_part()
        return self.paths

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.abort()

    def abort(self) -> None:
        """Drop the unfinished part; finished parts stay (the caller decides what they mean)."""
        try:
            if self._parquet is not None:
                self._parquet.close()
            if self._handle is not None:
                self._handle.close()
        finally:
            if self._tmp is not None and self.fs.exists(self._tmp):
                self.fs.rm(self._tmp)
            self._tmp = None


#: The hand-off between passes (`_work/seg<k>/<shard>.arrow`): Arrow IPC files, uncompressed on
#: a local disk, lz4 on an object store (where bytes cost more than CPU). Parquet with zstd cost
#: ~1.9 CPU s per written-and-read hand-off of the 10k bench crawl's survivors, Arrow IPC ~1.3,
#: with lz4 ~1.6 (docs/architecture.md, bench/handoff_formats.py); the rows stay the kept schema's,
#: so the last pass writes them to kept/ as they are (`ShardWriter.write_rows`).
SEGMENT_SUFFIX = ".arrow"
#: Recorded in a run's manifest: a folder whose `_work/` holds another format is refused, not resumed.
SEGMENT_FORMAT = "arrow-ipc"


def segment_name(shard_index: int) -> str:
    """A shard's file name in `_work/seg<k>/`."""
    return f"{shard_index:05d}{SEGMENT_SUFFIX}"


class SegmentWriter:
    """One Arrow IPC file of a shard's documents between two stages, written a batch at a time.

    Record batches of `batch_rows` documents go to a `.tmp-` name, renamed by `close()`, so memory
    is one batch whatever the shard's size, and a killed task leaves no file with the final name.
    The original text is always kept: the next stage rebuilds the documents from these rows.
    """

    def __init__(self, path: Path | StorePath, schema: pa.Schema, batch_rows: int = 1000) -> None:
        self.path = path
        self.batch_rows = batch_rows
        self.schema = schema
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._stored: contextlib.ExitStack | None = None
        if isinstance(path, StorePath):  # an object of this attempt's, whole once the upload completes
            self._stored = contextlib.ExitStack()
            self._sink: Any = self._stored.enter_context(path.open_write())
        else:
            self.tmp = temporary_name(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._sink = pa.OSFile(str(self.tmp), "wb")
        import pyarrow.ipc as ipc

        options = ipc.IpcWriteOptions(compression="lz4" if self._stored is not None else None)
        self._ipc = ipc.new_file(self._sink, schema, options=options)

    def write(self, doc: Document) -> None:
        self._rows.append(row_of(doc))
        self.count += 1
        if len(self._rows) >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._ipc.write_batch(pa.RecordBatch.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._ipc.close()
        if self._stored is not None:
            self._stored.close()
            return
        self._sink.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        with contextlib.suppress(pa.ArrowException, OSError):
            self._ipc.close()
        if self._stored is not None:
            # Leaving the block with an error deletes the object instead of publishing it.
            self._stored.__exit__(RuntimeError, RuntimeError("aborted"), None)
            return
        self._sink.close()
        self.tmp.unlink(missing_ok=True)


def read_segment(path: Path | StorePath, batch_rows: int = 1000) -> Iterator[Document]:
    """The documents of a `SegmentWriter` file (or any file of `to_row` rows), a batch of rows at a time."""
    for batch in segment_batches(path, batch_rows):
        yield from (from_row(r) for r in batch.to_pylist())


def segment_batches(path: Path | StorePath, batch_rows: int = 1000) -> Iterator[pa.RecordBatch]:
    """The rows of a `SegmentWriter` file as Arrow batches of at most `batch_rows` (one written
    batch, or a slice of it)."""
    with _open_segment(path) as reader:
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            for start in range(0, batch.num_rows, batch_rows):
                yield batch.slice(start, batch_rows)


def segment_rows(path: Path | StorePath) -> int:
    """Rows in a `SegmentWriter` file, from its batches' headers."""
    with _open_segment(path) as reader:
        return reader.count_rows()


@contextlib.contextmanager
def _open_segment(path: Path | StorePath) -> Iterator[ipc.RecordBatchFileReader]:
    import pyarrow.ipc as ipc

    with contextlib.ExitStack() as stack:
        if isinstance(path, StorePath):
            source: Any = stack.enter_context(path.open_read())
        else:
            # Mapped, not read: an uncompressed batch is used where it lies in the page cache.
            source = stack.enter_context(pa.memory_map(str(path)))
        try:
            reader = ipc.open_file(source)
        except pa.ArrowInvalid as e:
            raise SegmentFormatError(
                f"{path} is not a hand-off file of this tamis ({e}); start again with --overwrite"
            ) from None
        yield reader


class SegmentFormatError(TamisError):
    """A `_work/seg<k>/` file this version cannot read (written by another version, or damaged)."""


class _ZstdWriter(io.RawIOBase):
    """A zstd stream that closes its underlying file when closed."""

    def __init__(self, raw: IO[bytes], cctx: Any) -> None:
        self._raw = raw
        self._writer = cctx.stream_writer(raw, closefd=False)

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        return self._writer.write(b)

    def close(self) -> None:
        if not self.closed:
            self._writer.flush(1)  # FLUSH_FRAME: end the frame so readers see a complete stream
            self._writer.close()
            self._raw.close()
        super().close()


#: meta deeper than this is stored as JSON text from this level down: orjson stops at 255 levels,
#: and the JSONL row wraps meta in one more (issue 11: a record nested 300 deep failed every re-run).
MAX_META_DEPTH = 64


def row_of(doc: Document, keep_original: bool = True) -> dict[str, Any]:
    """`to_row`, with meta that orjson cannot encode (too deep, bytes, huge ints) made encodable."""
    try:
        return to_row(doc, keep_original=keep_original)
    except TypeError:  # orjson.JSONEncodeError: "Recursion limit reached", "not JSON serializable", ...
        return to_row(doc.replace(meta=json_safe(doc.meta)), keep_original=keep_original)


def json_safe(value: Any, depth: int = MAX_META_DEPTH) -> Any:
    """`value` with containers below `depth` levels turned into their JSON text, and values
    JSON has no form for turned into text.

    >>> json_safe({"a": {"b": [1, {"c": None}]}}, depth=2)
    {'a': {'b': '[1,{"c":null}]'}}
    >>> json_safe({"raw": b"caf\\xc3\\xa9", "n": 2**70})
    {'raw': 'café', 'n': '1180591620717411303424'}
    """
    if isinstance(value, dict | list | tuple) and depth <= 0:
        return json_text(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, depth - 1) for v in value]
    return _json_scalar(value)


def _json_scalar(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    try:
        orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:
        return str(value)
    return value


def json_text(value: Any) -> str:
    """Compact JSON of `value` at any depth, without recursion (orjson and json stop near 255 and
    1,000 levels; a JSONL input line may nest 1,024).

    >>> json_text({"a": [1, {"b": "x"}], "c": {}})
    '{"a":[1,{"b":"x"}],"c":{}}'
    """
    parts: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Literal):
            parts.append(item)
        elif isinstance(item, dict):
            todo: list[Any] = [_Literal("{")]
            for i, (k, v) in enumerate(item.items()):
                todo += [_Literal(("," if i else "") + orjson.dumps(str(k)).decode() + ":"), v]
            stack.extend(reversed([*todo, _Literal("}")]))
        elif isinstance(item, list | tuple):
            todo = [_Literal("[")]
            for i, v in enumerate(item):
                todo += [_Literal(","), v] if i else [v]
            stack.extend(reversed([*todo, _Literal("]")]))
        else:
            parts.append(orjson.dumps(_json_scalar(item), option=orjson.OPT_SERIALIZE_NUMPY).decode())
    return "".join(parts)


class _Literal(str):
    """JSON punctuation on `json_text`'s stack (told apart from string values by its type)."""


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """The row with meta and annotations as JSON objects, spliced in as the JSON text `to_row`
    made: parsed and dumped again inside the row, meta one level under orjson's limit failed."""
    out = dict(row)
    for key in ("meta", "annotations"):
        if isinstance(out.get(key), str):
            out[key] = orjson.Fragment(out[key])
    return out
