"""Progress reports add up: every input byte and document of a stage is reported exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundation_helpers import SAMPLES, progress_bars
from foundation_steps import MarkIdenticalTexts
from tamis.execute import LocalExecutor, SerialExecutor
from tamis.execute.progress import with_summed_reports
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.repair.whitespace import NormalizeWhitespace


class ReportsAtTheEnd:
    """An executor whose tasks cannot reach this process while they run, as Ray's: the task's
    reports arrive summed with its result (`with_summed_reports`)."""

    workers = 1

    def map_unordered(self, fn, tasks, progress):
        for task in tasks:
            result, docs, nbytes = with_summed_reports(fn, task)
            if progress:
                progress(docs, nbytes)
            yield result


@pytest.mark.parametrize(
    "executor", [SerialExecutor(), LocalExecutor(2), ReportsAtTheEnd()], ids=["serial", "local", "at_the_end"]
)
def test_progress_adds_up(generated_corpus: Path, tmp_path: Path, executor) -> None:
    bars, factory = progress_bars()  # label -> [total, docs reported, bytes reported]

    # byte ranges of plain JSONL (positions known), compressed-free text files, and a corpus stage
    shards = discover([str(generated_corpus / "corpus-*.jsonl"), str(SAMPLES)], split_bytes=300_000)
    pipeline = Pipeline([NormalizeWhitespace(), MarkIdenticalTexts()])
    stats = run_pipeline(
        pipeline, shards, RunConfig(output=str(tmp_path / "out")), executor, progress=factory
    ).stats
    (total1, docs1, bytes1), (total2, docs2, _) = bars["stage 1/2 → test.mark_identical"], bars["stage 2/2"]
    assert bytes1 == total1 == sum(s.size for s in shards)
    assert docs1 == stats["input"]
    assert docs2 == total2 == stats["input"] - stats["rejected"]  # survivors of stage 1 go through stage 2
