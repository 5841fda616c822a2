"""Readers: find shards in input paths and turn each shard's records into Documents."""

from __future__ import annotations

import logging
import os
import posixpath
import stat
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import fsspec

from tamis.document import Document
from tamis.errors import InputError
from tamis.read.base import ReadOptions, Shard, read_failure
from tamis.read.jsonl import read_jsonl
from tamis.read.textdir import read_text_file
from tamis.read.warc import read_warc

__all__ = ["ReadOptions", "Shard", "discover", "format_of", "read_shard"]

_log = logging.getLogger(__name__)

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
#: Files smaller than this are read several to a task: every task writes its own output parts,
#: stats and markers, and 2,000 one-page .txt files as 2,000 tasks took 110 s and wrote 47,609
#: files (issue 11). Small files are shared out over at most SMALL_FILE_TASKS tasks (enough to
#: keep every core busy; a few files stay one task each), each holding at most GROUP_BYTES.
SMALL_FILE_BYTES = 256 << 10
SMALL_FILE_TASKS = 64
GROUP_BYTES = 4 << 20


def format_of(path: str) -> str | None:
    lower = path.lower()
    for suffix, fmt in _SUFFIXES:
        for comp in _COMPRESSIONS:
            if lower.endswith(suffix + comp):
                return fmt
    return None


def discover(
    paths: Sequence[str],
    split_bytes: int = SPLIT_BYTES,
    *,
    group_bytes: int = GROUP_BYTES,
    exclude: Sequence[str] = (),
) -> list[Shard]:
    """Expand files, folders and globs (local or any fsspec URL) into shards, in a stable order.

    An existing path is always taken as itself, even when its name holds glob characters
    (`data[1].jsonl`), and a file named twice (by a glob and by its name) is read once. Inside a folder, names starting with "." or "_" are skipped (temporary
    files, `_work/` checkpoints, `_SUCCESS` markers), as Spark and datatrove do, and so is any
    path under `exclude` (the run's own output folder). Plain JSONL files larger than
    `split_bytes` become several byte-range shards; whole files smaller than SMALL_FILE_BYTES are
    grouped into shards of several files, up to `group_bytes` (0: no grouping).

    Only regular files are read: a FIFO would block forever and a dangling link cannot be opened.
    Such an entry, or one whose name is not valid UTF-8 (it could not be written to the outputs),
    becomes a shard whose reader yields one rejected record saying why, and a warning line.
    """
    shards: list[Shard] = []
    names: set[str] = set()
    seen: set[str] = set()
    excluded = [_comparable(p) for p in exclude]
    for path in paths:
        try:
            fs, root = fsspec.core.url_to_fs(path)
        except (ImportError, ValueError) as err:
            raise InputError(f"cannot open input {path!r}: {err}") from err
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        local = protocol in ("file", "local")
        prefix = "" if local else f"{protocol}://"
        try:
            files, base = _expand(fs, root)
        except OSError as err:
            raise InputError(f"cannot list input {path!r}: {err}") from err
        if files is None:
            raise InputError(f"input {path!r} does not exist")
        found = [
            (f, info)
            for f, info in files
            if format_of(f) and not (local and excluded and _under(_comparable(f), excluded))
        ]
        if not found:
            raise InputError(
                f"no readable files in {path!r}: expected .jsonl/.json/.ndjson (optionally .gz/.zst), "
                ".parquet, .warc(.gz), .txt or .html"
            )
        for f, info in found:
            fmt = format_of(f)
            assert fmt is not None
            if (prefix + f) in seen:  # named twice (a glob and the file itself): read once
                continue
            seen.add(prefix + f)
            name = posixpath.relpath(f, base) if base else posixpath.basename(f)
            if name in names:  # same relative name under two inputs: keep ids distinct
                name = f.lstrip("/")
            names.add(name)
            problem = _why_unusable(f, info, local)
            if problem:
                shards.append(Shard(_printable(prefix + f), fmt, _printable(name), 0, unusable=problem))
                continue
            uri = prefix + f
            size = int(info.get("size") or 0)
            if fmt == "jsonl" and f.lower().endswith((".jsonl", ".ndjson", ".json")) and size > split_bytes:
                for start in range(0, size, split_bytes):
                    end = min(start + split_bytes, size)
                    shards.append(Shard(uri, fmt, name, end - start, start, end))
            else:
                shards.append(Shard(uri, fmt, name, size))
    unusable = [s for s in shards if s.unusable]
    if unusable:
        listed = "; ".join(f"{s.uri} ({s.unusable.partition(':')[2].strip()})" for s in unusable[:5])
        more = f" and {len(unusable) - 5} more" if len(unusable) > 5 else ""
        _log.warning(
            f"tamis: warning: {len(unusable)} input entries are not readable files and are rejected "
            f"(read:{'/'.join(sorted({s.unusable.partition(':')[0] for s in unusable}))}): {listed}{more}"
        )
    return group_small_files(shards, group_bytes) if group_bytes > 0 else shards


