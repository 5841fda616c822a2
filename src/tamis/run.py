"""The `tamis run` job: resolve inputs and settings, run with an executor, write stats and report."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tamis.config import Config
from tamis.errors import ConfigError, InputError
from tamis.execute import make_executor
from tamis.execute.runner import RunConfig, RunSummary, run
from tamis.read import ReadOptions, discover


@dataclass
class RunRequest:
    inputs: list[str]
    output: str
    config: Config
    overrides: dict[str, Any] = field(default_factory=dict)
    ray_address: str | None = None
    overwrite: bool = False
    progress: bool = True
    report: bool = True


def settings(request: RunRequest) -> dict[str, Any]:
    """[run] keys of the config, with CLI flags (when given) on top."""
    merged = dict(request.config.run)
    merged.update({k: v for k, v in request.overrides.items() if v is not None})
    return merged


def execute(request: RunRequest) -> RunSummary:
    opts = settings(request)
    out = Path(request.output)
    if out.exists() and not out.is_dir():
        raise InputError(f"--output {request.output!r} exists and is not a folder")
    if request.overwrite and out.exists():
        shutil.rmtree(out)
    shards = discover(request.inputs)
    try:
        run_config = RunConfig(
            output=str(out),
            output_format=str(opts.get("output_format", "parquet")),
            max_shard_bytes=int(float(opts.get("max_shard_mb", 256)) * (1 << 20)),
            read=ReadOptions(
                id_field=opts.get("id_field", "id"),
                text_field=opts.get("text_field", "text"),
                url_field=opts.get("url_field", "url"),
                html=opts.get("html", "auto"),
            ),
            strict=request.config.pipeline.strict,
            keep_original=bool(opts.get("keep_original", True)),
        )
        from tamis.write.shards import output_format_of

        output_format_of(run_config.output_format)
        executor = make_executor(str(opts.get("executor", "local")), opts.get("workers"), request.ray_address)
    except ValueError as err:
        raise ConfigError(str(err)) from err
    summary = run(request.config.pipeline, shards, run_config, executor,
                  progress=_tqdm_progress if request.progress and sys.stderr.isatty() else None)
    if request.report:
        from tamis.report.html import write_report

        write_report(out)
    return summary


def _tqdm_progress(label: str, n_tasks: int, total_bytes: int) -> Callable[[int, int], None]:
    """A progress bar over input bytes (stage 1) or documents (later stages), with rate and ETA."""
    from tqdm import tqdm

    by_bytes = total_bytes > 0
    bar = tqdm(total=total_bytes if by_bytes else None, desc=label, unit="B" if by_bytes else "doc",
               unit_scale=True, dynamic_ncols=True, leave=True)
    docs = 0

    def tick(n_docs: int, n_bytes: int) -> None:
        nonlocal docs
        docs += n_docs
        if by_bytes:
            bar.update(n_bytes)
            bar.set_postfix(docs=docs, refresh=False)
        else:
            bar.update(n_docs)
        if bar.total is not None and bar.n >= bar.total:
            bar.close()

    return tick
