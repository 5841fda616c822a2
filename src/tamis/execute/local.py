"""Run tasks on N worker processes of this machine (default: all cores)."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_progress_queue: Any = None


class WorkerLost(RuntimeError):
    """A worker process died (killed, or out of memory); finished shards are kept for a re-run."""


def _init_worker(q: Any) -> None:
    global _progress_queue
    _progress_queue = q
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when the run's process dies (even by SIGKILL).

    Otherwise a killed run leaves workers that go on writing outputs while the re-run redoes
    the same shards. Best effort: other systems have no such call.
    """
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _report(docs: int, nbytes: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put((docs, nbytes))


def _call(fn: Callable[..., Any], task: Any) -> Any:
    return fn(task, _report)  # the task reports its own documents and bytes through the queue


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalExecutor:
    """A process pool. Tasks are whole shards, so workers share nothing but the output folder."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers and workers > 0 else available_cores()

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[Any], progress: Any = None
    ) -> Iterator[Any]:
        if not tasks:
            return
        if self.workers == 1 or len(tasks) == 1:
            from tamis.execute.serial import SerialExecutor

            yield from SerialExecutor().map_unordered(fn, tasks, progress)
            return
        # fork: workers inherit the imported steps instead of re-importing them (seconds per worker).
        ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        q = ctx.Queue()
        # concurrent.futures, not multiprocessing.Pool: a worker killed by the OOM killer makes
        # Pool wait forever, while a ProcessPoolExecutor raises BrokenProcessPool.
        with ProcessPoolExecutor(
            min(self.workers, len(tasks)), mp_context=ctx, initializer=_init_worker, initargs=(q,)
        ) as pool:
            pending = {pool.submit(_call, fn, t) for t in tasks}
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    _drain(q, progress)
                    for future in done:
                        yield future.result()
            except BrokenProcessPool as err:
                raise WorkerLost(
                    "a worker process died (killed or out of memory); finished shards are saved: "
                    "re-run the same command to resume, with fewer --workers if memory ran out"
                ) from err
            except KeyboardInterrupt:
                # Ctrl-C: a worker that caught it would take the next queued shard and the pool
                # would wait for that one; stop the workers now, as a kill would (resume redoes
                # their unfinished shards).
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    process.kill()
                raise
            finally:
                for future in pending:
                    future.cancel()
            _drain(q, progress)


def _drain(q: Any, progress: Any) -> None:
    while True:
        try:
            docs, nbytes = q.get_nowait()
        except queue.Empty:
            return
        if progress:
            progress(docs, nbytes)