def group_small_files(shards: Sequence[Shard], group_bytes: int = GROUP_BYTES) -> list[Shard]:
    """Merge runs of consecutive small whole-file shards into one shard each (order kept).

    Documents keep the ids and sources of their own file: a group only changes how many tasks
    (and output parts) the run has. A group's uri is its first file's, its size the sum. The
    grouping depends on the inputs alone, so a re-run of the same command resumes the same tasks.
    """
    small = [_is_small(s) for s in shards]
    per_group = max(1, -(-sum(small) // SMALL_FILE_TASKS))  # ceil
    out: list[Shard] = []
    group: list[Shard] = []

    def close() -> None:
        if len(group) == 1:
            out.append(group[0])
        elif group:
            total = sum(s.size for s in group)
            name = f"{group[0].name} (+{len(group) - 1} files)"
            out.append(Shard(group[0].uri, "group", name, total, parts=tuple(group)))
        group.clear()

    for shard, is_small in zip(shards, small, strict=True):
        if not is_small:
            close()
            out.append(shard)
            continue
        if group and (len(group) >= per_group or sum(s.size for s in group) + shard.size > group_bytes):
            close()
        group.append(shard)
    close()
    return out


def _is_small(shard: Shard) -> bool:
    return shard.end is None and shard.start == 0 and shard.size < SMALL_FILE_BYTES


def _expand(fs: fsspec.AbstractFileSystem, root: str) -> tuple[list[tuple[str, dict[str, Any]]] | None, str]:
    """The files a path names with their fsspec info, and the folder their short names are relative to."""
    if _exists(fs, root):
        if fs.isdir(root):
            base = root.rstrip("/")
            found = fs.find(root, detail=True)
            return [(f, found[f]) for f in sorted(found) if not _hidden(posixpath.relpath(f, base))], base
        return [(root, _info(fs, root))], posixpath.dirname(root)
    if any(ch in root for ch in "*?["):
        found = fs.glob(root, detail=True)
        return [
            (f, found[f]) for f in sorted(found) if found[f].get("type") != "directory"
        ], posixpath.dirname(root.split("*")[0].rstrip("/"))
    return None, ""


def _exists(fs: fsspec.AbstractFileSystem, path: str) -> bool:
    """True for anything at `path`, a dangling symbolic link included (it is reported, not missing)."""
    if fs.exists(path):
        return True
    return _is_local(fs) and os.path.lexists(path)


def _info(fs: fsspec.AbstractFileSystem, path: str) -> dict[str, Any]:
    try:
        return dict(fs.info(path))
    except OSError:  # a dangling link named on the command line
        return {"name": path, "type": "other", "size": 0}


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in ("file", "local")


def _why_unusable(path: str, info: dict[str, Any], local: bool) -> str:
    """`rule: detail` when the entry at `path` cannot be read as a file, else ""."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return (
            "file_name_not_utf8: the file name is not valid UTF-8 and cannot be written to the outputs; "
            "rename it"
        )
    if info.get("type") == "file" or not local:
        return ""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        if os.path.islink(path):
            target = os.readlink(path)
            why = "a symbolic link loop" if err.errno == 40 else f"a dangling symbolic link to {target!r}"
            return f"not_a_regular_file: {why}"
        return f"not_a_regular_file: {err.strerror or err}"
    kinds = {
        stat.S_ISFIFO: "a FIFO (named pipe): reading it could block forever",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISDIR: "a folder",
    }
    for test, what in kinds.items():
        if test(mode):
            return f"not_a_regular_file: {what}"
    return "" if stat.S_ISREG(mode) else "not_a_regular_file: not a regular file"


def _printable(text: str) -> str:
    """`text` with undecodable bytes of a file name shown as \\xNN escapes."""
    return os.fsencode(text).decode("utf-8", "backslashreplace") if not text.isascii() else text


def _comparable(path: str) -> str:
    return os.path.realpath(fsspec.core.url_to_fs(path)[1]) if "://" in path else os.path.realpath(path)


def _under(path: str, folders: Sequence[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _hidden(relative: str) -> bool:
    return any(part.startswith((".", "_")) for part in relative.split("/"))


def read_unusable(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    """One rejected record for an input entry that is not a readable file."""
    rule, _, detail = shard.unusable.partition(":")
    yield read_failure(shard, 0, rule, detail.strip(), None, shard.name)


def read_parquet(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    """`tamis.read.parquet.read_parquet`, imported on first use: pyarrow.compute and .parquet cost
    ~35 ms to import, which a run over JSON lines need not pay."""
    from tamis.read.parquet import read_parquet as read

    return read(shard, options)


def read_group(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    """The records of each file of a group, file after file."""
    for part in shard.parts:
        yield from read_shard(part, options)


READERS: dict[str, Callable[[Shard, ReadOptions], Iterator[Document]]] = {
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "warc": read_warc,
    "txt": read_text_file,
    "html": read_text_file,
    "group": read_group,
}


def read_shard(shard: Shard, options: ReadOptions | None = None) -> Iterator[Document]:
    if shard.unusable:
        return read_unusable(shard, options or ReadOptions())
    return READERS[shard.format](shard, options or ReadOptions())
