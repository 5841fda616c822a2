"""Remove near duplicates: documents whose word shingles mostly match a kept document's (MinHash LSH).

Phases (all files under the stage's work folder):

- map, per shard: normalise (NFKC, casefold), shingle (5-token n-grams; one token per character
  for scripts without spaces), MinHash signatures (`sig/`, memory-mapped by the reduce), one LSH
  key per band written to hash-partitioned files (`map/`), and each document's length and score;
- reduce: per partition, documents sharing a band key become candidate pairs; candidates are
  verified by the Jaccard similarity their signatures estimate (cuts LSH false positives),
  verified pairs are joined into clusters (union-find), and each cluster keeps one document by
  the `keep` policy; every other member is recorded with the kept id and their estimated similarity;
- apply, per shard: mark the recorded documents as duplicates.

Banding: with b bands of r rows, two documents of Jaccard similarity s become candidates with
probability 1 - (1 - s^r)^b. Defaults b=24, r=5 (120 permutations) give 0.9999 at s=0.80,
0.988 at 0.70, 0.86 at 0.60, 0.53 at 0.50 and 0.06 at 0.30 (the S-curve's midpoint (1/b)^(1/r) = 0.53);
verification then keeps pairs whose estimate reaches `threshold` (0.65). The estimate from 120
permutations has a standard deviation of about 0.04 at s=0.7, so the band setting is chosen to
let nearly every pair at or above the threshold through, and verification decides.

Threshold evidence (bench/dedup_quality.py, 10k documents, seed 1, 427 injected near-duplicate
pairs, no glued-word repair before): recall 0.963 / 0.984 / 0.991 at 0.70 / 0.65 / 0.60 with
precision 1.0 at all three; the pairs lost at 0.70 carry glued words ("isaperfect") that change
every shingle they touch, which repair.glued_words fixes in the default pipeline.
"""

from __future__ import annotations

import html
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import regex

from tamis.dedup import minhash as mh
from tamis.dedup import partitions as pt
from tamis.dedup import star_components as cc
from tamis.dedup import stream
from tamis.dedup.normalize import normalize
from tamis.dedup.policy import check_keep, keep_order, rank_keys
from tamis.document import Document
from tamis.steps import CorpusStage, register

# Markup residue that survives extraction ("Of&nbsp;any&nbsp;other", "<b>word</b>") would change
# every shingle it touches: on the 10k bench corpus it hid 14 of 427 injected near-duplicate pairs.
_TAG = regex.compile(r"</?[A-Za-z][^<>]{0,200}>|\b[a-z-]+=\"[^\"<>]{0,100}\">?")


def shingle_text(text: str) -> str:
    """The text as it is shingled: entities decoded, tags dropped, NFKC, casefolded."""
    if "&" in text:
        text = html.unescape(text)
    if "<" in text or "=" in text:
        text = _TAG.sub(" ", text)
    return normalize(text, ("nfkc", "casefold"))


_RECORD = np.dtype([("key", "<u8"), ("index", "<i8")])
_META = np.dtype([("rank", "<f8")])
DEVICES = ("auto", "cpu", "gpu")


def _candidates(args: tuple[Path, int, int, int]) -> int:
    """One partition's candidate pairs (smaller index first: each bucket member with its first
    member), written to `pairs/` bucketed by the first document; returns how many."""
    folder, task, first, stop = args
    rec = pt.read_buckets(folder / "map", first, stop, _RECORD, leave_out=folder / "excluded")
    pairs = np.zeros((0, 2), np.int64)
    if len(rec) >= 2:
        order = np.lexsort((rec["index"], rec["key"]))
        key, index = rec["key"][order], rec["index"][order]
        first_of_key = np.ones(len(key), dtype=bool)
        first_of_key[1:] = key[1:] != key[:-1]
        head = index[np.maximum.accumulate(np.where(first_of_key, np.arange(len(key)), 0))]
        pairs = _unique_pairs(np.stack((head[~first_of_key], index[~first_of_key]), axis=1))
    out = np.empty(len(pairs), dtype=cc.EDGE)
    out["u"], out["v"] = pairs[:, 0], pairs[:, 1]
    pt.write_partitioned(folder / "pairs", task, out, cc.bucket_of(out["u"]), pt.MAP_BUCKETS)
    return len(pairs)


