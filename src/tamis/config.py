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
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from tamis.errors import ConfigError
from tamis.pipeline import Pipeline
from tamis.settings import RunSettings, shown
from tamis.steps import REGISTRY, Step


@dataclasses.dataclass(frozen=True)
class Config:
    """A pipeline and the `[run]` values its file set (checked; `RunSettings` holds the defaults)."""

    pipeline: Pipeline
    run: dict[str, Any]


def build_step(spec: Any, where: str = "") -> Step:
    if not isinstance(spec, dict):
        raise ConfigError(
            f'{where}: each step is a table, [[steps]] with use = "<step name>", found {shown(spec)}'
        )
    spec = dict(spec)
    name = spec.pop("use", None) or spec.pop("name", None)
    if not name:
        raise ConfigError(f'{where}: each [[steps]] entry needs `use = "<step name>"`')
    if not isinstance(name, str):
        raise ConfigError(
            f'{where}: `use` names a step as text (use = "repair.unicode"), found {shown(name)}'
        )
    version = spec.pop("version", None)
    name, at, pinned = name.partition("@")
    if at:
        if not pinned.isdigit() or version is not None:
            raise ConfigError(
                f"{where}: {name + at + pinned!r}: a pinned version is a whole number, as in "
                f'"{name}@1" (and not also `version =`)'
            )
        version = int(pinned)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ConfigError(f"{where}: step {name!r}: version must be a whole number, found {shown(version)}")
    cls = REGISTRY.get(name, version)
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    unknown = sorted(set(spec) - fields)
    if unknown:
        valid = ", ".join(sorted(fields)) or "(none)"
        raise ConfigError(f"{where}: step {cls.name!r} has no parameter {', '.join(unknown)}; valid: {valid}")
    for key, value in spec.items():
        expected = _parameter_mismatch(cls, key, value)
        if expected:
            raise ConfigError(f"{where}: step {cls.name!r}: {key} must be {expected}, found {shown(value)}")
    try:
        return cls(**spec)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{where}: step {cls.name!r}: {err}") from err


def _parameter_mismatch(cls: type, key: str, value: Any) -> str | None:
    """What a step parameter must be when `value` is not of the kind of its default, else None.

    A text where a number belongs would otherwise surface as a TypeError inside every document.
    """
    field = next(f for f in dataclasses.fields(cls) if f.name == key)
    default = field.default
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int | float):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(default, int) and not isinstance(value, int):
            number = False
        return (
            None
            if number and math.isfinite(value)
            else ("a whole number" if isinstance(default, int) else "a number")
        )
    if isinstance(default, str):
        return None if isinstance(value, str) else "text"
    return None


def from_dict(data: dict[str, Any], where: str = "config") -> Config:
    unknown = sorted(set(data) - {"run", "steps"})
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(unknown)}; valid: [run], [[steps]]")
    run_table = data.get("run", {})
    if not isinstance(run_table, dict):
        raise ConfigError(f"{where}: `run` must be the table [run] of settings, found {shown(run_table)}")
    run = dict(run_table)
    RunSettings.check(run, f"{where} [run]")
    specs = data.get("steps")
    if not isinstance(specs, list) or not specs:
        raise ConfigError(f"{where}: needs at least one [[steps]] entry")
    steps = [build_step(spec, f"{where} step {i + 1}") for i, spec in enumerate(specs)]
    return Config(Pipeline(steps), run)


def load(path: str | Path | None = None) -> Config:
    """Load a TOML config, or the default pipeline when `path` is None."""
    if path is None:
        text = resources.files("tamis").joinpath("data/default.toml").read_text("utf-8")
        where = "default pipeline"
    else:
        p = Path(path)
        if not p.is_file():
            what = "is not a file" if p.exists() else "does not exist"
            raise ConfigError(f"config file {str(path)!r} {what}")
        where = str(path)
        try:
            data = p.read_bytes()
        except OSError as err:
            raise ConfigError(f"cannot read config file {where!r}: {err.strerror or err}") from err
        try:
            text = data.decode("utf-8-sig")  # a byte-order mark, as some Windows editors write, is fine
        except UnicodeDecodeError as err:
            utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:64]
            hint = " (it looks like UTF-16)" if utf16 else ""
            raise ConfigError(
                f"{where} is not UTF-8 text{hint}: TOML files must be UTF-8; save it as UTF-8 "
                f"(byte {err.start}: {data[err.start : err.start + 1]!r})"
            ) from err
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where} is not valid TOML: {err}") from err
    return from_dict(table, where)


def default_pipeline() -> Pipeline:
    return load(None).pipeline
