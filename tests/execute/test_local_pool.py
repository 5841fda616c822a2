"""The local executor: one pool for the whole run, models loaded once in the parent, reduces on it."""

from __future__ import annotations

import functools
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from foundation_helpers import ud_documents
from tamis.dedup import partitions as pt
from tamis.dedup.exact import RemoveExactDuplicates
from tamis.document import Document
from tamis.execute import LocalExecutor, RunConfig, run_pipeline
from tamis.execute.local import WorkerLost
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.steps import Repair, Repaired


@functools.cache
def _load_model(log: str) -> int:
    """A stand-in for a model loader cached per process: it notes which process loaded it."""
    with open(log, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return len(log)


@dataclass(frozen=True)
class UsesModel(Repair):
    """Loads its "model" in setup and uses it on every document, as the language step does."""

    name = "test.uses_model"
    log: str = ""

    def setup(self) -> None:
        _load_model(self.log)

    def repair(self, text: str, doc: Document) -> Repaired:
        _load_model(self.log)
        return Repaired(text)


def test_models_load_once_in_the_parent_for_every_worker_and_pass(tmp_path: Path) -> None:
    _load_model.cache_clear()
    texts = ud_documents(40)
    inp = tmp_path / "in"
    inp.mkdir()
    for shard in range(4):
        rows = [{"id": f"{shard}-{i}", "text": texts[(shard * 10 + i) % 40]} for i in range(10)]
        (inp / f"{shard}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    log = tmp_path / "loads.txt"
    # two passes (before and after the corpus stage) and a reduce, each on the workers
    pipeline = Pipeline(
        [UsesModel(log=str(log)), RemoveExactDuplicates(partitions=4), UsesModel(log=str(log))]
    )
    stats = run_pipeline(
        pipeline, discover([str(inp)]), RunConfig(output=str(tmp_path / "out")), LocalExecutor(2)
    ).stats
    assert stats["input"] == 40 and stats["kept"] + stats["duplicates"] == 40
    assert log.read_text().split() == [str(os.getpid())]


def _pid(task: Any, report: Any = None) -> int:
    return os.getpid()


def test_one_pool_serves_every_map_until_closed() -> None:
    with LocalExecutor(2) as executor:
        first = set(executor.map_unordered(_pid, list(range(6))))
        second = set(executor.map_unordered(_pid, list(range(6))))
        assert os.getpid() not in first
        assert second <= first or first <= second  # the same workers (one may not have had a task)
    assert executor._pool is None


def _dies_on_three(task: int) -> int:
    if task == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return task * task


def test_a_reduce_runs_in_order_on_the_pool_and_a_killed_worker_stops_it() -> None:
    with LocalExecutor(2) as executor:
        assert list(pt.pool_map(functools.partial(pow, exp=2), list(range(20)), executor)) == [
            i * i for i in range(20)
        ]
        # multiprocessing.Pool would wait forever for the lost task's result
        with pytest.raises(WorkerLost):
            list(pt.pool_map(_dies_on_three, list(range(8)), executor))
