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
import posixpath
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tamis import __version__
from tamis.atomic import atomic_write
from tamis.dedup import partitions as pt
from tamis.errors import InputError
from tamis.pipeline import Pipeline
from tamis.read import Shard
from tamis.steps import CorpusStage
from tamis.write.shards import SEGMENT_FORMAT

if TYPE_CHECKING:
    from tamis.dedup.partitions import TaskRunner
    from tamis.execute.runner import RunConfig
    from tamis.write.run_store import Marker, RunStore


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


def commit_on_store(
    store: RunStore, tid: str, token: str, result: dict[str, Any], parts: Sequence[str]
) -> None:
    """Finish a task attempt on an object store: its done-marker names every object it wrote
    (its `_work/` files, and its kept/ and rejected/ parts, given as paths) and holds its stats."""
    from tamis.write.run_store import TaskAttempt, written

    attempt = TaskAttempt(store, tid, token)
    attempt.objects = written(token)
    root = store.root.rstrip("/") + "/"
    for path in parts:
        stored = path.removeprefix(root)
        attempt.objects[stored.replace(f".{token}.", ".", 1)] = stored
    attempt.commit(result)


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
    manifest = manifest_of(pipeline, shards, config)
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


def manifest_of(pipeline: Pipeline, shards: Sequence[Shard], config: RunConfig) -> dict[str, Any]:
    return {
        "tamis": __version__,
        "fingerprint": pipeline.fingerprint,
        "inputs": [[s.uri, s.start, s.end, s.size] for s in shards],
        "files": input_stamps(shards),
        "output_format": config.output_format,
        "read": dataclasses.asdict(config.read),
        "keep_original": config.keep_original,
        # which corpus stages share a pass: the task of pass k of one layout is not that of another
        "passes": [[stage.name for stage in p.stages] for p in pipeline.passes()],
        # the format of the hand-off between passes (`_work/seg<k>/`): main's Parquet before this key
        "handoff": SEGMENT_FORMAT,
    }


def check_inputs_unchanged(wdir: Path, shards: Sequence[Shard]) -> None:
    """An input written to while the run read it gives outputs that mix its old and new records."""
    _check_stamps(orjson.loads((wdir / "manifest.json").read_bytes())["files"], shards)


def _check_stamps(recorded: dict[str, Any], shards: Sequence[Shard]) -> None:
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
    if old.get("handoff") != new["handoff"]:
        return (
            f"whose work files (_work/seg*/) are not {new['handoff']} files: it was written by another tamis"
        )
    keys = [
        k for k in ("output_format", "read", "keep_original", "tamis", "passes") if old.get(k) != new.get(k)
    ]
    return f"with different output settings ({', '.join(keys) or 'manifest'})"


# ---------------------------------------------------------------- the driver's view of a run's state


