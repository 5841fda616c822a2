"""On-disk hand-off between the map, reduce and apply phases of the dedup stages.

Each map task writes one record array per shard, sorted by hash bucket (`MAP_BUCKETS` of them)
with an offsets array beside it. The reduce's partitions are runs of consecutive buckets, as
many as the map output needs (`plan_partitions`: about `TARGET_PARTITION_BYTES` of records
each, at least the stage's `partitions`), so a partition task reads one slice of each shard's
file and its memory is about (corpus records / partitions), not the corpus. The same layout
serves every later exchange between a reduce's tasks (`dedup.near`'s pairs and graph rounds,
decisions by shard). Every file is written to a temporary name and renamed, so a killed phase
leaves either the old file or the new one. On an object store (`--output s3://…`) the work folder
is a `write.run_store.StorePath`: the helpers below read and write through it, each object under
its attempt's own name, and read a partition of a shard's records with one ranged read
(docs/scaling.md).

Documents are named inside a stage by a 64-bit index `shard << 32 | row`, which sorts in
input order (that is what keep="first" keeps). The user's id is never the key: two records may
share one (issue 11: a unique text was marked a copy of another record with its id). The id
strings are stored per shard only so the reduce can name the document a duplicate was kept in
favour of, and so apply can check it was handed the very documents map saw, in the same order.
"""

from __future__ import annotations

import io
import itertools
import shutil
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import orjson

from tamis.atomic import Content, atomic_write
from tamis.document import Document, Duplicate
from tamis.errors import AccountingError
from tamis.write.run_store import IncompleteRunError, StorePath

#: A work folder or file: a local path, or a path on the run's object store.
WorkPath = Path | StorePath


def doc_index(shard: int, n: int) -> np.ndarray:
    """The stage-internal index of rows 0..n-1 of a shard.

    >>> doc_index(2, 3).tolist()
    [8589934592, 8589934593, 8589934594]
    """
    return (np.int64(shard) << np.int64(32)) | np.arange(n, dtype=np.int64)


def shard_of(index: np.ndarray) -> np.ndarray:
    return index >> np.int64(32)


def row_of(index: np.ndarray) -> np.ndarray:
    return index & np.int64(0xFFFFFFFF)


def write_file(path: WorkPath, content: Content) -> None:
    """Publish a work file whole: a local one by a temporary name and a rename, one on an object
    store under its attempt's own name."""
    if isinstance(path, StorePath):
        with path.open_write() as fh:
            if isinstance(content, bytes):
                fh.write(content)
            else:
                content(fh)
        return
    atomic_write(path, content)


def save_npy(path: WorkPath, array: np.ndarray) -> None:
    write_file(path, lambda fh: np.save(fh, array))


def load_npy(path: WorkPath, mmap: bool = False) -> np.ndarray:
    """`np.load` of a work file: memory-mapped when asked and local (an object is read whole)."""
    if isinstance(path, StorePath):
        return np.load(io.BytesIO(path.read_bytes()))
    return np.load(path, mmap_mode="r" if mmap else None)


def save_json(path: WorkPath, value: Any) -> None:
    write_file(path, orjson.dumps(value))


def load_json(path: WorkPath, default: Any = None) -> Any:
    return orjson.loads(path.read_bytes()) if path.exists() else default


#: Hash buckets a map task groups its records by. A reduce partition is a run of consecutive
#: buckets, so the number of partitions can grow to this many without changing what map writes
#: (offsets: 32 KiB per shard file).
MAP_BUCKETS = 4096
#: Map records one reduce partition task reads, at most (a single bucket may hold more). A task
#: holds about `RECORD_MEMORY_FACTOR` times this while it sorts and pairs them.
TARGET_PARTITION_BYTES = 256 << 20
#: Memory a reduce task asks the executor for: a worker's own (Python, NumPy, tamis imported,
#: no models) plus this many times the bytes of the records it reads (a sort's copies).
TASK_BASE_MEMORY = 256 << 20
RECORD_MEMORY_FACTOR = 4


def map_buckets(partitions: int) -> int:
    """The buckets a stage's map writes: `MAP_BUCKETS`, or more if the stage asks for more partitions."""
    return max(MAP_BUCKETS, partitions)


def task_memory(nbytes: int) -> int:
    """Bytes of memory to request for a task that reads `nbytes` of records."""
    return TASK_BASE_MEMORY + RECORD_MEMORY_FACTOR * int(nbytes)


