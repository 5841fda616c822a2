"""The `tamis run` job: resolve inputs and settings, run with an executor, write stats and report."""

from __future__ import annotations

import errno
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tamis.config import RUN_KEYS, Config
from tamis.errors import ConfigError, InputError, OutputFull
from tamis.execute import make_executor
from tamis.execute.runner import RunConfig, RunSummary, run
from tamis.read import ReadOptions, discover
from tamis.write.output_folder import check_output, claim_output, local_output
from tamis.write.shards import output_format_of


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
    unknown = sorted(set(merged) - set(RUN_KEYS))
    if unknown:
        raise ConfigError(
            f"unknown run setting(s) {', '.join(unknown)}; valid: {', '.join(sorted(RUN_KEYS))}"
        )
    return merged


def run_config(output: str, opts: dict[str, Any], strict: bool) -> RunConfig:
    """Check the types of the run settings and build the runner's configuration."""
    try:
        cfg = RunConfig(
            output=output,
            output_format=output_format_of(str(opts.get("output_format", "parquet"))),
            max_shard_bytes=int(float(opts.get("max_shard_mb", 256)) * (1 << 20)),
            read=ReadOptions(
                id_field=str(opts.get("id_field", "id")),
                text_field=str(opts.get("text_field", "text")),
                url_field=str(opts.get("url_field", "url")),
                html=str(opts.get("html", "auto")),
                max_record_bytes=int(float(opts.get("max_record_mb", 10)) * (1 << 20)),
            ),
            strict=strict,
            keep_original=_boolean(opts.get("keep_original", True), "keep_original"),
        )
    except (TypeError, ValueError) as err:
        raise ConfigError(f"[run] settings: {err}") from err
    if cfg.max_shard_bytes <= 0:
        raise ConfigError(f"[run] max_shard_mb must be positive, found {opts.get('max_shard_mb')!r}")
    if cfg.read.html not in ("auto", "yes", "no"):
        raise ConfigError(f"[run] html must be auto, yes or no, found {cfg.read.html!r}")
    return cfg


def _boolean(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"{key} must be true or false, found {value!r}")


def _workers(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"workers must be a whole number ≥ 0 (0: all cores), found {value!r}")
    return value


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def execute(request: RunRequest) -> RunSummary:
    opts = settings(request)
    out = local_output(request.output)
    check_output(out)
    # Everything that can be wrong with the request is checked before the output is touched.
    # Never read what tamis wrote: an --output inside an --input folder listed its old outputs
    # as inputs, so a re-run was refused and a killed run could not resume (issue 11).
    shards = discover(request.inputs, exclude=[str(out)])
    cfg = run_config(str(out), opts, request.config.pipeline.strict)
    executor_name, workers = str(opts.get("executor", "local")), _workers(opts.get("workers"))
    if executor_name not in ("serial", "local", "ray"):
        raise ConfigError(f"unknown executor {executor_name!r}; choose serial, local or ray")
    try:
        with claim_output(out, request.overwrite):
            executor = make_executor(executor_name, workers, request.ray_address)
            show = request.progress and sys.stderr.isatty()
            progress = TqdmProgress if show else None
            summary = run(request.config.pipeline, shards, cfg, executor, progress=progress)
            if request.report:
                from tamis.report.html import write_report

                write_report(out)
    except OSError as err:
        mapped = output_error(err, out)
        if mapped is err:
            raise
        raise mapped from err
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


class TqdmProgress:
    """A progress bar on stderr for one stage, over input bytes (first stage) or documents, with rate and ETA."""

    def __init__(self, label: str, total: int, unit: str) -> None:
        import tqdm

        tqdm.tqdm.monitor_interval = 0  # no monitor thread: the local executor forks workers
        self.by_bytes = unit == "B"
        self.docs = 0
        self.bar = tqdm.tqdm(
            total=total or None,
            desc=label,
            unit=unit,
            unit_scale=True,
            dynamic_ncols=True,
            file=sys.stderr,
            leave=True,
        )

    def __call__(self, n_docs: int, n_bytes: int) -> None:
        self.docs += n_docs
        if self.by_bytes:
            # Bytes arrive when a shard ends; the document count keeps the bar alive in between.
            self.bar.set_postfix(docs=self.docs, refresh=n_bytes == 0)
            self.bar.update(n_bytes)
        else:
            self.bar.update(n_docs)

    def close(self) -> None:
        self.bar.close()
