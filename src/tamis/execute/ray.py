"""Run the same shard tasks on a Ray cluster (`pip install 'tamis[ray]'`).

Which Ray: `address` (`--ray-address HOST:PORT`, or `auto` for the cluster that `RAY_ADDRESS` or
the last `ray start` on this machine names), else `RAY_ADDRESS`, else a private Ray started for
this run and stopped with it. tamis never joins a cluster nobody named: `ray.init()` without an
address joins whatever cluster the last `ray start` on the machine left running (issue 14).

`workers` is the number of CPUs to use: with a private Ray it is its size; on an existing cluster
it caps the tasks in flight (a cluster's size is its own; `ray.init(num_cpus=…)` refuses it).

Every task runs the tamis of its node; a node whose tamis (code and data files) differs from the
driver's fails its first task with one line saying so, before it writes anything, so no run mixes
outputs of two versions. Workers must reach the input and output paths: a shared file system or
an object store URL.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tamis.errors import ConfigError, TamisError
from tamis.execute.progress import with_summed_reports


@dataclass(frozen=True)
class RayOptions:
    """How each shard task is scheduled.

    `task_memory_mb` is reserved per task (Ray's `memory` resource: a node runs only as many
    tasks as its memory holds, so a big shard does not run a node out of memory with its
    neighbours; 0: no reservation). `max_retries` is how often a task whose worker died (killed,
    out of memory, node lost) is run again; an error the task raised is not retried (it would
    fail the same way). `max_in_flight` caps the tasks submitted at once (0: the CPUs in use),
    so a run of a million shards does not queue a million tasks in the cluster's scheduler.
    """

    task_memory_mb: int = 0
    max_retries: int = 3
    max_in_flight: int = 0


#: Object store of a private Ray, in bytes (Ray's smallest is 75 MiB).
PRIVATE_OBJECT_STORE = 256 << 20


class NodeMismatchError(TamisError):
    """A worker node runs another tamis than the driver."""


class RayExecutor:
    def __init__(
        self, address: str | None = None, workers: int | None = None, options: RayOptions | None = None
    ) -> None:
        try:
            import ray
        except ImportError as err:
            raise ConfigError("the ray executor needs Ray: pip install 'tamis[ray]'") from err
        self._ray = ray
        self.options = options or RayOptions()
        if self.options.task_memory_mb < 0 or self.options.max_retries < 0 or self.options.max_in_flight < 0:
            raise ConfigError(f"Ray task options must be ≥ 0, found {self.options}")
        named = address or os.environ.get("RAY_ADDRESS") or None
        self.private = named is None
        self._started = False
        if not ray.is_initialized():
            if named:
                _check_reachable(named)
            try:
                if self.private:
                    # Only task descriptions and counts pass through Ray's object store (documents go
                    # through files): a small one, not Ray's default of 30 % of the machine's memory.
                    ray.init(
                        address="local",
                        num_cpus=workers or None,
                        object_store_memory=PRIVATE_OBJECT_STORE,
                        **_QUIET,
                    )
                else:
                    ray.init(address=named, **_QUIET)
            except ConnectionError as err:
                raise ConfigError(
                    f"cannot join the Ray cluster at {named!r}: {' '.join(str(err).split())[:200]}; "
                    "start it with `ray start --head` or pass its address as --ray-address HOST:PORT"
                ) from err
            self._started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = min(workers, cpus) if workers else cpus
        self._check_memory()
        self.code = code_digest()

    def _largest_node_memory(self) -> int:
        """Bytes of Ray's `memory` resource on the largest live node."""
        nodes = self._ray.nodes()
        return int(max((n["Resources"].get("memory", 0) for n in nodes if n["Alive"]), default=0))

    def _check_memory(self) -> None:
        """Refuse a per-task memory no node has: Ray would wait for it forever."""
        need = self.options.task_memory_mb << 20
        if not need:
            return
        largest = self._largest_node_memory()
        if need > largest:
            raise ConfigError(
                f"each Ray task asks for {self.options.task_memory_mb:,} MB of memory but the largest "
                f"node of the cluster has {int(largest) >> 20:,} MB for tasks; lower the task memory"
            )

    def shutdown(self) -> None:
        """Stop the private Ray this executor started (a named cluster keeps running)."""
        if self._started:
            self._ray.shutdown()
            self._started = False

    def close(self) -> None:
        """The runner's end-of-run call (see `runner.Executor`)."""
        self.shutdown()

    def map_unordered(
        self,
        fn: Callable[..., Any],
        tasks: Sequence[Any],
        progress: Any = None,
        memory: Sequence[int] | None = None,
    ) -> Iterator[Any]:
        """`memory[i]`: bytes task i needs (a reduce's partition tasks, from the records they
        read): reserved as Ray's `memory` resource, at least `task_memory_mb`, at most what the
        largest node has (a request larger than every node would wait forever)."""
        ray = self._ray
        remote = ray.remote(_run_task)
        scheduling = {
            "num_cpus": 1,
            "max_retries": self.options.max_retries,
            "retry_exceptions": False,
            "scheduling_strategy": "SPREAD",  # shards are independent: use every node
        }
        floor = self.options.task_memory_mb << 20
        ceiling = self._largest_node_memory() if memory is not None else 0
        cap = self.options.max_in_flight or self.workers
        todo = iter(enumerate(tasks))
        pending: dict[Any, Any] = {}

        def submit() -> None:
            for i, task in todo:
                need = max(floor, min(memory[i], ceiling)) if memory is not None else floor
                ref = remote.options(memory=need or None, **scheduling).remote(fn, task, self.code)
                pending[ref] = task
                if len(pending) >= cap:
                    return

        submit()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                pending.pop(ref)
                result, docs, nbytes = _result(ray, ref)
                if progress:
                    progress(docs, nbytes)
                yield result
            submit()


def _check_reachable(address: str) -> None:
    """Refuse in seconds a HOST:PORT where nothing listens: Ray itself retries for minutes."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return  # `auto`, or a ray:// client address: Ray resolves those and fails fast itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as err:
        raise ConfigError(
            f"no Ray cluster answers at {address!r} ({err.strerror or err}); start one with "
            "`ray start --head` or pass the address its head printed as --ray-address HOST:PORT"
        ) from None


_QUIET = {"ignore_reinit_error": True, "log_to_driver": False, "include_dashboard": False}


def _result(ray: Any, ref: Any) -> Any:
    """The task's result; an error of tamis's own comes back as itself (one line), not Ray's traceback."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        if isinstance(err.cause, TamisError):
            raise err.cause from None
        raise


def _run_task(fn: Callable[..., Any], task: Any, driver_code: str) -> Any:
    here = code_digest()
    if here != driver_code:
        from tamis import __version__

        raise NodeMismatchError(
            f"Ray node {socket.gethostname()} ({_node_ip()}) runs another tamis than the driver "
            f"(tamis {__version__}, code and data digest {here} here, {driver_code} on the driver, "
            f"from {_package_dir()}): install the same tamis on every node and run again"
        )
    # A task cannot reach the driver while it runs: its reports come back summed with its result.
    return with_summed_reports(fn, task)


def _node_ip() -> str:
    import ray

    return ray.util.get_node_ip_address()


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


@functools.cache
def code_digest() -> str:
    """A digest of the tamis package as installed here: its code and data files (models, word lists).

    Hashing the files, not the version string, catches a node whose checkout or model files
    differ under the same version number. About 0.07 s, once per process.
    """
    root = _package_dir()
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc"):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
