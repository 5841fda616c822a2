"""Run tasks on N worker processes of this machine (default: all cores)."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_progress_queue: Any = None


def _init_worker(q: Any) -> None:
    global _progress_queue
    _progress_queue = q


def _report(docs: int, nbytes: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put((docs, nbytes))


def _call(args: tuple[Callable[..., Any], Any]) -> Any:
    fn, task = args
    result = fn(task, _report)
    _report(0, task.shard.size if task.segment == 0 else 0)
    return result


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalExecutor:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers and workers > 0 else available_cores()

    def map_unordered(self, fn: Callable[..., Any], tasks: Sequence[Any], progress: Any = None) -> Iterator[Any]:
        if not tasks:
            return
        if self.workers == 1 or len(tasks) == 1:
            from tamis.execute.serial import SerialExecutor

            yield from SerialExecutor().map_unordered(fn, tasks, progress)
            return
        ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        q = ctx.Queue()
        with ctx.Pool(min(self.workers, len(tasks)), initializer=_init_worker, initargs=(q,), maxtasksperchild=64) as pool:
            pending = pool.imap_unordered(_call, [(fn, t) for t in tasks])
            done = 0
            while done < len(tasks):
                try:
                    result = pending.next(timeout=0.2)
                except mp.TimeoutError:
                    result = None
                else:
                    done += 1
                _drain(q, progress)
                if result is not None:
                    yield result
            _drain(q, progress)


def _drain(q: Any, progress: Any) -> None:
    while True:
        try:
            docs, nbytes = q.get_nowait()
        except queue.Empty:
            return
        if progress:
            progress(docs, nbytes)
