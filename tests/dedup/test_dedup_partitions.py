"""The corpus stages' reduces as tasks: partition counts from the map output, memory per task,
and connected components computed in rounds of tasks equal to a reference union-find."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dedup_helpers import corpus

from tamis.dedup import partitions as pt
from tamis.dedup import star_components as cc
from tamis.dedup.exact import RemoveExactDuplicates
from tamis.dedup.near import RemoveNearDuplicates
from tamis.dedup.repeated_lines import RemoveRepeatedLines
from tamis.document import Document
from tamis.execute.local import LocalExecutor
from tamis.execute.serial import SerialExecutor
from tamis.steps import CorpusStage


def _map(stage: CorpusStage, shards: Sequence[Sequence[Document]], work: Path) -> None:
    for i, docs in enumerate(shards):
        stage.map_shard(docs, i, work)


def _decisions(stage: CorpusStage, shards: Sequence[Sequence[Document]], work: Path) -> list[Any]:
    return [
        (d.id, d.text, d.verdict) for i, docs in enumerate(shards) for d in stage.apply_shard(docs, i, work)
    ]


class Recording:
    """The serial executor, recording the memory asked for each task (what Ray would reserve)."""

    workers = 2

    def __init__(self) -> None:
        self.memory: list[list[int] | None] = []

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[Any], progress: Any = None, memory: Any = None
    ) -> Iterator[Any]:
        self.memory.append(memory)
        return SerialExecutor().map_unordered(fn, tasks, progress)


STAGES = {
    "exact": RemoveExactDuplicates,
    "near": RemoveNearDuplicates,
    "repeated_lines": lambda: RemoveRepeatedLines(min_site_docs=3, min_corpus_docs=5),
}
#: bytes per partition that give each stage about twice its default partitions on `corpus(300)`
SMALL_TARGET = {"exact": 128, "near": 1024, "repeated_lines": 128}


@pytest.mark.parametrize("name", STAGES)
def test_more_partitions_give_the_same_decisions(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shards = corpus(300)
    results = {}
    for label, target in (("default", None), ("small", SMALL_TARGET[name])):
        stage = STAGES[name]()
        work = tmp_path / label
        _map(stage, shards, work)
        if target:
            monkeypatch.setattr(pt, "TARGET_PARTITION_BYTES", target)
        info = stage.reduce(work, Recording())
        plan = pt.load_json(work / "plan.json")
        results[label] = (info, _decisions(stage, shards, work), len(plan["bounds"]) - 1)
    assert results["small"][2] > results["default"][2] == STAGES[name]().partitions
    assert results["small"][:2] == results["default"][:2]
    removed = [v for _, _, v in results["default"][1] if v is not None]
    edited = [
        t
        for (_, t, _), d in zip(results["default"][1], (x for s in shards for x in s), strict=True)
        if t != d.text
    ]
    assert removed or edited  # the corpus gives every stage something to do


def test_repeated_lines_partition_tasks_write_their_own_results_and_apply_loads_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shards = corpus(300)
    stage = STAGES["repeated_lines"]()
    _map(stage, shards, tmp_path)
    monkeypatch.setattr(pt, "TARGET_PARTITION_BYTES", SMALL_TARGET["repeated_lines"])
    info = stage.reduce(tmp_path, Recording())
    partitions = len(pt.load_json(tmp_path / "plan.json")["bounds"]) - 1
    # no whole-corpus array: one sorted pair of files per partition, counted by the driver
    assert not list(tmp_path.glob("repeated_*.npy"))
    found = {"corpus": 0, "site": 0}
    for task in range(partitions):
        for kind in found:
            keys = np.load(tmp_path / "repeated" / f"{task:05d}.{kind}.npy")
            assert (keys[1:] >= keys[:-1]).all()
            found[kind] += len(keys)
    assert found == {"corpus": info["repeated_lines_corpus"], "site": info["repeated_lines_site"]}
    assert found["corpus"] and found["site"]
    loaded: list[str] = []
    real_load = pt.load_npy

    def counting_load(path: Any, mmap: bool = False) -> np.ndarray:
        if path.parent.name == "repeated":
            loaded.append(path.name)
        return real_load(path, mmap)

    monkeypatch.setattr(pt, "load_npy", counting_load)
    applier = stage.applier(0, tmp_path)
    for lo in range(0, len(shards[0]), 7):  # batch after batch through one applier
        applier.apply(shards[0][lo : lo + 7])
    applier.close()
    assert loaded and len(loaded) == len(set(loaded))  # each partition's file loaded at most once


def test_the_partition_count_grows_with_the_map_output_and_a_resumed_reduce_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pt, "TARGET_PARTITION_BYTES", 4096)
    counts = {}
    for n in (400, 1600):
        stage = RemoveExactDuplicates(partitions=1)
        work = tmp_path / str(n)
        _map(stage, corpus(n, seed=n), work)
        executor = Recording()
        stage.reduce(work, executor)
        plan = pt.load_json(work / "plan.json")
        counts[n] = len(plan["bounds"]) - 1
        records = sum(np.load(p, mmap_mode="r").shape[0] for p in pt.shard_files(work / "map"))
        assert sum(plan["nbytes"]) == records * 24  # 24 bytes per exact record
        # each partition task asked for the memory its records need
        asked = next(m for m in executor.memory if m is not None and len(m) == counts[n])
        assert asked == [pt.task_memory(b) for b in plan["nbytes"]]
    assert counts[400] >= 2
    assert 3 <= counts[1600] / counts[400] <= 5  # four times the documents, about four times the partitions
    # a resumed reduce uses the plan it recorded, whatever the target now
    monkeypatch.setattr(pt, "TARGET_PARTITION_BYTES", 1 << 30)
    stage = RemoveExactDuplicates(partitions=1)
    stage.reduce(tmp_path / "1600", 1)
    assert len(pt.load_json(tmp_path / "1600" / "plan.json")["bounds"]) - 1 == counts[1600]


def _reference_components(edges: list[tuple[int, int]]) -> dict[int, int]:
    """Union-find with path halving: each node's component, named by its smallest node."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def _random_graph(rng: random.Random, kind: str) -> list[tuple[int, int]]:
    nodes = [(rng.randrange(6) << 32) | rng.randrange(1 << 20) for _ in range(rng.randrange(50, 400))]
    nodes = list(dict.fromkeys(nodes))
    if kind == "sparse":
        return [tuple(rng.sample(nodes, 2)) for _ in range(len(nodes) // 2)]
    if kind == "dense":
        return [tuple(rng.sample(nodes, 2)) for _ in range(len(nodes) * 2)]
    if kind == "chains":  # long paths in random order: the most rounds
        rng.shuffle(nodes)
        return [(nodes[i], nodes[i + 1]) for i in range(len(nodes) - 1) if rng.random() < 0.97]
    # stars and pairs, as near-duplicate clusters mostly are
    edges = []
    for i in range(0, len(nodes) - 5, 5):
        edges += [(nodes[i], nodes[i + k]) for k in range(1, rng.randrange(2, 6))]
    return edges


@pytest.mark.parametrize("kind", ["sparse", "dense", "chains", "stars"])
def test_connected_components_in_rounds_of_tasks_equal_a_reference_union_find(
    kind: str, tmp_path: Path
) -> None:
    for seed in range(2):
        rng = random.Random(seed)
        edges = _random_graph(rng, kind)
        folder = tmp_path / f"{kind}-{seed}"
        left = np.array([a for a, _ in edges], np.int64)
        right = np.array([b for _, b in edges], np.int64)
        for task in range(3):  # as three verification tasks would write them
            cc.write_edges(folder / "edges0", task, left[task::3], right[task::3])
        ranges = pt.split_buckets(np.ones(pt.MAP_BUCKETS, np.int64), 7).ranges()
        labels_folder = cc.connected_components(folder, ranges, 1, [0] * len(ranges))
        labels = pt.read_buckets(labels_folder, 0, pt.MAP_BUCKETS, cc.LABEL)
        assert sorted(labels["node"].tolist()) == sorted(set(left.tolist()) | set(right.tolist()))
        assert dict(zip(labels["node"].tolist(), labels["label"].tolist(), strict=True)) == (
            _reference_components(edges)
        )


def test_connected_components_on_the_local_pool_equal_the_reference(tmp_path: Path) -> None:
    edges = _random_graph(random.Random(7), "chains") + _random_graph(random.Random(8), "dense")
    left = np.array([a for a, _ in edges], np.int64)
    right = np.array([b for _, b in edges], np.int64)
    cc.write_edges(tmp_path / "edges0", 0, left, right)
    ranges = pt.split_buckets(np.ones(pt.MAP_BUCKETS, np.int64), 4).ranges()
    with LocalExecutor(2) as executor:
        labels_folder = cc.connected_components(tmp_path, ranges, executor, [0] * len(ranges))
    labels = pt.read_buckets(labels_folder, 0, pt.MAP_BUCKETS, cc.LABEL)
    assert dict(zip(labels["node"].tolist(), labels["label"].tolist(), strict=True)) == (
        _reference_components(edges)
    )


class Killed(Exception):
    """Stands for the driver's death in the middle of a reduce."""


@pytest.mark.parametrize("where", ["graph round 2", "decisions"])
def test_a_reduce_killed_midway_and_run_again_gives_the_same_decisions(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shards = corpus(300)
    clean = RemoveNearDuplicates()
    _map(clean, shards, tmp_path / "clean")
    expected = clean.reduce(tmp_path / "clean", 1), _decisions(clean, shards, tmp_path / "clean")

    stage, work = RemoveNearDuplicates(), tmp_path / "killed"
    _map(stage, shards, work)
    real_round, real_decide = cc._round, pt.decide_per_shard

    def round_dies(args: tuple[Any, ...]) -> bool:
        if args[1] == 2:
            raise Killed
        return real_round(args)

    def decide_dies(folder: Path, shards: int, executor: Any) -> int:
        real_decide(folder, min(shards, 1), executor)  # a first shard's decisions, then the kill
        raise Killed

    with monkeypatch.context() as patch:
        if where == "decisions":
            patch.setattr(pt, "decide_per_shard", decide_dies)
        else:
            patch.setattr(cc, "_round", round_dies)
        with pytest.raises(Killed):
            stage.reduce(work, 1)
    assert (work / "plan.json").exists()
    assert (stage.reduce(work, 1), _decisions(stage, shards, work)) == expected


def test_a_reduce_task_that_cannot_read_a_map_file_says_the_nodes_need_shared_storage(tmp_path: Path) -> None:
    # on a cluster whose nodes share no file system, a reduce task may land on a node without the
    # map files the driver saw: one clear error, not a FileNotFoundError traceback
    from tamis.dedup.partitions import _Numbered
    from tamis.write.run_store import IncompleteRunError

    task = _Numbered(lambda path: np.load(path))
    assert task((3, _write_counts(tmp_path / "here.npy")))[0] == 3
    with pytest.raises(IncompleteRunError, match="every node must write to the same storage") as refused:
        task((4, tmp_path / "map" / "00000.off.npy"))
    assert "00000.off.npy" in str(refused.value)


def _write_counts(path: Path) -> Path:
    np.save(path, np.arange(3))
    return path
