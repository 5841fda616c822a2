"""What a run keeps in `_work/` to resume: the manifest, each task's stats file and done-marker.

A (segment, shard) task writes its outputs under temporary names, renames them, then writes its
stats and, last, its done-marker. A re-run skips marked tasks and redoes the rest after deleting
whatever an interrupted attempt had renamed, so a killed run neither loses nor duplicates a record.
The manifest holds everything that changes what a task writes; a folder whose manifest differs
is refused rather than resumed into.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tamis import __version__
from tamis.atomic import atomic_write
from tamis.errors import InputError
from tamis.pipeline import Pipeline
from tamis.read import Shard

if TYPE_CHECKING:
    from tamis.execute.runner import RunConfig


def work_dir(output: str | Path) -> Path:
    return Path(output) / "_work"


def task_id(segment: int, shard_index: int) -> str:
    return f"s{segment}-{shard_index:05d}"


def write_json(path: Path, value: Any) -> None:
    atomic_write(path, orjson.dumps(value, option=orjson.OPT_INDENT_2))


def is_done(wdir: Path, segment: int, shard_index: int) -> bool:
    return (wdir / "done" / f"{task_id(segment, shard_index)}.json").exists()


def finish_task(wdir: Path, tid: str, result: dict[str, Any], written: Sequence[str] = ()) -> None:
    """Record a task's stats, then its done-marker: a task is finished once its marker exists.

    The marker names the files of `_work/` that a later phase reads (`written`, relative to the
    output folder), in the form `write/run_store.py` reads: a reduce checks them all first.
    """
    write_json(wdir / "stats" / f"{tid}.json", result)
    marker = {
        "task": tid,
        "attempt": uuid.uuid4().hex[:12],
        "objects": {name: name for name in written},
        "time": time.time(),
    }
    write_json(wdir / "done" / f"{tid}.json", marker)


class FileStamps:
    """Which files under some folders a task wrote: those new or replaced since the stamps were
    taken (every phase publishes by rename, so a file it wrote has a new inode)."""

    def __init__(self, folders: Sequence[Path], pattern: str) -> None:
        self.folders = folders
        self.pattern = pattern
        self.before = self._stamps()

    def _stamps(self) -> dict[Path, tuple[int, int]]:
        found = [p for folder in self.folders if folder.is_dir() for p in folder.rglob(self.pattern)]
        return {
            p: (st.st_ino, st.st_mtime_ns)
            for p in found
            if not p.name.startswith(".tmp-") and (st := p.stat())
        }

    def written(self, root: Path) -> list[str]:
        """The files written since, relative to `root`, with "/" between parts."""
        return sorted(
            p.relative_to(root).as_posix()
            for p, stamp in self._stamps().items()
            if self.before.get(p) != stamp
        )


def check_map_outputs(out: Path, segment: int, shard_indexes: Sequence[int], needed_for: str) -> None:
    """Refuse (IncompleteRunError, one line) unless every given shard's task of `segment` has its
    done-marker and every file that marker names is there: a reduce or a next segment never runs
    over part of its input (on a cluster whose nodes share no file system, a reduce once ran over
    2 of 4 shards' map output: issue 14)."""
    from tamis.write.run_store import RunStore

    RunStore(str(out)).check_complete([task_id(segment, i) for i in shard_indexes], needed_for)


def task_results(wdir: Path) -> Iterator[dict[str, Any]]:
    """The stats file of every finished task (not a .tmp- file left by a kill)."""
    for path in sorted((wdir / "stats").glob("[!.]*.json")):
        yield orjson.loads(path.read_bytes())


def passed(wdir: Path, segment: int, shard_indexes: Sequence[int]) -> int:
    """Documents that segment `segment` handed on for the given shards (the next stage's total)."""
    total = 0
    for i in shard_indexes:
        path = wdir / "stats" / f"{task_id(segment, i)}.json"
        if path.exists():
            total += orjson.loads(path.read_bytes())["counts"]["passed"]
    return total


def reduce_marker(wdir: Path, segment: int) -> Path:
    return wdir / "done" / f"reduce{segment}.json"


def reduce_markers(wdir: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(segment, marker) of every finished reduce."""
    for path in sorted((wdir / "done").glob("reduce*.json")):
        yield int(path.stem.removeprefix("reduce")), orjson.loads(path.read_bytes())


def clear_partial(out: Path, tid: str) -> None:
    """Delete what an interrupted attempt at this task left, renamed or not."""
    segment, _, shard = tid.partition("-")
    patterns = [(out / "rejected", f"part-{tid}-"), (out / "rejected", f".tmp-part-{tid}-")]
    if segment:
        patterns += [(out / "kept", f"part-{shard}-"), (out / "kept", f".tmp-part-{shard}-")]
    for folder, prefix in patterns:
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.startswith(prefix):
                    p.unlink()


def check_or_write_manifest(
    wdir: Path, pipeline: Pipeline, shards: Sequence[Shard], config: RunConfig
) -> None:
    """Refuse to resume into a folder whose earlier run had other steps, inputs or output settings.

    Everything that changes what a shard's output holds is in the manifest, including each input
    file's size and modification time (an input edited in place keeps its size: issue 11); the
    worker count and executor are not, because they do not change outputs (tests/test_executors.py).
    """
    manifest = {
        "tamis": __version__,
        "fingerprint": pipeline.fingerprint,
        "inputs": [[s.uri, s.start, s.end, s.size] for s in shards],
        "files": input_stamps(shards),
        "output_format": config.output_format,
        "read": dataclasses.asdict(config.read),
        "keep_original": config.keep_original,
    }
    path = wdir / "manifest.json"
    if path.exists():
        old = orjson.loads(path.read_bytes())
        if old != manifest:
            raise InputError(
                f"{config.output} holds an unfinished or finished run {_difference(old, manifest)}; "
                "use a new --output folder or pass --overwrite to start again"
            )
        return
    write_json(path, manifest)


def check_inputs_unchanged(wdir: Path, shards: Sequence[Shard]) -> None:
    """An input written to while the run read it gives outputs that mix its old and new records."""
    recorded = orjson.loads((wdir / "manifest.json").read_bytes())["files"]
    now = input_stamps(shards)
    changed = [uri for uri, stamp in now.items() if recorded.get(uri) != stamp]
    if changed:
        raise InputError(
            f"input {changed[0]!r} changed while this run read it: its outputs may mix old and new "
            "records; when it is complete, start again with --overwrite"
        )


def input_stamps(shards: Sequence[Shard]) -> dict[str, list[Any]]:
    """Size and modification time (local: ns; object stores: their date and ETag/checksum) per input file."""
    stamps: dict[str, list[Any]] = {}
    # A group's files are stamped one by one; an entry the reader rejects (a FIFO, a dangling link,
    # a name that is not UTF-8) has nothing to stamp and is recorded by its rejection instead.
    files = [part for shard in shards for part in (shard.parts or (shard,)) if not part.unusable]
    for file in files:
        if file.uri in stamps:
            continue
        if "://" not in file.uri:
            st = os.stat(file.uri)
            stamps[file.uri] = [st.st_size, st.st_mtime_ns]
            continue
        import fsspec

        fs, path = fsspec.core.url_to_fs(file.uri)
        info = fs.info(path)
        keys = ("mtime", "LastModified", "last_modified", "updated", "ETag", "etag", "md5Hash", "crc32c")
        stamps[file.uri] = [info.get("size"), *(str(info[k]) for k in keys if info.get(k) is not None)]
    return stamps


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What differs between an earlier run's manifest and this one, in words."""
    if old.get("fingerprint") != new["fingerprint"]:
        return "with a different pipeline"
    before, now = old.get("files"), new["files"]
    if isinstance(before, dict):
        changed = [uri for uri in now if uri in before and before[uri] != now[uri]]
        if changed:
            was, is_ = before[changed[0]], now[changed[0]]
            how = "the same size" if was[0] == is_[0] else f"size {was[0]:,} -> {is_[0]:,} bytes"
            more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
            return f"whose input {changed[0]!r}{more} changed since ({how}, modified again): its outputs are stale"
        added = [uri for uri in now if uri not in before]
        gone = [uri for uri in before if uri not in now]
        if added or gone:
            first = (added or gone)[0]
            return f"with different inputs ({len(added)} files added, {len(gone)} gone, e.g. {first!r})"
    elif old.get("inputs") == new["inputs"]:
        return "of an older tamis, which did not record the inputs' modification times"
    if old.get("inputs") != new["inputs"]:
        return "with different inputs (split differently)"
    keys = [k for k in ("output_format", "read", "keep_original", "tamis") if old.get(k) != new.get(k)]
    return f"with different output settings ({', '.join(keys) or 'manifest'})"
