"""On-disk hand-off between the map, reduce and apply phases of the dedup stages.

Each map task writes one record array per shard, sorted by partition with an offsets array
beside it; the reduce memory-maps every shard's file and reads one partition at a time, so
its memory is about (corpus records / partitions), not the corpus. Every file is written to a
temporary name and renamed, so a killed phase leaves either the old file or the new one.
On an object store (`--output s3://…`) the work folder is a `write.run_store.StorePath`: the
helpers below read and write through it, each object under its attempt's own name, and read a
partition of a shard's records with one ranged read (docs/scaling.md).

Documents are named inside a stage by a 64-bit index `shard << 32 | row`, which sorts in
input order (that is what keep="first" keeps). The user's id is never the key: two records may
share one (issue 11: a unique text was marked a copy of another record with its id). The id
strings are stored per shard only so the reduce can name the document a duplicate was kept in
favour of, and so apply can check it was handed the very documents map saw, in the same order.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import orjson

from tamis.atomic import Content, atomic_write
from tamis.document import Document, Duplicate
from tamis.errors import AccountingError
from tamis.write.run_store import StorePath

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


def read_buckets(folder: WorkPath, first: int, stop: int, dtype: np.dtype) -> np.ndarray:
    """Partitions `first`..`stop - 1` of every shard's records, concatenated: one slice per file."""
    parts = []
    for path in shard_files(folder):
        offsets = load_npy(_offsets_path(path), mmap=True)
        lo, hi = int(offsets[first]), int(offsets[stop])
        if isinstance(path, StorePath):
            if int(offsets[-1]) * np.dtype(dtype).itemsize <= _WHOLE_BYTES:  # read once per process
                parts.append(np.array(load_npy(path)[lo:hi]))
            else:
                parts.append(_read_rows(path, lo, hi))
            continue
        data = np.load(path, mmap_mode="r")
        parts.append(np.array(data[lo:hi]))
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
    names = id_lookup(folder, kept)
    shards, rows = shard_of(removed), row_of(removed)
    for s in np.unique(shards):
        sel = np.flatnonzero(shards == s)
        table = {str(rows[i]): [names[int(kept[i])], round(float(similarity[i]), 4)] for i in sel}
        save_json(out_dir / f"{int(s):05d}.json", table)
    return len(removed)


def read_decisions(folder: WorkPath, shard: int) -> dict[int, list[Any]]:
    table = load_json(folder / "decisions" / f"{shard:05d}.json", {})
    return {int(row): hit for row, hit in table.items()}


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
    """What a reduce runs its partition tasks on: the run's executor (`tamis.execute`)."""

    workers: int

    def map_unordered(
        self, fn: Callable[[Any, Any], Any], tasks: Sequence[Any], progress: Any
    ) -> Iterator[Any]: ...


def pool_map(fn: Callable[[Any], Any], tasks: Sequence[Any], executor: TaskRunner | int) -> Iterator[Any]:
    """`map(fn, tasks)`, in order, on the run's executor (its worker pool, or Ray tasks); in this
    process when given a number instead (a stage's reduce called outside a run, as tests do)."""
    if isinstance(executor, int) or len(tasks) <= 1:
        yield from map(fn, tasks)
        return
    done: dict[int, Any] = {}
    next_index = 0
    for index, result in executor.map_unordered(_Numbered(fn), list(enumerate(tasks)), None):
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
        return index, self.fn(task)
