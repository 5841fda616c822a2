"""Remove exact duplicates: documents whose normalised text (or URL) equals a kept document's."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tamis.dedup import partitions as pt
from tamis.dedup import stream
from tamis.dedup.normalize import check_normalizations, normalize, url_of
from tamis.dedup.normalize import h64 as _h64
from tamis.dedup.policy import check_keep, keep_order, rank_keys
from tamis.document import Document
from tamis.steps import CorpusStage, register

_RECORD = np.dtype([("key", "<u8"), ("index", "<i8"), ("rank", "<f8")])
KEYS = ("text", "url", "text+url")


def _reduce_partition(args: tuple[Path, int, int, int, int]) -> tuple[int, int]:
    """Group one partition's keys, write who is removed in favour of whom (`removals/`);
    returns (documents removed, groups)."""
    folder, task, first, stop, shards = args
    rec = pt.read_buckets(folder / "map", first, stop, _RECORD, leave_out=folder / "excluded")
    removed = kept = np.zeros(0, np.int64)
    if len(rec) >= 2:
        order = keep_order(rec["key"], rec["rank"], rec["index"])
        key, index = rec["key"][order], rec["index"][order]
        first_of_key = np.ones(len(key), dtype=bool)
        first_of_key[1:] = key[1:] != key[:-1]
        keeper = index[np.maximum.accumulate(np.where(first_of_key, np.arange(len(key)), 0))]
        removed, kept = index[~first_of_key], keeper[~first_of_key]
    pt.write_removals(folder, task, removed, kept, np.ones(len(removed)), shards)
    return len(removed), len(np.unique(kept))


@register("dedup.exact", version=1)
@dataclass(frozen=True)
class RemoveExactDuplicates(CorpusStage):
    """Remove documents whose normalised text (or URL) equals another's, keeping one copy per group."""

    #: what must be equal: "text" (normalised), "url", or both ("text+url")
    key: str = "text"
    #: normalisations applied before comparing texts (see tamis.dedup.normalize.NORMALIZATIONS)
    normalize: tuple[str, ...] = ("nfkc", "casefold", "punctuation", "whitespace")
    #: which copy survives: "first" (input order), "longest", "best_quality" (highest `score`)
    keep: str = "first"
    #: annotation ranked by keep="best_quality": higher is better; "-name" when lower is better ("-mt.score")
    score: str = "quality.score"
    #: hash partitions of the reduce, at least: more when the map output is larger than
    #: 16 x `partitions.TARGET_PARTITION_BYTES` (24 bytes a document); a task holds one
    partitions: int = 16

    rules = {"exact": "same normalised text (or URL) as the document it names, which was kept"}
    # apply only marks the decided rows duplicates, and reduce skips rows removed earlier in its
    # pass: dedup stages in a row share one pass (`CorpusStage`)
    only_removes = True
    leaves_out_removed = True

    def __post_init__(self) -> None:
        if self.key not in KEYS:
            raise ValueError(f"key={self.key!r}; choose one of {', '.join(KEYS)}")
        check_keep(self.keep)
        check_normalizations(self.normalize)
        if self.partitions < 1:
            raise ValueError("partitions must be at least 1")

    def key_of(self, doc: Document) -> str:
        """The string two documents must share to be exact duplicates ('' = cannot be compared)."""
        text = normalize(doc.text, self.normalize) if "text" in self.key else ""
        url = url_of(doc).strip().split("#", 1)[0] if "url" in self.key else ""
        if self.key == "url":
            return url
        if self.key == "text+url":
            return f"{text}\x00{url}" if url else ""
        return text

    def map_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> None:
        stream.map_one_list(self.mapper(shard, work_dir), docs)

    def mapper(self, shard: int, work_dir: Path) -> _ExactMapper:
        return _ExactMapper(self, shard, work_dir)

    def reduce(self, work_dir: Path, executor: pt.TaskRunner | int) -> dict[str, Any]:
        """Partition tasks group the keys and write their removals; tasks per group of shards
        write the decisions. A key's copies all sit in one partition, so groups add up."""
        plan = pt.plan_partitions(work_dir / "map", self.partitions, executor, saved=work_dir / "plan.json")
        shards = pt.shard_count(work_dir / "map")
        pt.clear_folder(work_dir / "removals")
        tasks = [(work_dir, t, lo, hi, shards) for t, (lo, hi) in enumerate(plan.ranges())]
        counts = list(pt.pool_map(_reduce_partition, tasks, executor, plan.memory()))
        n = pt.decide_per_shard(work_dir, shards, executor)
        return {"duplicates": n, "groups": sum(g for _, g in counts)}

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        return stream.apply_one_list(self.applier(shard, work_dir), docs)

    def removed_rows(self, work_dir: Path, shard: int) -> np.ndarray:
        return pt.removed_rows(work_dir, shard)

    def applier(self, shard: int, work_dir: Path) -> stream.DuplicateMarker:
        return stream.DuplicateMarker(work_dir, shard, self.name, "exact")


class _ExactMapper:
    """A shard's keys a batch at a time: 17 bytes per document (key hash, rank, has-a-key) and its id."""

    def __init__(self, stage: RemoveExactDuplicates, shard: int, work_dir: Path) -> None:
        self.stage, self.shard, self.work_dir = stage, shard, work_dir
        self.keys = array("Q")
        self.ranks = array("d")
        self.has_key = array("B")
        self.ids: list[str] = []

    def add(self, docs: Sequence[Document]) -> None:
        for doc in docs:
            key = self.stage.key_of(doc)
            self.keys.append(_h64(key))
            self.has_key.append(bool(key))
        self.ranks.extend(rank_keys(docs, self.stage.keep, self.stage.score).tolist())
        self.ids.extend(d.id for d in docs)

    def close(self) -> None:
        n = len(self.ids)
        rec = np.empty(n, dtype=_RECORD)
        rec["key"] = stream.as_numpy(self.keys)
        rec["index"] = pt.doc_index(self.shard, n)
        rec["rank"] = stream.as_numpy(self.ranks)
        rec = rec[stream.as_numpy(self.has_key).astype(bool)]
        buckets = pt.map_buckets(self.stage.partitions)
        stream.write_ids(self.work_dir, self.shard, self.ids)
        pt.write_partitioned(
            self.work_dir / "map", self.shard, rec, pt.partition_of(rec["key"], buckets), buckets
        )
