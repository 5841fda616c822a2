"""Records that reuse another record's id: counted over the whole input, never merged.

Stages tell documents apart by their position (shard, row), never by the user's id, so a
repeated id changes no decision (issue 11: dedup once marked a unique Ukrainian text as a
copy of a German record with the same id). It is still reported, because `tamis explain` and
`duplicate_of` name documents by id, and a repeated id usually means a broken export.

Each first-stage task writes the 64-bit hashes of its records' ids, hash-partitioned like the
dedup stages' map files; the count reads one partition at a time (memory: 8 bytes x records /
partitions). Two different ids collide with probability about n^2 / 2^65 (1e-4 at 60M records).
"""

from __future__ import annotations

from array import array

import numpy as np

from tamis.dedup import partitions as pt
from tamis.dedup.normalize import h64

PARTITIONS = 16


class IdHashes:
    """The hashes of one shard's record ids, gathered while it streams (8 bytes a record)."""

    def __init__(self) -> None:
        self.hashes = array("Q")

    def add(self, record_id: str) -> None:
        self.hashes.append(h64(record_id))

    def write(self, folder: pt.WorkPath, shard: int) -> None:
        """Store them atomically: a killed task leaves no partial file."""
        hashes = np.frombuffer(self.hashes, dtype=np.uint64) if self.hashes else np.zeros(0, np.uint64)
        pt.write_partitioned(folder, shard, hashes, pt.partition_of(hashes, PARTITIONS), PARTITIONS)


def count_repeated_ids(folder: pt.WorkPath) -> int:
    """How many records carry an id that an earlier record (any shard) already carried."""
    if not folder.is_dir():
        return 0
    repeated = 0
    for p in range(PARTITIONS):
        hashes = pt.read_partition(folder, p, np.dtype(np.uint64))
        repeated += len(hashes) - len(np.unique(hashes))
    return repeated
