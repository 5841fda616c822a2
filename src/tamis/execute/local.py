"""Run tasks on N worker processes of this machine (default: all cores)."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
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
    """A process pool kept for the whole run. Tasks are whole shards or partitions, so workers
    share nothing but the output folder.

    The pool forks at the first task of the run, after the runner has loaded the pipeline's
    models in this process (`shares_parent_memory`): every worker then uses the parent's copy,
    shared copy-on-write, in every pass and every reduce, instead of loading its own per pass.
    `close()` ends the workers; the runner calls it when the run ends.
    """

    shares_parent_memory = True

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers and workers > 0 else available_cores()
        self._pool: ProcessPoolExecutor | None = None
        self._queue: Any = None

    def map_unordered(
        self,
        fn: Callable[..., Any],
        tasks: Sequence[Any],
        progress: Any = None,
        memory: Sequence[int] | None = None,
    ) -> Iterator[Any]:
        """`memory` (bytes per task, as a reduce asks for them) is not reserved: the pool has
        `workers` processes whatever the tasks need, as for shard tasks."""
        if not tasks:
            return
        if self.workers == 1 or (len(tasks) == 1 and self._pool is None):
            from tamis.execute.serial import SerialExecutor

            yield from SerialExecutor().map_unordered(fn, tasks, progress)
            return
        pool = self._submit_to()
        pending = set()
        try:
            for t in tasks:
                pending.add(pool.submit(_call, fn, t))
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(self._queue, progress)
                for future in done:
                    yield future.result()
        except BrokenProcessPool as err:
            self.close()
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
            self.close()
            raise
        finally:
            for future in pending:
                future.cancel()
        _drain(self._queue, progress)

    def _submit_to(self) -> ProcessPoolExecutor:
        """The run's pool, started on first use."""
        if self._pool is None:
            # fork: workers inherit the imported steps and loaded models instead of loading them
            # again (seconds per worker).
            ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
            # A SimpleQueue writes each report before the task returns, so all of a task's
            # reports can be read once its result is in (a Queue's feeder thread may lag).
            self._queue = ctx.SimpleQueue()
            # concurrent.futures, not multiprocessing.Pool: a worker killed by the OOM killer makes
            # Pool wait forever, while a ProcessPoolExecutor raises BrokenProcessPool.
            pool = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_init_worker, initargs=(self._queue,)
            )
            # Objects the parent holds (models, tables) are moved out of the collector's sight
            # while the workers fork, so a collection in a worker does not write to (and copy)
            # the pages they share; a forking pool starts all its workers at the first submit.
            gc.freeze()
            try:
                pool.submit(_started).result()
            finally:
                gc.unfreeze()
            self._pool = pool
        return self._pool

    def close(self) -> None:
        """End the workers (the next task starts a new pool)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if self._queue is not None:
            self._queue.close()
            self._queue = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _started() -> None:
    """A first task, so that the pool forks its workers."""


def _drain(q: Any, progress: Any) -> None:
    while not q.empty():
        docs, nbytes = q.get()
        if progress:
            progress(docs, nbytes)
