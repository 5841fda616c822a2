"""The `tamis run` job: resolve inputs and settings, run with an executor, write stats and report."""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tamis.config import Config
from tamis.errors import InputError, OutputFull
from tamis.execute import checkpoint, make_executor
from tamis.execute.progress import TqdmProgress
from tamis.execute.runner import RunConfig, RunSummary, run_pipeline
from tamis.read import discover
from tamis.settings import RunSettings
from tamis.write.output_folder import check_output, claim_output, local_output
from tamis.write.remote_output import (
    delete_remote_run,
    is_remote,
    mark_remote_output,
    open_remote_output,
    publish,
    scratch_folder,
    write_remote_report,
)
from tamis.write.run_store import RunStore


@dataclass
class RunRequest:
    """One `tamis run`: inputs, output, the config, and the run settings given on top of its [run]
    table (`overrides`, keys of RunSettings; None: not given)."""

    inputs: list[str]
    output: str
    config: Config
    overrides: dict[str, Any] = field(default_factory=dict)
    ray_address: str | None = None
    overwrite: bool = False
    progress: bool = True
    report: bool = True


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def run_request(request: RunRequest) -> RunSummary:
    """Check the request, take the output folder, run the pipeline, write the report."""
    settings = RunSettings.from_layers(request.config.run, request.overrides)
    store = None
    if is_remote(request.output):
        store = open_remote_output(request.output)
        if settings.executor == "ray":
            return _run_on_store(request, settings, store)
        out = scratch_folder(request.output)
        excluded = [request.output, str(out)]
    else:
        # Absolute: a worker (a Ray worker in its own folder) resolves a relative path elsewhere.
        out = local_output(request.output).absolute()
        excluded = [str(out)]
    check_output(out)
    # Everything that can be wrong with the request is checked before the output is touched.
    # Never read what tamis wrote: an --output inside an --input folder listed its old outputs
    # as inputs, so a re-run was refused and a killed run could not resume (issue 11).
    shards = discover(request.inputs, exclude=excluded)
    cfg = RunConfig(output=str(out), **dataclasses.asdict(settings))
    # A Ray address nobody answers at, or a task memory no node has, is refused before the output
    # folder exists (an executor that cannot run would leave an empty claimed folder behind).
    ray_options = settings.ray_options() if cfg.executor == "ray" else None
    executor = make_executor(cfg.executor, cfg.workers, request.ray_address, ray_options)
    try:
        with claim_output(out, request.overwrite):
            if store is not None:
                mark_remote_output(store)
                if request.overwrite:
                    delete_remote_run(store)
            show = request.progress and sys.stderr.isatty()
            progress = TqdmProgress if show else None
            summary = run_pipeline(request.config.pipeline, shards, cfg, executor, progress=progress)
            if request.report:
                from tamis.report.html import write_report

                write_report(out)
            if store is not None:
                publish(out, store)
                summary = RunSummary(request.output, summary.stats)
    except OSError as err:
        mapped = output_error(err, out)
        if mapped is err:
            raise
        raise mapped from err
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()
    return summary


def _run_on_store(request: RunRequest, settings: RunSettings, store: RunStore) -> RunSummary:
    """A Ray run whose output is on an object store: every task reads and writes there, nodes
    share nothing else (`execute/checkpoint.py: StoreRun`). No lock: one run at a time per prefix
    is the caller's to keep (a second run's attempts would not overwrite the first's objects, but
    its markers would replace them)."""
    shards = discover(request.inputs, exclude=[request.output])
    cfg = RunConfig(output=request.output.rstrip("/"), **dataclasses.asdict(settings))
    executor = make_executor(cfg.executor, cfg.workers, request.ray_address, settings.ray_options())
    try:
        mark_remote_output(store)
        if request.overwrite:
            delete_remote_run(store)
        progress = TqdmProgress if request.progress and sys.stderr.isatty() else None
        summary = run_pipeline(request.config.pipeline, shards, cfg, executor, progress=progress)
        if request.report:
            write_remote_report(store, checkpoint.StoreRun(cfg.output).output_parts())
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()
    return summary


#: errno values that mean "no room": disk full, quota exceeded, file larger than the size limit.
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def output_error(err: OSError, out: Path) -> Exception:
    """A one-line error for what the system refused while writing `out`; other errors pass as they are.

    Arrow reports the errno only in its message ("... Detail: [errno 28] No space left on device").
    """
    text = str(err)
    codes = {err.errno} | {int(n) for n in re.findall(r"\[errno (\d+)\]", text, flags=re.IGNORECASE)}
    where = f" ({err.filename})" if err.filename else ""
    if codes & _NO_ROOM:
        reason = os.strerror(next(iter(codes & _NO_ROOM)))
        return OutputFull(
            f"writing {str(out)!r} stopped: {reason}{where}; finished shards are kept: free space "
            "(or move the folder to a larger disk) and re-run the same command to resume"
        )
    written = err.filename is not None and _inside(os.path.realpath(err.filename), os.path.realpath(out))
    if written and codes & {errno.EACCES, errno.EPERM, errno.EROFS}:
        return InputError(f"cannot write to --output {str(out)!r}: {err.strerror or text}{where}")
    return err