def _verify(args: tuple[Path, int, int, int, float]) -> tuple[int, int]:
    """One run of buckets' candidate pairs (a pair found in several partitions sits in one
    bucket), verified by their signatures' similarity; verified pairs become the graph's edges.
    Returns (distinct candidate pairs, verified pairs)."""
    folder, task, first, stop, threshold = args
    rec = np.unique(pt.read_buckets(folder / "pairs", first, stop, cc.EDGE))
    left, right = rec["u"], rec["v"]
    store = SignatureStore(folder, np.unique(np.concatenate((left, right))))
    verified = store.similarity(left, right) >= threshold
    cc.write_edges(folder / "graph" / "edges0", task, left[verified], right[verified])
    return len(rec), int(verified.sum())


def _keep(args: tuple[Path, Path, int, int, int, int]) -> tuple[int, int]:
    """Whole components (their labels' buckets): the one document each keeps by the `keep`
    ranks, and every other member with its similarity to it (`removals/`).
    Returns (clusters, documents removed)."""
    folder, labels_folder, task, first, stop, shards = args
    rec = pt.read_buckets(labels_folder, first, stop, cc.LABEL)
    nodes, labels = rec["node"], rec["label"]
    order = keep_order(labels, _ranks(folder, nodes), nodes)
    nodes, labels = nodes[order], labels[order]
    first_of_cluster = np.ones(len(nodes), dtype=bool)
    first_of_cluster[1:] = labels[1:] != labels[:-1]
    keeper = nodes[np.maximum.accumulate(np.where(first_of_cluster, np.arange(len(nodes)), 0))]
    removed, kept = nodes[~first_of_cluster], keeper[~first_of_cluster]
    store = SignatureStore(folder, np.unique(np.concatenate((removed, kept))))
    pt.write_removals(folder, task, removed, kept, store.similarity(removed, kept), shards)
    return int(first_of_cluster.sum()), len(removed)


def _unique_pairs(pairs: np.ndarray) -> np.ndarray:
    if len(pairs) < 2:
        return pairs
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs = pairs[order]
    keep = np.ones(len(pairs), dtype=bool)
    keep[1:] = np.any(pairs[1:] != pairs[:-1], axis=1)
    return pairs[keep]


class SignatureStore:
    """Signatures of chosen documents, read from the shards' memory-mapped .npy files."""

    def __init__(self, folder: Path, nodes: np.ndarray) -> None:
        self.nodes = nodes  # sorted stage indices
        shards = pt.shard_of(nodes)
        parts = []
        for s in np.unique(shards):
            sigs = pt.load_npy(folder / "sig" / f"{int(s):05d}.npy", mmap=True)
            parts.append(np.asarray(sigs[pt.row_of(nodes[shards == s])]))
        self.sigs = np.concatenate(parts) if parts else np.zeros((0, 0), np.uint32)

    def get(self, index: np.ndarray) -> np.ndarray:
        return self.sigs[np.searchsorted(self.nodes, index)]

    def similarity(self, a: np.ndarray, b: np.ndarray, chunk: int = 1 << 16) -> np.ndarray:
        out = np.empty(len(a))
        for i in range(0, len(a), chunk):
            out[i : i + chunk] = (self.get(a[i : i + chunk]) == self.get(b[i : i + chunk])).mean(axis=1)
        return out


def _ranks(folder: Path, nodes: np.ndarray) -> np.ndarray:
    shards = pt.shard_of(nodes)
    out = np.empty(len(nodes))
    for s in np.unique(shards):
        meta = pt.load_npy(folder / "meta" / f"{int(s):05d}.npy")
        out[shards == s] = meta["rank"][pt.row_of(nodes[shards == s])]
    return out


