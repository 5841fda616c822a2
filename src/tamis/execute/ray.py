"""Run the same shard tasks on a Ray cluster (`pip install 'tamis[ray]'`).

Workers must see the input and output paths (a shared file system or any fsspec URL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tamis.errors import ConfigError


class RayExecutor:
    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray
        except ImportError as err:
            raise ConfigError("the ray executor needs Ray: pip install 'tamis[ray]'") from err
        if not ray.is_initialized():
            kwargs: dict[str, Any] = (
                {"address": address} if address else {"num_cpus": workers} if workers else {}
            )
            ray.init(ignore_reinit_error=True, log_to_driver=False, include_dashboard=False, **kwargs)
        self._ray = ray
        self.workers = workers or int(ray.cluster_resources().get("CPU", 1))

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[Any], progress: Any = None
    ) -> Iterator[Any]:
        ray = self._ray
        remote = ray.remote(num_cpus=1)(_run_task)
        pending = {remote.remote(fn, t): t for t in tasks}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                task = pending.pop(ref)
                result = ray.get(ref)
                if progress:
                    progress(
                        result["counts"]["input"] if task.segment == 0 else 0,
                        task.shard.size if task.segment == 0 else 0,
                    )
                yield result


def _run_task(fn: Callable[..., Any], task: Any) -> Any:
    return fn(task, None)
