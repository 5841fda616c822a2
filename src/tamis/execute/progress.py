"""Progress: one convention for every executor.

A task is called as `fn(task, report)` and calls `report(docs, nbytes)` with what it has done
since its last report (documents, and input bytes in the first stage). The executor delivers
every report to the stage's `progress` callback in this process: at once where it can
(`SerialExecutor` hands `progress` itself to the task; `LocalExecutor` forwards reports from its
workers through a queue), and at the latest when the task ends, summed (`with_summed_reports`,
for executors whose tasks cannot reach this process while they run). A stage's bar therefore
adds up to the same totals whichever executor runs it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

ProgressFn = Callable[[int, int], None]  # (docs done, bytes done) increments
#: Makes a progress callback for one stage: (label, total, unit) where unit is "B" (input bytes,
#: first stage) or "doc" (documents, later stages). The callback may have a `close()` method.
ProgressFactory = Callable[[str, int, str], ProgressFn]


def with_summed_reports(fn: Callable[[Any, ProgressFn | None], Any], task: Any) -> tuple[Any, int, int]:
    """Run `fn(task, report)` and return its result with the sum of its reports (docs, bytes),
    for the executor to pass to `progress` when the task's result arrives."""
    total = [0, 0]

    def report(docs: int, nbytes: int) -> None:
        total[0] += docs
        total[1] += nbytes

    result = fn(task, report)
    return result, total[0], total[1]


class TqdmProgress:
    """A progress bar on stderr for one stage, over input bytes (first stage) or documents, with rate and ETA."""

    def __init__(self, label: str, total: int, unit: str) -> None:
        import tqdm

        tqdm.tqdm.monitor_interval = 0  # no monitor thread: the local executor forks workers
        self.by_bytes = unit == "B"
        self.docs = 0
        self.bar = tqdm.tqdm(
            total=total or None,
            desc=label,
            unit=unit,
            unit_scale=True,
            dynamic_ncols=True,
            file=sys.stderr,
            leave=True,
        )

    def __call__(self, n_docs: int, n_bytes: int) -> None:
        self.docs += n_docs
        if self.by_bytes:
            # Bytes arrive when a shard ends; the document count keeps the bar alive in between.
            self.bar.set_postfix(docs=self.docs, refresh=n_bytes == 0)
            self.bar.update(n_bytes)
        else:
            self.bar.update(n_docs)

    def close(self) -> None:
        self.bar.close()