def partition_of(key: np.ndarray, partitions: int) -> np.ndarray:
    """Partition of a uint64 hash: its high bits (the low bits also pick buckets and sort order)."""
    return ((key >> np.uint64(40)) % np.uint64(partitions)).astype(np.int64)


def write_partitioned(
    folder: WorkPath, shard: int, records: np.ndarray, part: np.ndarray, partitions: int
) -> None:
    """Write one shard's records grouped by partition, plus where each partition starts."""
    order = np.argsort(part, kind="stable")
    offsets = np.searchsorted(part[order], np.arange(partitions + 1), side="left").astype(np.int64)
    save_npy(folder / f"{shard:05d}.off.npy", offsets)
    save_npy(folder / f"{shard:05d}.npy", records[order])  # written last: its presence means complete


def shard_files(folder: WorkPath) -> list[WorkPath]:
    return sorted(p for p in folder.glob("[0-9]*.npy") if not p.name.endswith(".off.npy"))


def read_partition(folder: WorkPath, p: int, dtype: np.dtype) -> np.ndarray:
    """Partition `p` of every shard's records, concatenated (memory: this partition only)."""
    return read_buckets(folder, p, p + 1, dtype)


def read_buckets(
    folder: WorkPath, first: int, stop: int, dtype: np.dtype, leave_out: WorkPath | None = None
) -> np.ndarray:
    """Partitions `first`..`stop - 1` of every shard's records, concatenated: one slice per file.

    With `leave_out` (a stage's `excluded/` folder, `write_excluded`), records whose `index`
    names a row listed there for its shard are left out."""
    parts = []
    for path in shard_files(folder):
        offsets = load_npy(_offsets_path(path), mmap=True)
        lo, hi = int(offsets[first]), int(offsets[stop])
        if isinstance(path, StorePath):
            if int(offsets[-1]) * np.dtype(dtype).itemsize <= _WHOLE_BYTES:  # read once per process
                part = np.array(load_npy(path)[lo:hi])
            else:
                part = _read_rows(path, lo, hi)
        else:
            part = np.array(np.load(path, mmap_mode="r")[lo:hi])
        if leave_out is not None and len(part):
            excluded = excluded_rows(leave_out, int(path.name.split(".")[0]))
            if len(excluded):
                part = part[~np.isin(row_of(part["index"]), excluded)]
        parts.append(part)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _offsets_path(path: WorkPath) -> WorkPath:
    return path.with_name(path.name.replace(".npy", ".off.npy"))


def clear_folder(folder: WorkPath) -> None:
    """Delete a folder a reduce writes, with what an interrupted attempt left in it. On an object
    store there is nothing to delete: an earlier attempt's objects carry its own token, which no
    marker names, so no reader sees them (the run's end sweeps them)."""
    if isinstance(folder, StorePath):
        return
    shutil.rmtree(folder, ignore_errors=True)


#: A stored shard's records up to this size are read whole and kept by the process (the next
#: partition task there reads them from memory); larger ones by the partition's byte range.
_WHOLE_BYTES = 8 << 20


def _read_rows(path: StorePath, lo: int, hi: int) -> np.ndarray:
    """Rows lo..hi of a 1-D .npy object: its header, then only that slice (a reduce partition
    reads its part of each shard's records, not the whole object; fsspec's file reads ahead a
    block, so a small object costs one request)."""
    with path.open_read() as fh:
        read_header = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }
        _shape, _fortran, dtype = read_header[np.lib.format.read_magic(fh)](fh)
        if hi <= lo:
            return np.zeros(0, dtype=dtype)
        fh.seek(fh.tell() + lo * dtype.itemsize)
        return np.frombuffer(fh.read((hi - lo) * dtype.itemsize), dtype=dtype).copy()


# ---------------------------------------------------------------- how many reduce partitions


@dataclass(frozen=True)
class PartitionPlan:
    """The reduce partitions of one folder of bucketed files: partition j reads buckets
    `bounds[j]` .. `bounds[j + 1] - 1`, which hold `nbytes[j]` bytes of records."""

    bounds: tuple[int, ...]
    nbytes: tuple[int, ...]

    @property
    def partitions(self) -> int:
        return len(self.bounds) - 1

    def ranges(self) -> list[tuple[int, int]]:
        return list(itertools.pairwise(self.bounds))

    def memory(self) -> list[int]:
        """Bytes to request for each partition's task."""
        return [task_memory(n) for n in self.nbytes]


