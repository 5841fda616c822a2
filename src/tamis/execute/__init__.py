"""Executors run the same shard tasks serially, on local processes, or on a Ray cluster."""

from tamis.execute.local import LocalExecutor
from tamis.execute.runner import RunConfig, RunSummary, run
from tamis.execute.serial import SerialExecutor

__all__ = ["LocalExecutor", "RunConfig", "RunSummary", "SerialExecutor", "make_executor", "run"]


def make_executor(name: str = "local", workers: int | None = None, address: str | None = None):
    """Build an executor by name: serial, local (default; all cores) or ray."""
    if name == "serial":
        return SerialExecutor()
    if name == "local":
        return LocalExecutor(workers)
    if name == "ray":
        from tamis.execute.ray import RayExecutor

        return RayExecutor(address=address, workers=workers)
    raise ValueError(f"unknown executor {name!r}; choose serial, local or ray")
