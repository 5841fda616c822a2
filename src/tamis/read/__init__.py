"""Readers: find shards in input paths and turn each shard's records into Documents."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Sequence

import fsspec

from tamis.document import Document
from tamis.errors import InputError
from tamis.read.base import ReadOptions, Shard
from tamis.read.jsonl import read_jsonl
from tamis.read.parquet import read_parquet
from tamis.read.textdir import read_text_file
from tamis.read.warc import read_warc

__all__ = ["ReadOptions", "Shard", "discover", "format_of", "read_shard"]

READERS: dict[str, Callable[[Shard, ReadOptions], Iterator[Document]]] = {
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "warc": read_warc,
    "txt": read_text_file,
    "html": read_text_file,
}

_SUFFIXES = [
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
    (".json", "jsonl"),
    (".parquet", "parquet"),
    (".warc", "warc"),
    (".txt", "txt"),
    (".html", "html"),
    (".htm", "html"),
]
_COMPRESSIONS = ("", ".gz", ".zst", ".zstd", ".bz2", ".xz")

#: Plain JSONL files larger than this are split into byte ranges, so one big file still uses every core.
SPLIT_BYTES = 64 << 20


def format_of(path: str) -> str | None:
    lower = path.lower()
    for suffix, fmt in _SUFFIXES:
        for comp in _COMPRESSIONS:
            if lower.endswith(suffix + comp):
                return fmt
    return None


def discover(paths: Sequence[str], split_bytes: int = SPLIT_BYTES) -> list[Shard]:
    """Expand files, folders and globs (local or any fsspec URL) into shards, in a stable order."""
    shards: list[Shard] = []
    for path in paths:
        try:
            fs, root = fsspec.core.url_to_fs(path)
        except (ImportError, ValueError) as err:
            raise InputError(f"cannot open input {path!r}: {err}") from err
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        prefix = "" if protocol in ("file", "local") else f"{protocol}://"
        if any(ch in root for ch in "*?["):
            files = sorted(fs.glob(root))
            base = posixpath.dirname(root.split("*")[0].rstrip("/"))
        elif fs.isdir(root):
            files = sorted(fs.find(root))
            base = root
        elif fs.exists(root):
            files = [root]
            base = posixpath.dirname(root)
        else:
            raise InputError(f"input {path!r} does not exist")
        found = [f for f in files if format_of(f)]
        if not found:
            raise InputError(
                f"no readable files in {path!r}: expected .jsonl/.json/.ndjson (optionally .gz/.zst), "
                ".parquet, .warc(.gz), .txt or .html"
            )
        for f in found:
            fmt = format_of(f)
            assert fmt is not None
            size = fs.size(f) or 0
            name = posixpath.relpath(f, base) if base else posixpath.basename(f)
            uri = prefix + f
            if fmt == "jsonl" and f.lower().endswith((".jsonl", ".ndjson", ".json")) and size > split_bytes:
                for start in range(0, size, split_bytes):
                    end = min(start + split_bytes, size)
                    shards.append(Shard(uri, fmt, name, end - start, start, end))
            else:
                shards.append(Shard(uri, fmt, name, size))
    return shards


def read_shard(shard: Shard, options: ReadOptions | None = None) -> Iterator[Document]:
    return READERS[shard.format](shard, options or ReadOptions())
