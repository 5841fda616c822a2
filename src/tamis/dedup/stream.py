"""Corpus stages a batch at a time: map keeps a few hashes per document, never the document.

A stage that offers `mapper(shard, work_dir)` and `applier(shard, work_dir)` can be handed a
shard's documents in batches of any size instead of one list:

- `mapper(...).add(batch)` takes the next documents, keeping only compact per-document records
  (hashes, ranks, signatures: the bytes per document are listed on each stage); `close()` writes
  the map files, the same bytes whatever the batches were;
- `applier(...).apply(batch)` returns the next documents with their verdicts or edits, checking
  that they are the ones map saw, in the same order; `close()` checks that none is missing.

A shard task's memory is then one batch of documents plus those records, whatever the shard's
size. `map_stream` and `apply_stream` drive either kind of stage over an iterable of documents
(a stage without a mapper gets one list, as before); `map_shard`/`apply_shard` are one batch.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np

from tamis.dedup import partitions as pt
from tamis.document import Document, Duplicate
from tamis.errors import AccountingError
from tamis.steps import CorpusStage

#: documents per batch when a stage is driven over a stream
BATCH_DOCS = 1000


class ShardMapper(Protocol):
    def add(self, docs: Sequence[Document]) -> None: ...

    def close(self) -> None: ...


class ShardApplier(Protocol):
    def apply(self, docs: Sequence[Document]) -> list[Document]: ...

    def close(self) -> None: ...


def batches(docs: Iterable[Document], size: int = BATCH_DOCS) -> Iterator[list[Document]]:
    """Consecutive lists of at most `size` documents."""
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch


def map_stream(
    stage: CorpusStage, docs: Iterable[Document], shard: int, work_dir: Path, size: int = BATCH_DOCS
) -> None:
    """`stage.map_shard` over a stream: a batch at a time where the stage allows, else one list."""
    mapper = getattr(stage, "mapper", None)
    if mapper is None:
        stage.map_shard(list(docs), shard, work_dir)
        return
    m = mapper(shard, work_dir)
    for batch in batches(docs, size):
        m.add(batch)
    m.close()


def apply_stream(
    stage: CorpusStage, docs: Iterable[Document], shard: int, work_dir: Path, size: int = BATCH_DOCS
) -> Iterator[Document]:
    """`stage.apply_shard` over a stream, yielding documents in order (a batch at a time where the stage allows)."""
    applier = getattr(stage, "applier", None)
    if applier is None:
        yield from stage.apply_shard(list(docs), shard, work_dir)
        return
    a = applier(shard, work_dir)
    for batch in batches(docs, size):
        yield from a.apply(batch)
    a.close()


def as_numpy(values: array[Any]) -> np.ndarray:
    """An `array.array`'s numbers as a NumPy array of the same type, without a copy.

    >>> as_numpy(array("Q", [1, 2])).dtype, len(as_numpy(array("d")))
    (dtype('uint64'), 0)
    """
    return np.frombuffer(values, dtype=values.typecode) if len(values) else np.zeros(0, values.typecode)


def save_npy_rows(
    path: pt.WorkPath, chunks: list[np.ndarray], row_shape: tuple[int, ...], dtype: np.dtype
) -> None:
    """`np.save` of the chunks' rows stacked (the same bytes), without stacking them in memory."""
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": False,
        "shape": (sum(len(c) for c in chunks), *row_shape),
    }

    def write(fh: BinaryIO) -> None:
        np.lib.format.write_array_header_1_0(fh, header)
        for chunk in chunks:
            fh.write(np.ascontiguousarray(chunk, dtype=dtype).tobytes())

    pt.write_file(path, write)


def write_ids(work_dir: pt.WorkPath, shard: int, ids: list[str]) -> None:
    """The shard's document ids in map's order (the file `partitions.write_ids` writes)."""
    pt.save_json(work_dir / "ids" / f"{shard:05d}.json", ids)


class MappedIds:
    """Checks, batch by batch, that apply is handed the documents map saw, in the same order."""

    def __init__(self, work_dir: pt.WorkPath, shard: int) -> None:
        self.shard = shard
        self.mapped: list[str] | None = pt.load_json(work_dir / "ids" / f"{shard:05d}.json", None)
        self.seen = 0

    def matches(self, docs: Sequence[Document]) -> bool:
        """Whether `docs` are the next documents map saw (always true when map left no ids)."""
        lo = self.seen
        self.seen += len(docs)
        return self.mapped is None or self.mapped[lo : self.seen] == [d.id for d in docs]

    def check(self, docs: Sequence[Document]) -> None:
        if not self.matches(docs):
            self._refuse()

    def close(self) -> None:
        if self.mapped is not None and self.seen != len(self.mapped):
            self._refuse()

    def _refuse(self) -> None:
        assert self.mapped is not None
        raise AccountingError(
            f"shard {self.shard}: apply was given {self.seen} documents that are not the "
            f"{len(self.mapped)} map saw"
        )


class DuplicateMarker:
    """Streaming `partitions.mark_duplicates`: the reduce's removed rows marked as duplicates."""

    def __init__(self, work_dir: pt.WorkPath, shard: int, step: str, method: str) -> None:
        self.ids = MappedIds(work_dir, shard)
        self.table: dict[int, list[Any]] = pt.read_decisions(work_dir, shard)
        self.step, self.method = step, method

    def apply(self, docs: Sequence[Document]) -> list[Document]:
        first = self.ids.seen
        self.ids.check(docs)
        table, step, method = self.table, self.step, self.method
        return [
            doc.replace(verdict=Duplicate(step, table[row][0], table[row][1], method))
            if row in table
            else doc
            for row, doc in enumerate(docs, start=first)
        ]

    def close(self) -> None:
        self.ids.close()


def map_one_list(mapper: ShardMapper, docs: Sequence[Document]) -> None:
    mapper.add(docs)
    mapper.close()


def apply_one_list(applier: ShardApplier, docs: Sequence[Document]) -> list[Document]:
    out = applier.apply(docs)
    applier.close()
    return out
