"""Executors run the same shard tasks serially, on local processes, or on a Ray cluster.

`EXECUTORS` is the one list of them: the `--executor` flag's choices, the `executor` run
setting's check and `make_executor` read it. Adding an executor is a class with `workers` and
`map_unordered` (see `runner.Executor`) and one line here. This package imports nothing heavy
until an executor or the runner is used (`tamis clean` and the command line's --help need neither).
"""

from __future__ import annotations

import importlib
from typing import Any

#: name -> (module, class, what it is): where shard tasks run.
EXECUTORS: dict[str, tuple[str, str, str]] = {
    "local": ("tamis.execute.local", "LocalExecutor", "a process pool on this machine (default: all cores)"),
    "serial": ("tamis.execute.serial", "SerialExecutor", "this process, one task after another"),
    "ray": ("tamis.execute.ray", "RayExecutor", "a Ray cluster (pip install 'tamis[ray]')"),
}

_LAZY = {
    "LocalExecutor": "tamis.execute.local",
    "SerialExecutor": "tamis.execute.serial",
    "RunConfig": "tamis.execute.runner",
    "RunSummary": "tamis.execute.runner",
    "run_pipeline": "tamis.execute.runner",
}

__all__ = [
    "EXECUTORS",
    "LocalExecutor",
    "RunConfig",
    "RunSummary",
    "SerialExecutor",
    "make_executor",
    "run_pipeline",
]


def make_executor(
    name: str = "local", workers: int | None = None, address: str | None = None, options: Any = None
) -> Any:
    """Build an executor by its name in EXECUTORS; `address` and `options` (RayOptions) are Ray's."""
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r}; choose {', '.join(EXECUTORS)}")
    module, cls, _ = EXECUTORS[name]
    executor_class = getattr(importlib.import_module(module), cls)
    return (
        executor_class(address=address, workers=workers, options=options)
        if name == "ray"
        else executor_class(workers=workers)
    )


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tamis.execute' has no attribute {name!r}")
