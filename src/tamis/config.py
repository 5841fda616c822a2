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
from tamis.steps import REGISTRY, Step

RUN_KEYS = {
    "workers": "worker processes (0: all cores)",
    "executor": "serial | local | ray",
    "output_format": "parquet | jsonl | jsonl.gz | jsonl.zst",
    "max_shard_mb": "start a new output file past this many MB of text",
    "max_record_mb": "reject an input record (line, WARC payload, file, Parquet cell) over this many MB",
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


def build_step(spec: Any, where: str = "") -> Step:
    if not isinstance(spec, dict):
        raise ConfigError(
            f'{where}: each step is a table, [[steps]] with use = "<step name>", found {_shown(spec)}'
        )
    spec = dict(spec)
    name = spec.pop("use", None) or spec.pop("name", None)
    if not name:
        raise ConfigError(f'{where}: each [[steps]] entry needs `use = "<step name>"`')
    if not isinstance(name, str):
        raise ConfigError(
            f'{where}: `use` names a step as text (use = "repair.unicode"), found {_shown(name)}'
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
        raise ConfigError(f"{where}: step {name!r}: version must be a whole number, found {_shown(version)}")
    cls = REGISTRY.get(name, version)
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    unknown = sorted(set(spec) - fields)
    if unknown:
        valid = ", ".join(sorted(fields)) or "(none)"
        raise ConfigError(f"{where}: step {cls.name!r} has no parameter {', '.join(unknown)}; valid: {valid}")
    for key, value in spec.items():
        expected = _parameter_mismatch(cls, key, value)
        if expected:
            raise ConfigError(f"{where}: step {cls.name!r}: {key} must be {expected}, found {_shown(value)}")
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


def _shown(value: Any) -> str:
    """A value as the user wrote it, kept short, with its TOML type."""
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    kind = {str: "text", int: "integer", float: "number", bool: "boolean", list: "array", dict: "table"}
    return f"{kind.get(type(value), type(value).__name__)} {text}"


def _positive_number(value: Any) -> str | None:
    """Megabytes: finite, above 0, at most a terabyte (larger values overflow the readers' C sizes)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "a positive number of MB"
    return None if 0 < value <= 1_000_000 else "a positive number of MB, at most 1000000"


def _one_of(*choices: str) -> Any:
    return lambda value: None if value in choices else " | ".join(repr(c) for c in choices)


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "non-empty text"


def _whole(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 4096
    return None if ok else "a whole number from 0 to 4096 (0: all cores)"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


#: What each [run] value must be: a check returning what was expected, or None when the value fits.
RUN_CHECKS = {
    "workers": _whole,
    "executor": _one_of("serial", "local", "ray"),
    "output_format": _text,
    "max_shard_mb": _positive_number,
    "max_record_mb": _positive_number,
    "id_field": _text,
    "text_field": _text,
    "url_field": _text,
    "html": _one_of("auto", "yes", "no"),
    "keep_original": _boolean,
}


def check_run_settings(run: dict[str, Any], where: str = "[run]", *, flags: bool = False) -> None:
    """Raise a ConfigError naming the first [run] value of the wrong kind (`max_shard_mb = inf`).

    With `flags`, keys are named as the command-line options that set them (`--max-shard-mb`).
    """
    for key, value in run.items():
        check = RUN_CHECKS.get(key)
        expected = check(value) if check else None
        if expected:
            name = "--" + key.replace("_", "-") if flags else key
            raise ConfigError(f"{where}: {name} must be {expected}, found {_shown(value)}")


def from_dict(data: dict[str, Any], where: str = "config", *, strict: bool = False) -> Config:
    unknown = sorted(set(data) - {"run", "steps"})
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(unknown)}; valid: [run], [[steps]]")
    run_table = data.get("run", {})
    if not isinstance(run_table, dict):
        raise ConfigError(f"{where}: `run` must be the table [run] of settings, found {_shown(run_table)}")
    run = dict(run_table)
    bad = sorted(set(run) - set(RUN_KEYS))
    if bad:
        raise ConfigError(
            f"{where}: unknown [run] key(s) {', '.join(bad)}; valid: {', '.join(sorted(RUN_KEYS))}"
        )
    check_run_settings(run, f"{where} [run]")
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
    return from_dict(table, where, strict=strict)


def default_pipeline() -> Pipeline:
    return load(None).pipeline