def plan_partitions(
    folder: WorkPath,
    minimum: int,
    executor: TaskRunner | int,
    target_bytes: int | None = None,
    saved: WorkPath | None = None,
) -> PartitionPlan:
    """Split `folder`'s buckets into partitions of about `target_bytes` of records (at least
    `minimum` partitions, at most one per bucket), from the bucket sizes the map files record.

    Summing the sizes is itself a task per group of shard files (each returns one count per
    bucket), so the driver reads no map file. With `saved`, the plan is written there, and a
    plan found there (a reduce resumed after a kill) is used as it is.
    """
    if saved is not None and saved.exists():
        value = load_json(saved)
        return PartitionPlan(tuple(value["bounds"]), tuple(value["nbytes"]))
    files = shard_files(folder)
    groups = [files[i : i + _PLAN_FILES_PER_TASK] for i in range(0, len(files), _PLAN_FILES_PER_TASK)]
    sizes: np.ndarray | None = None
    for counts in pool_map(_bucket_bytes, groups, executor):
        sizes = counts if sizes is None else sizes + counts
    plan = split_buckets(sizes if sizes is not None else np.zeros(0, np.int64), minimum, target_bytes)
    if saved is not None:
        save_json(saved, {"bounds": list(plan.bounds), "nbytes": list(plan.nbytes)})
    return plan


#: shard files whose offsets one planning task sums (90,000 shards: 352 tasks)
_PLAN_FILES_PER_TASK = 256


def _bucket_bytes(files: Sequence[WorkPath]) -> np.ndarray:
    """Bytes of records per bucket, summed over these shard files."""
    total: np.ndarray | None = None
    for path in files:
        offsets = load_npy(_offsets_path(path))
        header = _read_rows(path, 0, 0) if isinstance(path, StorePath) else load_npy(path, mmap=True)
        itemsize = header.dtype.itemsize
        counts = np.diff(offsets) * itemsize
        total = counts if total is None else total + counts
    return total if total is not None else np.zeros(0, np.int64)