@register("dedup.near", version=1)
@dataclass(frozen=True)
class RemoveNearDuplicates(CorpusStage):
    """Remove documents that mostly repeat another document's text (MinHash LSH), keeping one per cluster."""

    #: estimated Jaccard similarity of 5-token shingles from which two documents are near duplicates
    threshold: float = 0.65
    num_perm: int = 120
    bands: int = 24
    rows: int = 5
    #: tokens per shingle (words; characters for scripts without spaces)
    shingle: int = 5
    seed: int = 1
    #: which copy survives: "first" (input order), "longest", "best_quality" (highest `score`)
    keep: str = "first"
    #: annotation ranked by keep="best_quality": higher is better; "-name" when lower is better
    score: str = "quality.score"
    #: hash partitions of the reduce, at least (more when the map output needs them: see
    #: `partitions.plan_partitions`); a task holds one partition's band records
    #: (16 bytes x bands x documents / partitions: 6 MB per partition at 1M documents)
    partitions: int = 64
    #: where signatures are computed: "auto" (GPU when CuPy sees one), "cpu" or "gpu"
    device: str = "auto"
    #: documents hashed per vectorised batch: 250 keeps the per-character arrays in cache
    #: (0.61 s per 10k documents for shingles + signatures, against 0.77 s at 1000 and 1.14 s at 2000)
    batch_docs: int = 250

    rules = {"minhash": "most word shingles shared with the document it names, which was kept"}
    # apply only marks the decided rows duplicates, and reduce skips rows removed earlier in its
    # pass: dedup stages in a row share one pass (`CorpusStage`)
    only_removes = True
    leaves_out_removed = True

    def __post_init__(self) -> None:
        check_keep(self.keep)
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold={self.threshold}: must be in (0, 1]")
        if self.device not in DEVICES:
            raise ValueError(f"device={self.device!r}; choose one of {', '.join(DEVICES)}")
        # only look for the package here: touching CUDA in the parent would break the forked workers
        if self.device == "gpu" and importlib.util.find_spec("cupy") is None:
            raise ValueError("device='gpu' needs CuPy: pip install 'tamis[gpu]' (or use device='auto')")

    def use_gpu(self) -> bool:
        return self.device == "gpu" or (self.device == "auto" and mh.gpu_available())

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """MinHash signatures (len(texts) x num_perm, uint32) of raw texts."""
        a, b = mh.permutations(self.num_perm, self.seed)
        gpu = self.use_gpu()
        out = np.empty((len(texts), self.num_perm), dtype=np.uint32)
        step = self.batch_docs * (40 if gpu else 1)  # a GPU wants big launches, the CPU cache small batches
        for lo in range(0, len(texts), step):
            batch = [shingle_text(t) for t in texts[lo : lo + step]]
            if gpu:
                out[lo : lo + len(batch)] = mh.signatures_gpu(*mh.shingle_hashes(batch, self.shingle), a, b)
            else:
                out[lo : lo + len(batch)] = mh.signatures(batch, self.shingle, a, b)
        return out

    def map_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> None:
        stream.map_one_list(self.mapper(shard, work_dir), docs)

    def mapper(self, shard: int, work_dir: Path) -> _NearMapper:
        return _NearMapper(self, shard, work_dir)

    def band_records(self, sigs: np.ndarray, first_row: int, shard: int) -> np.ndarray:
        """(band key, document) records of these signatures (rows counted from `first_row`)."""
        has = np.flatnonzero(sigs[:, 0] != mh.EMPTY)  # documents without a word have nothing to compare
        if self.use_gpu():
            import cupy as cp

            keys = cp.asnumpy(mh.band_keys(cp.asarray(sigs[has]), self.bands, self.rows, xp=cp))
        else:
            keys = mh.band_keys(sigs[has], self.bands, self.rows)
        rec = np.empty(keys.size, dtype=_RECORD)
        rec["key"] = keys.ravel()
        rec["index"] = np.repeat(pt.doc_index(shard, first_row + len(sigs))[first_row:][has], self.bands)
        return rec

    def reduce(self, work_dir: Path, executor: pt.TaskRunner | int) -> dict[str, Any]:
        """Five kinds of tasks, the driver only scheduling them and summing their counts:
        candidate pairs per map partition; verification per run of pair buckets (a pair found in
        several partitions is counted and verified once); the verified graph's connected
        components (`star_components`); per run of components, the document each keeps; the
        decisions per group of shards. Every exchange between them is a bucketed file."""
        plan = pt.plan_partitions(work_dir / "map", self.partitions, executor, saved=work_dir / "plan.json")
        shards = pt.shard_count(work_dir / "map")
        for name in ("pairs", "graph", "removals"):
            pt.clear_folder(work_dir / name)
        tasks = [(work_dir, t, lo, hi) for t, (lo, hi) in enumerate(plan.ranges())]
        for _ in pt.pool_map(_candidates, tasks, executor, plan.memory()):
            pass
        # a pair costs its two records and both documents' signatures while it is verified
        per_pair = 2 * cc.EDGE.itemsize + 2 * 4 * self.num_perm
        pairs = pt.plan_partitions(work_dir / "pairs", 1, executor)
        memory = [pt.task_memory(n // cc.EDGE.itemsize * per_pair) for n in pairs.nbytes]
        tasks = [(work_dir, t, lo, hi, self.threshold) for t, (lo, hi) in enumerate(pairs.ranges())]
        counts = list(pt.pool_map(_verify, tasks, executor, memory))
        verified = sum(v for _, v in counts)
        clusters = 0
        if verified:
            graph = pt.plan_partitions(work_dir / "graph" / "edges0", 1, executor)
            labels = cc.connected_components(work_dir / "graph", graph.ranges(), executor, graph.memory())
            components = pt.plan_partitions(labels, 1, executor)
            memory = [pt.task_memory(n // cc.LABEL.itemsize * per_pair) for n in components.nbytes]
            tasks = [(work_dir, labels, t, lo, hi, shards) for t, (lo, hi) in enumerate(components.ranges())]
            clusters = sum(c for c, _ in pt.pool_map(_keep, tasks, executor, memory))
        n = pt.decide_per_shard(work_dir, shards, executor)
        return {
            "candidate_pairs": sum(c for c, _ in counts),
            "verified_pairs": verified,
            "clusters": clusters,
            "duplicates": n,
            "threshold": self.threshold,
            "band_midpoint": round((1 / self.bands) ** (1 / self.rows), 3),
        }

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        return stream.apply_one_list(self.applier(shard, work_dir), docs)

    def removed_rows(self, work_dir: Path, shard: int) -> np.ndarray:
        return pt.removed_rows(work_dir, shard)

    def applier(self, shard: int, work_dir: Path) -> stream.DuplicateMarker:
        return stream.DuplicateMarker(work_dir, shard, self.name, "minhash")


class _NearMapper:
    """A shard's signatures and band records a batch at a time: 4 x num_perm + 16 x bands + 8 bytes
    per document (872 by default) and its id."""

    def __init__(self, stage: RemoveNearDuplicates, shard: int, work_dir: Path) -> None:
        self.stage, self.shard, self.work_dir = stage, shard, work_dir
        self.sigs: list[np.ndarray] = []
        self.records: list[np.ndarray] = []
        self.ranks: list[np.ndarray] = []
        self.ids: list[str] = []

    def add(self, docs: Sequence[Document]) -> None:
        sigs = self.stage.signatures([d.text for d in docs])
        self.records.append(self.stage.band_records(sigs, len(self.ids), self.shard))
        self.sigs.append(sigs)
        self.ranks.append(rank_keys(docs, self.stage.keep, self.stage.score))
        self.ids.extend(d.id for d in docs)

    def close(self) -> None:
        stage, shard, work_dir = self.stage, self.shard, self.work_dir
        meta = np.empty(len(self.ids), dtype=_META)
        meta["rank"] = np.concatenate([np.zeros(0), *self.ranks])
        stream.write_ids(work_dir, shard, self.ids)
        pt.save_npy(work_dir / "meta" / f"{shard:05d}.npy", meta)
        sig_path = work_dir / "sig" / f"{shard:05d}.npy"
        stream.save_npy_rows(sig_path, self.sigs, (stage.num_perm,), np.dtype(np.uint32))
        self.sigs = []
        rec = np.concatenate([np.zeros(0, _RECORD), *self.records])
        self.records = []
        buckets = pt.map_buckets(stage.partitions)
        pt.write_partitioned(work_dir / "map", shard, rec, pt.partition_of(rec["key"], buckets), buckets)
