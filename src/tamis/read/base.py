"""Shards, reader options and the helpers every reader shares."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import fsspec

from tamis.document import Document, Rejected, Source


@dataclass(frozen=True, slots=True)
class Shard:
    """A unit of parallel work: one file, or a byte range of a splittable file."""

    uri: str
    format: str  # jsonl | parquet | warc | txt | html
    name: str  # short stable name used in ids and output names
    size: int = 0
    start: int = 0
    end: int | None = None  # exclusive; None = to the end


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Which fields of a record hold the id, text and URL."""

    id_field: str = "id"
    text_field: str = "text"
    url_field: str = "url"
    html: str = "auto"  # auto | yes | no: treat text as HTML (auto: sniff tags / content type)


def read_failure(shard: Shard, index: int, rule: str, detail: str, offset: int | None = None) -> Document:
    """A record the reader could not use, carried to the rejected output with its reason."""
    return Document(
        id=f"{shard.name}:{index}",
        text="",
        source=Source(uri=shard.uri, offset=offset, index=index),
        verdict=Rejected(step="read", rule=rule, value=detail[:300]),
    )


def compression_of(uri: str) -> str | None:
    lower = uri.lower()
    for suffix, name in ((".gz", "gzip"), (".zst", "zstd"), (".zstd", "zstd"), (".bz2", "bz2"), (".xz", "xz")):
        if lower.endswith(suffix):
            return name
    return None


class TruncatedStreamError(Exception):
    """A compressed stream ended before its end-of-stream marker."""


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
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""

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
    raw = fsspec.open(uri, "rb").open()
    if compression == "zstd":
        return io.BufferedReader(_ChunkStream(iter_zstd(raw)), buffer_size=1 << 20)
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)  # raises EOFError when truncated
    if compression is None:
        return raw
    return fsspec.open(uri, "rb", compression=compression).open()