def split_buckets(sizes: np.ndarray, minimum: int, target_bytes: int | None = None) -> PartitionPlan:
    """Runs of consecutive buckets: `ceil(total / target_bytes)` of them, at least `minimum`, at
    most one per bucket, each an equal share of the buckets (hashes spread records evenly).

    >>> split_buckets(np.array([10, 10, 10, 10]), 1, target_bytes=10)
    PartitionPlan(bounds=(0, 1, 2, 3, 4), nbytes=(10, 10, 10, 10))
    >>> split_buckets(np.array([10, 10, 10, 10]), 1, target_bytes=15)  # 3 partitions of 4 buckets
    PartitionPlan(bounds=(0, 1, 2, 4), nbytes=(10, 10, 20))
    >>> split_buckets(np.array([10, 10, 10, 10]), 1, target_bytes=25).bounds
    (0, 2, 4)
    """
    target = target_bytes or TARGET_PARTITION_BYTES
    buckets = len(sizes)
    if buckets == 0:
        return PartitionPlan((0,), ())
    wanted = max(minimum, -(-int(sizes.sum()) // target))
    count = min(buckets, max(1, wanted))
    bounds = [j * buckets // count for j in range(count + 1)]
    cumulative = np.concatenate(([0], np.cumsum(sizes)))
    nbytes = [int(cumulative[hi] - cumulative[lo]) for lo, hi in itertools.pairwise(bounds)]
    return PartitionPlan(tuple(bounds), tuple(nbytes))


# ---------------------------------------------------------------- ids and decisions


def write_ids(folder: WorkPath, shard: int, docs: Sequence[Document]) -> None:
    save_json(folder / "ids" / f"{shard:05d}.json", [d.id for d in docs])


def id_lookup(folder: WorkPath, indices: np.ndarray) -> dict[int, str]:
    """The id strings of the given stage indices, loading each shard's id list once."""
    out: dict[int, str] = {}
    if not len(indices):
        return out
    uniq = np.unique(indices)
    shards = shard_of(uniq)
    for s in np.unique(shards):
        ids = load_json(folder / "ids" / f"{int(s):05d}.json", [])
        for i in uniq[shards == s].tolist():
            out[i] = ids[i & 0xFFFFFFFF]
    return out


def write_decisions(folder: WorkPath, removed: np.ndarray, kept: np.ndarray, similarity: np.ndarray) -> int:
    """Per shard, `{removed row: [kept id, similarity]}`; returns how many documents are removed."""
    out_dir = folder / "decisions"
    clear_folder(out_dir)  # an interrupted reduce may have left files of a partial answer
    out_dir.mkdir(parents=True, exist_ok=True)
    shards = shard_of(removed)
    for s in np.unique(shards):
        sel = np.flatnonzero(shards == s)
        write_shard_decisions(folder, int(s), removed[sel], kept[sel], similarity[sel])
    return len(removed)


def write_shard_decisions(
    folder: WorkPath, shard: int, removed: np.ndarray, kept: np.ndarray, similarity: np.ndarray
) -> None:
    """One shard's `{removed row: [kept id, similarity]}` (every `removed` is of this shard)."""
    names = id_lookup(folder, kept)
    table = {
        str(row): [names[k], round(sim, 4)]
        for row, k, sim in zip(
            row_of(removed).tolist(), kept.tolist(), np.asarray(similarity, float).tolist(), strict=True
        )
    }
    save_json(folder / "decisions" / f"{shard:05d}.json", table)


def read_decisions(folder: WorkPath, shard: int) -> dict[int, list[Any]]:
    table = load_json(folder / "decisions" / f"{shard:05d}.json", {})
    return {int(row): hit for row, hit in table.items()}


def removed_rows(folder: WorkPath, shard: int) -> np.ndarray:
    """The rows of a shard that the reduce's decisions remove, sorted."""
    return np.array(sorted(read_decisions(folder, shard)), dtype=np.int64)


# ---------------------------------------------------------------- rows removed earlier in the pass


def write_excluded(
    folder: WorkPath, earlier: Sequence[tuple[Any, WorkPath]], shards: int, executor: TaskRunner | int
) -> None:
    """For a corpus stage that shares its pass with `earlier` (stage, work folder) stages, already
    reduced: per shard, the rows any of them removed (`excluded/NNNNN.npy`, written only for
    shards with some), a task per group of shards. Its reduce reads them with `excluded_rows`."""
    clear_folder(folder / "excluded")  # an interrupted reduce may have left a partial list
    if not earlier:
        return
    step = _DECISION_SHARDS_PER_TASK
    tasks = [(folder, tuple(earlier), lo, min(lo + step, shards)) for lo in range(0, shards, step)]
    for _ in pool_map(_write_excluded, tasks, executor):
        pass


def _write_excluded(args: tuple[WorkPath, tuple[tuple[Any, WorkPath], ...], int, int]) -> None:
    folder, earlier, first, stop = args
    for shard in range(first, stop):
        rows = np.unique(
            np.concatenate([np.zeros(0, np.int64)] + [stage.removed_rows(f, shard) for stage, f in earlier])
        )
        if len(rows):
            save_npy(folder / "excluded" / f"{shard:05d}.npy", rows.astype(np.int64))


def excluded_rows(folder: WorkPath, shard: int) -> np.ndarray:
    """The rows of `shard` listed in an `excluded/` folder by `write_excluded` (none: empty)."""
    path = folder / f"{shard:05d}.npy"
    return load_npy(path) if path.exists() else np.zeros(0, np.int64)


def mark_duplicates(
    docs: Sequence[Document], folder: WorkPath, shard: int, step: str, method: str
) -> list[Document]:
    """The shard's documents, those the reduce removed marked as duplicates of the document it kept.

    Decisions name a document by its row in the shard as map saw it; the ids map stored are
    compared first, so documents handed over in another order or number raise instead of
    receiving another document's verdict.
    """
    check_same_documents(folder, shard, docs)
    table = read_decisions(folder, shard)
    return [
        doc.replace(verdict=Duplicate(step, table[row][0], table[row][1], method)) if row in table else doc
        for row, doc in enumerate(docs)
    ]


def check_same_documents(folder: WorkPath, shard: int, docs: Sequence[Document]) -> None:
    mapped = load_json(folder / "ids" / f"{shard:05d}.json", None)
    if mapped is not None and mapped != [d.id for d in docs]:
        raise AccountingError(
            f"shard {shard}: apply was given {len(docs)} documents that are not the {len(mapped)} map saw"
        )


class TaskRunner(Protocol):
    """What a reduce runs its partition tasks on: the run's executor (`tamis.execute`).
    `memory` is the bytes each task needs (Ray reserves them; a local pool ignores them)."""

    workers: int

    def map_unordered(
        self,
        fn: Callable[[Any, Any], Any],
        tasks: Sequence[Any],
        progress: Any,
        memory: Sequence[int] | None = None,
    ) -> Iterator[Any]: ...


def pool_map(
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    executor: TaskRunner | int,
    memory: Sequence[int] | None = None,
) -> Iterator[Any]:
    """`map(fn, tasks)`, in order, as tasks of the run's executor (its worker pool, or Ray tasks
    with `memory[i]` bytes reserved for task i); in this process when given a number instead (a
    stage's reduce called outside a run, as tests do)."""
    if isinstance(executor, int):
        yield from map(fn, tasks)
        return
    if not tasks:
        return
    done: dict[int, Any] = {}
    next_index = 0
    numbered = list(enumerate(tasks))
    results = (
        executor.map_unordered(_Numbered(fn), numbered, None, memory=list(memory))
        if memory is not None
        else executor.map_unordered(_Numbered(fn), numbered, None)
    )
    for index, result in results:
        done[index] = result
        while next_index in done:
            yield done.pop(next_index)
            next_index += 1


@dataclass(frozen=True)
class _Numbered:
    """`fn` on a numbered task, as an executor calls it: `(index, fn(task))`."""

    fn: Callable[[Any], Any]

    def __call__(self, numbered: tuple[int, Any], report: Any = None) -> tuple[int, Any]:
        index, task = numbered
        try:
            return index, self.fn(task)
        except FileNotFoundError as missing:
            # The driver saw every map task's marker, yet this task's node cannot read their files:
            # nodes that share no file system (the tasks before all ran on the driver's node)
            raise IncompleteRunError(
                f"a reduce task cannot read {missing.filename} on this node ({socket.gethostname()}), "
                "though a task before wrote it: every node must write to the same storage, a shared "
                "file system or an object store URL (s3://…) for --output"
            ) from None


# ---------------------------------------------------------------- decisions written by tasks

_REMOVAL = np.dtype([("removed", "<i8"), ("kept", "<i8"), ("similarity", "<f8")])


def write_removals(
    folder: WorkPath, task: int, removed: np.ndarray, kept: np.ndarray, similarity: np.ndarray, shards: int
) -> None:
    """One reduce task's removals, grouped by the removed document's shard (`removals/`), for
    `decide_per_shard` to turn into each shard's decisions file."""
    rec = np.empty(len(removed), dtype=_REMOVAL)
    rec["removed"], rec["kept"], rec["similarity"] = removed, kept, similarity
    write_partitioned(folder / "removals", task, rec, shard_of(rec["removed"]), shards)


def shard_count(folder: WorkPath) -> int:
    """Shards that wrote map files in `folder` (named by shard number)."""
    files = shard_files(folder)
    return int(files[-1].name.split(".")[0]) + 1 if files else 0


def decide_per_shard(folder: WorkPath, shards: int, executor: TaskRunner | int) -> int:
    """Every shard's decisions file from the removals the reduce's tasks wrote, a task per group
    of shards (each names the kept documents by their ids); returns how many documents are removed.
    The driver only clears the old decisions and sums the counts."""
    clear_folder(folder / "decisions")  # an interrupted reduce may have left files of a partial answer
    (folder / "decisions").mkdir(parents=True, exist_ok=True)
    step = _DECISION_SHARDS_PER_TASK
    tasks = [(folder, lo, min(lo + step, shards)) for lo in range(0, shards, step)]
    return sum(pool_map(_decide_shards, tasks, executor))


#: shards whose decisions one task writes (each loads the id lists of its kept documents' shards)
_DECISION_SHARDS_PER_TASK = 64


def _decide_shards(args: tuple[WorkPath, int, int]) -> int:
    folder, first, stop = args
    rec = read_buckets(folder / "removals", first, stop, _REMOVAL)
    shards = shard_of(rec["removed"])
    for s in np.unique(shards):
        sel = rec[shards == s]
        sel = sel[np.argsort(sel["removed"], kind="stable")]
        write_shard_decisions(folder, int(s), sel["removed"], sel["kept"], sel["similarity"])
    return len(rec)
