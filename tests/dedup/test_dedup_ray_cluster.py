"""The corpus stages' reduces on a real Ray cluster (a head and a second node started with
`ray start`, tests/ray_cluster.py): every partition task is a Ray task with its memory reserved,
tasks land on both nodes, and the decisions equal those of the reduce in one process.

Run with `make test-cluster` (marker `ray_cluster`).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dedup_helpers import corpus

from ray_cluster import RayCluster
from tamis.dedup import partitions as pt
from tamis.dedup.exact import RemoveExactDuplicates
from tamis.dedup.near import RemoveNearDuplicates
from tamis.dedup.repeated_lines import RemoveRepeatedLines
from tamis.execute.ray import RayExecutor

pytestmark = pytest.mark.ray_cluster


@dataclass(frozen=True)
class _Placed:
    """A task that also says where it ran and the memory Ray reserved for it."""

    fn: Callable[..., Any]

    def __call__(self, task: tuple[int, Any], report: Any = None) -> tuple[int, str, float, Any]:
        import ray

        index, inner = task
        context = ray.get_runtime_context()
        memory = context.get_assigned_resources().get("memory", 0.0)
        return index, context.get_node_id(), memory, self.fn(inner, report)


class PlacedRayExecutor(RayExecutor):
    """The Ray executor, recording each task's node, reserved memory and requested memory."""

    placed: list[tuple[str, float, int | None]]

    def map_unordered(
        self,
        fn: Callable[..., Any],
        tasks: Sequence[Any],
        progress: Any = None,
        memory: Sequence[int] | None = None,
    ) -> Iterator[Any]:
        numbered = list(enumerate(tasks))
        for index, node, reserved, result in super().map_unordered(_Placed(fn), numbered, progress, memory):
            self.placed.append((node, reserved, memory[index] if memory is not None else None))
            yield result


STAGES = {
    "repeated_lines": lambda: RemoveRepeatedLines(min_site_docs=3, min_corpus_docs=5),
    "exact": RemoveExactDuplicates,
    "near": RemoveNearDuplicates,
}


def test_each_partition_task_of_every_reduce_is_a_ray_task_with_its_memory_on_both_nodes(
    ray_driver: RayCluster, tmp_path: Path
) -> None:
    shards = corpus(300)
    executor = PlacedRayExecutor(address=ray_driver.address)
    nodes: set[str] = set()
    for name, make in STAGES.items():
        results = {}
        for label in ("in-process", "ray"):
            stage, work = make(), tmp_path / name / label
            for i, docs in enumerate(shards):
                stage.map_shard(docs, i, work)
            executor.placed = []
            info = stage.reduce(work, executor if label == "ray" else 1)
            applied = [
                (d.id, d.text, d.verdict)
                for i, docs in enumerate(shards)
                for d in stage.apply_shard(docs, i, work)
            ]
            results[label] = (info, applied)
        assert results["ray"] == results["in-process"], name
        plan = pt.load_json(tmp_path / name / "ray" / "plan.json")
        assert len(plan["nbytes"]) == make().partitions  # a partition task per partition of the plan
        asked = Counter(requested for _, _, requested in executor.placed)
        assert not Counter(pt.task_memory(n) for n in plan["nbytes"]) - asked, name
        for _, reserved, requested in executor.placed:
            assert reserved == (requested or 0), name  # Ray reserved what each task asked for
        nodes |= {node for node, _, _ in executor.placed}
    assert len(nodes) == 2  # the reduces' tasks ran on both nodes
    assert results["ray"][0]["duplicates"] > 0


def _tamis(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    tamis = Path(sys.executable).with_name("tamis")
    return subprocess.run(
        [str(tamis), *args], capture_output=True, text=True, env=env, check=False, timeout=400
    )


def test_the_dedup_stages_on_the_cluster_equal_the_local_executor_byte_for_byte(
    ray_test_cluster: RayCluster, generated_corpus: Path, tmp_path: Path
) -> None:
    config = tmp_path / "steps.toml"
    steps = ("repair.whitespace", "dedup.repeated_lines", "dedup.exact", "dedup.near")
    config.write_text("".join(f'[[steps]]\nuse = "{step}"\n' for step in steps))
    common = ["--input", str(generated_corpus), "--config", str(config), "--no-progress", "--no-report"]
    env = {k: v for k, v in ray_test_cluster.env.items() if k != "RAY_ADDRESS"}
    outputs = {}
    for label, flags in {
        "local": ["--executor", "local", "--workers", "2"],
        "ray": ["--executor", "ray", "--ray-address", ray_test_cluster.address],
    }.items():
        done = _tamis("run", *common, "--output", str(tmp_path / label), *flags, env=env)
        assert done.returncode == 0, f"{label}: {done.stderr}"
        outputs[label] = {
            f"{sub}/{p.name}": p.read_bytes()
            for sub in ("kept", "rejected")
            for p in sorted((tmp_path / label / sub).iterdir())
        }
    assert outputs["ray"] == outputs["local"]
    assert any(name.startswith("rejected/") for name in outputs["local"])  # duplicates were removed
