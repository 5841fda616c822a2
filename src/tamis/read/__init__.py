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
    """Expand files, folders and globs (local or any fsspec URL) into shards, in a stable order.

    Inside a folder, names starting with "." or "_" are skipped (temporary files, `_work/`
    checkpoints, `_SUCCESS` markers), as Spark and datatrove do. Plain JSONL files larger than
    `split_bytes` become several byte-range shards.
    """
    shards: list[Shard] = []
    names: set[str] = set()
    for path in paths:
        try:
            fs, root = fsspec.core.url_to_fs(path)
        except (ImportError, ValueError) as err:
            raise InputError(f"cannot open input {path!r}: {err}") from err
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        prefix = "" if protocol in ("file", "local") else f"{protocol}://"
        try:
            files, base = _expand(fs, root)
        except OSError as err:
            raise InputError(f"cannot list input {path!r}: {err}") from err
        if files is None:
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
            if name in names:  # same relative name under two inputs: keep ids distinct
                name = f.lstrip("/")
            names.add(name)
            uri = prefix + f
            if fmt == "jsonl" and f.lower().endswith((".jsonl", ".ndjson", ".json")) and size > split_bytes:
                for start in range(0, size, split_bytes):
                    end = min(start + split_bytes, size)
                    shards.append(Shard(uri, fmt, name, end - start, start, end))
            else:
                shards.append(Shard(uri, fmt, name, size))
    return shards


def _expand(fs: fsspec.AbstractFileSystem, root: str) -> tuple[list[str] | None, str]:
    """The files a path names, and the folder their short names are relative to."""
    if any(ch in root for ch in "*?["):
        files = sorted(fs.glob(root))
        return [f for f in files if not fs.isdir(f)], posixpath.dirname(root.split("*")[0].rstrip("/"))
    if fs.isdir(root):
        base = root.rstrip("/")
        files = sorted(fs.find(root))
        return [f for f in files if not _hidden(posixpath.relpath(f, base))], base
    if fs.exists(root):
        return [root], posixpath.dirname(root)
    return None, ""


def _hidden(relative: str) -> bool:
    return any(part.startswith((".", "_")) for part in relative.split("/"))


def read_shard(shard: Shard, options: ReadOptions | None = None) -> Iterator[Document]:
    return READERS[shard.format](shard, options or ReadOptions())
