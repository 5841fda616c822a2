"""TOML -> Pipeline. Step names are registered and versioned; parameters are dataclass fields.

[run]
workers = 0            # 0: all cores
output_format = "parquet"

[[steps]]
use = "repair.glued_words"     # or "repair.glued_words@2" to pin a version
min_part_zipf = 3.0
"""

from __future__ import annotations

import dataclasses
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from tamis.errors import ConfigError
from tamis.pipeline import Pipeline
from tamis.steps import REGISTRY, Step

RUN_KEYS = {
    "workers": "worker processes (0: all cores)",
    "executor": "serial | local | ray",
    "output_format": "parquet | jsonl | jsonl.gz | jsonl.zst",
    "max_shard_mb": "start a new output file past this many MB of text",
    "id_field": "input field holding the record id",
    "text_field": "input field holding the text",
    "url_field": "input field holding the page URL",
    "html": "auto | yes | no: whether input text is HTML",
    "keep_original": "store the text as read beside the cleaned text",
}


@dataclasses.dataclass(frozen=True)
class Config:
    pipeline: Pipeline
    run: dict[str, Any]


def build_step(spec: dict[str, Any], where: str = "") -> Step:
    spec = dict(spec)
    name = spec.pop("use", None) or spec.pop("name", None)
    if not name:
        raise ConfigError(f'{where}: each [[steps]] entry needs `use = "<step name>"`')
    version = spec.pop("version", None)
    cls = REGISTRY.get(str(name), version)
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    unknown = sorted(set(spec) - fields)
    if unknown:
        valid = ", ".join(sorted(fields)) or "(none)"
        raise ConfigError(f"{where}: step {cls.name!r} has no parameter {', '.join(unknown)}; valid: {valid}")
    try:
        return cls(**spec)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{where}: step {cls.name!r}: {err}") from err


def from_dict(data: dict[str, Any], where: str = "config", *, strict: bool = False) -> Config:
    unknown = sorted(set(data) - {"run", "steps"})
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(unknown)}; valid: [run], [[steps]]")
    run = dict(data.get("run", {}))
    bad = sorted(set(run) - set(RUN_KEYS))
    if bad:
        raise ConfigError(
            f"{where}: unknown [run] key(s) {', '.join(bad)}; valid: {', '.join(sorted(RUN_KEYS))}"
        )
    specs = data.get("steps")
    if not isinstance(specs, list) or not specs:
        raise ConfigError(f"{where}: needs at least one [[steps]] entry")
    steps = [build_step(spec, f"{where} step {i + 1}") for i, spec in enumerate(specs)]
    return Config(Pipeline(steps, strict=strict), run)


def load(path: str | Path | None = None, *, strict: bool = False) -> Config:
    """Load a TOML config, or the default pipeline when `path` is None."""
    if path is None:
        text = resources.files("tamis").joinpath("data/default.toml").read_text("utf-8")
        where = "default pipeline"
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {str(path)!r} does not exist")
        text = p.read_text("utf-8")
        where = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where} is not valid TOML: {err}") from err
    return from_dict(data, where, strict=strict)


def default_pipeline() -> Pipeline:
    return load(None).pipeline
