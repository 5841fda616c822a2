"""A reduce never runs over part of its input (issue 14): before a corpus stage's reduce, every
shard's done-marker and every file it names must be there, or the run stops with one line."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tamis.dedup.exact import RemoveExactDuplicates
from tamis.execute import SerialExecutor
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.repair.unicode import FixUnicode
from tamis.repair.whitespace import NormalizeWhitespace
from tamis.write.run_store import IncompleteRunError

pytestmark = pytest.mark.issue(14)


class LosesAFileAfterTheMap(SerialExecutor):
    """Runs tasks in this process; after the first stage's map it deletes one file, as a worker
    whose disk the driver cannot see leaves the driver without that shard's map output."""

    def __init__(self, lost: Path) -> None:
        self.lost = lost
        self.calls = 0

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[Any], progress: Any = None
    ) -> Iterator[Any]:
        yield from super().map_unordered(fn, tasks, progress)
        self.calls += 1
        if self.calls == 1:
            self.lost.unlink()


def _files(out: Path) -> dict[str, bytes]:
    return {
        f"{sub}/{p.name}": p.read_bytes()
        for sub in ("kept", "rejected")
        for p in sorted((out / sub).iterdir())
    }


@pytest.mark.parametrize(
    "lost", ["_work/corpus0/map/00001.npy", "_work/corpus0/ids/00002.json", "_work/seg0/00000.arrow"]
)
def test_a_map_output_missing_before_the_reduce_stops_the_run_and_a_rerun_of_that_shard_resumes_it(
    generated_corpus: Path, tmp_path: Path, lost: str
) -> None:
    pipeline = Pipeline([FixUnicode(), RemoveExactDuplicates(), NormalizeWhitespace()])
    shards = discover([str(generated_corpus / "corpus-*.jsonl")])
    assert len(shards) >= 3
    reference = tmp_path / "reference"
    run_pipeline(pipeline, shards, RunConfig(output=str(reference)), SerialExecutor())

    out = tmp_path / "out"
    config = RunConfig(output=str(out))
    with pytest.raises(IncompleteRunError) as refused:
        run_pipeline(pipeline, shards, config, LosesAFileAfterTheMap(out / lost))
    message = str(refused.value)
    shard = lost.rsplit("/", 1)[1].split(".")[0]
    assert "\n" not in message
    assert f"the reduce of dedup.exact (stage 1): task s0-{shard} finished but 1 of its files" in message
    assert lost in message and "same storage" in message
    assert not (out / "_work" / "done" / "reduce0.json").exists()  # the reduce did not run
    assert not (out / "kept").exists() and not (out / "stats.json").exists()

    # The same command again is refused again: the marker still names the missing file.
    with pytest.raises(IncompleteRunError):
        run_pipeline(pipeline, shards, config, SerialExecutor())

    # Without that shard's done-marker (its attempt never finished where the driver looks), a
    # re-run redoes only that shard and ends with the uninterrupted run's output.
    (out / "_work" / "done" / f"s0-{shard}.json").unlink()
    stats = run_pipeline(pipeline, shards, config, SerialExecutor()).stats
    assert stats["duplicates"] > 0
    assert _files(out) == _files(reference)