class LocalRun:
    """A run's state in a local output folder: fixed names, published by rename (the functions above)."""

    def __init__(self, output: str) -> None:
        self.out = Path(output)
        self.wdir = work_dir(self.out)

    def check_or_write_manifest(self, pipeline: Pipeline, shards: Sequence[Shard], config: RunConfig) -> None:
        check_or_write_manifest(self.wdir, pipeline, shards, config)

    def unfinished(self, segment: int, n_shards: int) -> list[int]:
        return [i for i in range(n_shards) if not is_done(self.wdir, segment, i)]

    def check_map_outputs(
        self, segment: int, shard_indexes: Sequence[int], needed_for: str, reduced: Sequence[int] = ()
    ) -> str | None:
        """Refuse unless the tasks' output is all there (see `check_map_outputs`); the local run
        needs no index: its files have fixed names."""
        check_map_outputs(self.out, segment, shard_indexes, needed_for)
        return None

    def passed(self, segment: int, shard_indexes: Sequence[int]) -> int:
        return passed(self.wdir, segment, shard_indexes)

    def reduce(
        self,
        segment: int,
        number: int,
        corpus: CorpusStage,
        earlier: Sequence[tuple[int, CorpusStage]],
        executor: TaskRunner,
        n_shards: int,
    ) -> None:
        """The reduce of corpus stage `number`, mapped in pass `segment`, leaving out what the
        `earlier` stages of that pass (already reduced) removed."""
        marker = reduce_marker(self.wdir, number)
        if marker.exists():
            return
        needed = f"the reduce of {corpus.name} (stage {segment + 1})"
        check_map_outputs(self.out, segment, range(n_shards), needed)
        t0 = time.perf_counter()
        folder = self.wdir / f"corpus{number}"
        pt.write_excluded(
            folder, [(stage, self.wdir / f"corpus{m}") for m, stage in earlier], n_shards, executor
        )
        info = corpus.reduce(folder, executor)
        write_json(marker, {"info": info, "seconds": time.perf_counter() - t0})

    def drop_hand_off(self, segment: int) -> None:
        shutil.rmtree(self.wdir / f"seg{segment}", ignore_errors=True)

    def check_inputs_unchanged(self, shards: Sequence[Shard]) -> None:
        check_inputs_unchanged(self.wdir, shards)

    def task_results(self) -> Iterator[dict[str, Any]]:
        return task_results(self.wdir)

    def reduce_markers(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return reduce_markers(self.wdir)

    def user_ids(self) -> Path:
        return self.wdir / "user_ids"

    def write_stats(self, stats: dict[str, Any]) -> None:
        write_json(self.out / "stats.json", stats)

    def rows_on_disk(self, executor: Any = None) -> dict[str, int]:
        """`executor`: a local pool whose workers read the parts (see `count_rows`)."""
        from tamis.write.output_folder import count_rows_on_disk

        return count_rows_on_disk(self.out, executor)

    def finish(self) -> None:
        """Nothing left to clean: every file was published by rename."""


class StoreRun:
    """A run's state on an object store (`--output s3://…`), where nodes share nothing but the store.

    Every task attempt writes under names of its own and commits a done-marker last that names
    them and holds the task's stats (`write/run_store.py`); the driver reads only markers. Before
    each phase it checks that the markers it needs are all there with every object they name
    (`RunStore.check_complete`) and stores one index object mapping each file the phase may read
    to the object that holds it, which the phase's tasks load once per process. When the run
    ends, `sweep` deletes what killed or duplicate attempts left (objects no marker names).
    """

    def __init__(self, output: str) -> None:
        from tamis.write.run_store import RunStore

        self.url = output
        self.store = RunStore(output)
        self.wdir = "_work"
        #: documents each finished task of the segment before handed on (from the markers last checked)
        self._passed: dict[str, int] = {}
        self._finished: list[Marker] | None = None

    def _read_json(self, name: str) -> Any:
        return orjson.loads(self.store.read(name)) if self.store.exists(name) else None

    def _write_json(self, name: str, value: Any) -> None:
        """A file only the driver writes, under its fixed name (a PUT replaces an object whole)."""
        self.store.fs.pipe_file(self.store.path(name), orjson.dumps(value, option=orjson.OPT_INDENT_2))

    def check_or_write_manifest(self, pipeline: Pipeline, shards: Sequence[Shard], config: RunConfig) -> None:
        manifest = manifest_of(pipeline, shards, config)
        old = self._read_json(f"{self.wdir}/manifest.json")
        if old is None:
            self._write_json(f"{self.wdir}/manifest.json", manifest)
        elif old != manifest:
            raise InputError(
                f"{config.output} holds an unfinished or finished run {_difference(old, manifest)}; "
                "use a new --output prefix or pass --overwrite to start again"
            )

    def unfinished(self, segment: int, n_shards: int) -> list[int]:
        done = self.store.done_tasks()
        return [i for i in range(n_shards) if task_id(segment, i) not in done]

    def check_map_outputs(
        self, segment: int, shard_indexes: Sequence[int], needed_for: str, reduced: Sequence[int] = ()
    ) -> str:
        """Check the tasks' markers and objects, then store the index the next phase reads by
        (with the objects of the `reduced` corpus stages' reduces, whose decisions it applies)."""
        from tamis.write.run_store import write_index

        markers = self.store.check_complete([task_id(segment, i) for i in shard_indexes], needed_for)
        reduces = [self.store.marker(f"reduce{n}") for n in reduced]
        self._passed = {m.task: int(m.info.get("counts", {}).get("passed", 0)) for m in markers}
        return write_index(
            self.store, f"{self.wdir}/index/s{segment + 1}.json", [*markers, *filter(None, reduces)]
        )

    def passed(self, segment: int, shard_indexes: Sequence[int]) -> int:
        return sum(self._passed.get(task_id(segment, i), 0) for i in shard_indexes)

    def reduce(
        self,
        segment: int,
        number: int,
        corpus: CorpusStage,
        earlier: Sequence[tuple[int, CorpusStage]],
        executor: TaskRunner,
        n_shards: int,
    ) -> None:
        from tamis.write.run_store import StorePath, StoreView, TaskAttempt, new_token, write_index, written

        task = f"reduce{number}"
        if self.store.marker(task) is not None:
            return
        needed = f"the reduce of {corpus.name} (stage {segment + 1})"
        markers = self.store.check_complete([task_id(segment, i) for i in range(n_shards)], needed)
        # the earlier stages' decisions are read through the index too
        markers += [m for n, _ in earlier if (m := self.store.marker(f"reduce{n}")) is not None]
        index = write_index(self.store, f"{self.wdir}/index/reduce{number}.json", markers)
        token = new_token()
        view = StoreView(self.url, index, token)
        folder = StorePath(view, f"{self.wdir}/corpus{number}")
        t0 = time.perf_counter()
        earlier_folders = [(stage, StorePath(view, f"{self.wdir}/corpus{m}")) for m, stage in earlier]
        pt.write_excluded(folder, earlier_folders, n_shards, executor)
        info = corpus.reduce(folder, executor)
        attempt = TaskAttempt(self.store, task, token)
        attempt.objects = written(token)
        # Files the reduce's partition tasks wrote in other processes carry the same token.
        own = f".{token}."
        for name in self.store.list(f"{self.wdir}/corpus{number}"):
            if own in posixpath.basename(name) and name not in attempt.objects.values():
                attempt.objects[name.replace(own, ".", 1)] = name
        attempt.commit({"info": info, "seconds": time.perf_counter() - t0})

    def drop_hand_off(self, segment: int) -> None:
        self.store.delete_prefix(f"{self.wdir}/seg{segment}")

    def check_inputs_unchanged(self, shards: Sequence[Shard]) -> None:
        recorded = self._read_json(f"{self.wdir}/manifest.json")["files"]
        _check_stamps(recorded, shards)

    def _markers(self, prefix: str) -> list[Marker]:
        """The markers of finished tasks whose names start with `prefix` (read once: only the
        run's end asks, when no task runs any more)."""
        if self._finished is None:
            self._finished = [m for t in sorted(self.store.done_tasks()) if (m := self.store.marker(t))]
        return [m for m in self._finished if m.task.startswith(prefix)]

    def task_results(self) -> Iterator[dict[str, Any]]:
        for m in self._markers("s"):
            yield m.info

    def reduce_markers(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for m in self._markers("reduce"):
            yield int(m.task.removeprefix("reduce")), m.info

    def user_ids(self) -> Any:
        from tamis.write.run_store import StorePath, StoreView, write_index

        index = write_index(self.store, f"{self.wdir}/index/stats.json", self._markers("s0-"))
        return StorePath(StoreView(self.url, index), f"{self.wdir}/user_ids")

    def write_stats(self, stats: dict[str, Any]) -> None:
        self._write_json("stats.json", stats)

    def output_parts(self) -> list[tuple[str, str]]:
        """(name, stored name) of every kept/ and rejected/ part the finished tasks wrote."""
        return sorted(
            (name, stored)
            for m in self._markers("s")
            for name, stored in m.objects.items()
            if name.startswith(("kept/", "rejected/"))
        )

    def rows_on_disk(self, executor: Any = None) -> dict[str, int]:
        """Read here, whatever `executor` is: the parts are the store's, not the workers' disk."""
        from tamis.write.output_folder import count_rows

        self.store.fs.invalidate_cache()  # listings cached before the tasks wrote (s3fs)
        return count_rows(
            (name.split("/")[0], self.store.url_of(stored)) for name, stored in self.output_parts()
        )

    def finish(self) -> None:
        """Delete what killed or duplicate attempts left, and the phases' index objects."""
        parts = [n.split("/") for n in self.store.list(self.wdir)]
        folders = {"/".join(p[:2]) for p in parts if len(p) > 2 and p[1] != "done"}
        self.store.sweep(["kept", "rejected", *sorted(folders)])


def run_state(output: str) -> LocalRun | StoreRun:
    """Where a run keeps its state: a local folder, or an object store (`write/remote_output.py`)."""
    from tamis.write.remote_output import is_remote

    return StoreRun(output) if is_remote(output) else LocalRun(output)
