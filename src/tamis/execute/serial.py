"""Run tasks one after another in this process: for tests and debugging."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any


class SerialExecutor:
    workers = 1

    def __init__(self, workers: int | None = None) -> None:
        """`workers` is accepted, as by every executor, and ignored: one task at a time."""

    def map_unordered(
        self,
        fn: Callable[..., Any],
        tasks: Sequence[Any],
        progress: Any = None,
        memory: Sequence[int] | None = None,
    ) -> Iterator[Any]:
        """`memory` (bytes per task, as a reduce asks for them) is Ray's: one task at a time here."""
        for task in tasks:
            yield fn(task, progress)  # the task reports its own documents and bytes
