"""Shards, reader options and the helpers every reader shares."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import fsspec

from tamis.document import Document, Rejected, Source
from tamis.settings import RunSettings


@dataclass(frozen=True, slots=True)
class Shard:
    """A unit of parallel work: one file, a byte range of a splittable file, or a group of small files."""

    uri: str
    format: str  # jsonl | parquet | warc | txt | html | group
    name: str  # short stable name used in ids and output names
    size: int = 0
    start: int = 0
    end: int | None = None  # exclusive; None = to the end
    parts: tuple[Shard, ...] = ()  # format "group": the small files read one after the other
    unusable: str = ""  # "rule: detail" when the entry is not a readable file: one rejected record


#: Default of the `max_record_mb` run setting, as WARC tools cap payloads (10 MB).
MAX_RECORD_BYTES = RunSettings().max_record_bytes


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Which fields of a record hold the id, text and URL; how large a record may be."""

    id_field: str = RunSettings.id_field
    text_field: str = RunSettings.text_field
    url_field: str = RunSettings.url_field
    html: str = RunSettings.html  # auto | yes | no: treat text as HTML (auto: sniff tags / content type)
    #: A record (JSONL line, WARC payload, text file, Parquet text cell) longer than this is rejected
    #: as `record_too_large` without being held whole: one 1.5 GB line took a run to 23 GB (issue 11).
    max_record_bytes: int = MAX_RECORD_BYTES


def read_failure(
    shard: Shard,
    index: int,
    rule: str,
    detail: str,
    offset: int | None = None,
    doc_id: str | None = None,
    threshold: float | str | None = None,
) -> Document:
    """A record the reader could not use, carried to the rejected output with its reason.

    Its id is `doc_id` when the record named one, else `<shard name>:<index>` (or the caller's key).
    """
    return Document(
        id=doc_id or f"{shard.name}:{index}",
        text="",
        source=Source(uri=shard.uri, offset=offset, index=index),
        verdict=Rejected(step="read", rule=rule, value=detail[:300], threshold=threshold),
    )


def too_large(
    shard: Shard, index: int, size: int, options: ReadOptions, offset: int | None, doc_id: str | None = None
) -> Document:
    """The rejected record for a record over `options.max_record_bytes`, which was never held whole."""
    return read_failure(shard, index, "record_too_large", str(size), offset, doc_id, options.max_record_bytes)


def bounded_lines(fh: IO[bytes], limit: int) -> Iterator[tuple[bytes | None, int]]:
    """(line, its length in bytes) for each line of `fh`; a line over `limit` bytes comes as (None, length).

    A longer line is read past in 1 MB pieces, never held whole: one 1.5 GB line in a 2 MB gzip
    took a run to 23 GB of memory (issue 11).
    """
    while True:
        line = fh.readline(limit + 1)  # room for the newline
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, len(line)
            continue
        size = len(line)
        while not line.endswith(b"\n"):
            line = fh.readline(1 << 20)
            if not line:
                break
            size += len(line)
        yield None, size


def compression_of(uri: str) -> str | None:
    lower = uri.lower()
    for suffix, name in (
        (".gz", "gzip"),
        (".zst", "zstd"),
        (".zstd", "zstd"),
        (".bz2", "bz2"),
        (".xz", "xz"),
    ):
        if lower.endswith(suffix):
            return name
    return None


class TruncatedStreamError(Exception):
    """A compressed stream ended before its end-of-stream marker, or its data is corrupt."""


def stream_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the rest of this file cannot be read": a truncated or corrupt stream.

    gzip raises EOFError (truncated), BadGzipFile (an OSError) or zlib.error (corrupt deflate data);
    zstandard raises ZstdError on corrupt frames; fsspec raises OSError subclasses.
    """
    import zstandard

    return (EOFError, OSError, zlib.error, zstandard.ZstdError, TruncatedStreamError)


def iter_zstd(raw: IO[bytes], chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """Decompress concatenated zstd frames, raising at the end if the last frame is incomplete.

    zstandard's stream_reader returns a short stream on truncated input without complaint,
    which would silently lose records; decompressobj tells us through `eof`.
    """
    import zstandard

    dctx = zstandard.ZstdDecompressor()
    dobj = dctx.decompressobj()
    pending = b""
    while True:
        chunk = pending or raw.read(chunk_size)
        pending = b""
        if not chunk:
            break
        out = dobj.decompress(chunk)
        if out:
            yield out
        if dobj.eof:
            pending = dobj.unused_data
            dobj = dctx.decompressobj()
            if not pending:
                pending = raw.read(chunk_size)
                if not pending:
                    return
    if not dobj.eof:
        raise TruncatedStreamError("zstd stream ended before its end-of-frame marker")


class _ChunkStream(io.RawIOBase):
    """A readable stream over an iterator of byte chunks; closing it closes the file below."""

    def __init__(self, chunks: Iterator[bytes], on_close: Callable[[], None]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._on_close = on_close

    def close(self) -> None:
        if not self.closed:
            self._on_close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def open_binary(uri: str) -> IO[bytes]:
    """Open a local path or fsspec URL for reading, decompressing by extension."""
    compression = compression_of(uri)
    if compression not in (None, "zstd", "gzip"):
        return fsspec.open(uri, "rb", compression=compression).open()
    raw = open_raw(uri)
    if compression == "zstd":
        return io.BufferedReader(_ChunkStream(iter_zstd(raw), raw.close), buffer_size=1 << 20)
    if compression == "gzip":
        return OwningGzipFile(raw)  # raises EOFError when truncated
    return raw


def open_raw(uri: str) -> IO[bytes]:
    """A local path or fsspec URL opened for reading as stored, with `readline(size)` and `seek`.

    fsspec's buffered files (s3fs, gcsfs, adlfs) take no size in `readline()`, which the line
    readers need to bound a record's length: they are read through an `io.BufferedReader`.
    """
    fh = fsspec.open(uri, "rb").open()
    if isinstance(fh, fsspec.spec.AbstractBufferedFile):
        return io.BufferedReader(fh, buffer_size=1 << 20)  # type: ignore[arg-type]
    return fh


class OwningGzipFile(gzip.GzipFile):
    """A GzipFile that also closes the file below it.

    GzipFile leaves a passed fileobj open, and fsspec files (memory://, object stores) only
    commit their bytes when closed. Written with filename="" and mtime=0: no temporary name or
    clock in the header, so equal inputs give byte-identical files.
    """

    def __init__(self, raw: IO[bytes], mode: str = "rb", compresslevel: int = 9) -> None:
        super().__init__(filename="", fileobj=raw, mode=mode, compresslevel=compresslevel, mtime=0)
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()
