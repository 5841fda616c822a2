"""Connected components of a graph too large for one process: alternating large-star and
small-star rounds (Kiveris et al., "Connected Components in Map Reduce and Beyond", SoCC 2014).

The graph lives in files, never in the driver. A round reads the edges of round r (every edge
once in each direction, bucketed by its first node: `partitions.write_partitioned`'s layout),
and each task takes a run of buckets, so it holds every edge of its nodes:

- large-star (even rounds): each node u links every neighbour larger than u to the smallest of
  u and its neighbours;
- small-star (odd rounds): each node u links itself and every neighbour smaller than u to the
  smallest of them.

Both keep each component connected and its node set unchanged, and both leave a forest of
stars centred on each component's smallest node unchanged; alternating them reaches that
forest in O(log^2 n) rounds (in practice a few: duplicate clusters are small). A task compares
its nodes' edges with the previous round's, exactly, and returns whether they changed: the
driver stops after a large-star and a small-star round in a row changed nothing, and only sums
these flags. Each round also writes every node's label (the smallest of it and its
neighbours, which is the component's smallest node once the forest is reached), bucketed by
label, so the next phase takes whole components per task.

`tamis.dedup.unionfind.components` is the same function in one process (the tests compare).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tamis.dedup import partitions as pt
from tamis.dedup.minhash import fmix64

EDGE = np.dtype([("u", "<i8"), ("v", "<i8")])
LABEL = np.dtype([("node", "<i8"), ("label", "<i8")])
#: a safety stop far above the O(log^2 n) bound for any graph that fits in int64 indices
MAX_ROUNDS = 200


def bucket_of(nodes: np.ndarray, buckets: int = pt.MAP_BUCKETS) -> np.ndarray:
    """The bucket of each node: a mix of its index, so a shard's documents spread over buckets."""
    return pt.partition_of(fmix64(nodes.astype(np.uint64)), buckets)


def write_edges(folder: Path, task: int, left: np.ndarray, right: np.ndarray) -> None:
    """Undirected edges, each written in both directions, bucketed by the first node."""
    rec = np.empty(2 * len(left), dtype=EDGE)
    rec["u"] = np.concatenate((left, right))
    rec["v"] = np.concatenate((right, left))
    pt.write_partitioned(folder, task, rec, bucket_of(rec["u"]), pt.MAP_BUCKETS)


def _read_edges(folder: Path, first: int, stop: int) -> np.ndarray:
    """This run of buckets' directed edges, sorted by (u, v), each once."""
    rec = pt.read_buckets(folder, first, stop, EDGE)
    return np.unique(rec)  # a structured array sorts by its fields in order: (u, v)


def large_star(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each u: every neighbour v > u linked to min(u, neighbours of u). `edges` sorted by u."""
    u, v = edges["u"], edges["v"]
    smallest = _group_min(u, v)
    bigger = v > u
    return v[bigger], smallest[bigger]


def small_star(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each u with a smaller neighbour: u and every smaller neighbour linked to the smallest."""
    u, v = edges["u"], edges["v"]
    lower = v < u
    u, v = u[lower], v[lower]
    if not len(u):
        return u, v
    smallest = _group_min(u, v)
    heads = np.flatnonzero(np.concatenate(([True], u[1:] != u[:-1])))
    others = v != smallest
    left = np.concatenate((u[heads], v[others]))
    right = np.concatenate((smallest[heads], smallest[others]))
    return left, right


def _group_min(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per edge, min(u, every v of the same u); edges sorted by u."""
    if not len(u):
        return u
    heads = np.flatnonzero(np.concatenate(([True], u[1:] != u[:-1])))
    per_node = np.minimum(np.minimum.reduceat(v, heads), u[heads])
    return np.repeat(per_node, np.diff(np.append(heads, len(u))))


def labels_of(edges: np.ndarray) -> np.ndarray:
    """Each node of `edges` (sorted by u) with min(node, its neighbours)."""
    u, v = edges["u"], edges["v"]
    out = np.empty(0, LABEL)
    if len(u):
        heads = np.flatnonzero(np.concatenate(([True], u[1:] != u[:-1])))
        out = np.empty(len(heads), LABEL)
        out["node"] = u[heads]
        out["label"] = np.minimum(np.minimum.reduceat(v, heads), u[heads])
    return out


def _round(args: tuple[Path, int, int, int, int]) -> bool:
    """One task of round r over buckets first..stop-1: the next round's edges and this round's
    labels; returns whether these nodes' edges differ from round r - 1's."""
    folder, r, task, first, stop = args
    edges = _read_edges(folder / f"edges{r}", first, stop)
    changed = True
    if r > 0:
        changed = not np.array_equal(edges, _read_edges(folder / f"edges{r - 1}", first, stop))
    left, right = large_star(edges) if r % 2 == 0 else small_star(edges)
    write_edges(folder / f"edges{r + 1}", task, left, right)
    labels = labels_of(edges)
    pt.write_partitioned(folder / f"labels{r}", task, labels, bucket_of(labels["label"]), pt.MAP_BUCKETS)
    return changed


def connected_components(
    folder: Path, ranges: Sequence[tuple[int, int]], executor: pt.TaskRunner | int, memory: Sequence[int]
) -> Path:
    """Run rounds over `folder/edges0` (written with `write_edges`) until the star forest is
    reached; returns the folder of its labels (`LABEL` records, bucketed by label).

    `ranges` are the runs of buckets of each task (the same every round); `memory` the bytes each
    task may need. Rounds' folders are `edges<r>` and `labels<r>`; those of round r - 1 are
    removed once round r has compared its edges with them, and only the labels stay at the end.
    """
    unchanged = []  # per round r - 1: did it leave every edge as it was?
    for r in range(MAX_ROUNDS):
        tasks = [(folder, r, t, lo, hi) for t, (lo, hi) in enumerate(ranges)]
        changed = any(list(pt.pool_map(_round, tasks, executor, memory)))
        if r > 0:
            unchanged.append(not changed)
        done = len(unchanged) >= 2 and unchanged[-1] and unchanged[-2]
        if r >= 1:  # round r + 1 compares edges<r + 1> with edges<r> only
            pt.clear_folder(folder / f"edges{r - 1}")
            pt.clear_folder(folder / f"labels{r - 1}")
        if done:
            # rounds r-2 (one kind) and r-1 (the other) changed nothing: edges<r> is the forest
            for name in (f"edges{r}", f"edges{r + 1}"):
                pt.clear_folder(folder / name)
            return folder / f"labels{r}"
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
