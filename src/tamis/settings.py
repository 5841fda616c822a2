"""Run settings: how a run reads, writes and schedules, apart from what the steps do.

`RunSettings` is their one home: each field's default, its check, its help text and its
command-line flag. The config's `[run]` table, the `tamis run` flags (generated from these
fields by `cli.py`) and the Python API (`RunSettings(...)`, `tamis.run.RunRequest`) all read it;
a flag left out leaves the `[run]` value, which leaves the default.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tamis.errors import ConfigError
from tamis.execute import EXECUTORS

if TYPE_CHECKING:
    from tamis.execute.ray import RayOptions
    from tamis.read.base import ReadOptions

OUTPUT_FORMATS = ("parquet", "jsonl", "jsonl.gz", "jsonl.zst")

Check = Callable[[Any], str | None]  # what the value must be, or None when it fits


def _positive_mb(value: Any) -> str | None:
    """Megabytes: finite, above 0, at most a terabyte (larger values overflow the readers' C sizes)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "a positive number of MB"
    return None if 0 < value <= 1_000_000 else "a positive number of MB, at most 1000000"


def _one_of(*choices: str) -> Check:
    return lambda value: None if value in choices else " | ".join(repr(c) for c in choices)


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "non-empty text"


def _whole(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 4096
    return None if ok else "a whole number from 0 to 4096 (0: all cores)"


def _count(limit: int, zero: str) -> Check:
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit
        return None if ok else f"a whole number from 0 to {limit} (0: {zero})"

    return check


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def setting(default: Any, check: Check, doc: str, *, flag: str | None = None, choices: Any = None) -> Any:
    """A field of RunSettings: its default, check and one-line meaning (the flag's help and the docs).

    `flag` names the command-line option when it is not the key's (`output_format` is `--format`);
    `choices` makes the flag a choice.
    """
    return field(default=default, metadata={"check": check, "doc": doc, "flag": flag, "choices": choices})


@dataclass(frozen=True)
class RunSettings:
    """The `[run]` table of a config, with the command line's flags on top."""

    workers: int = setting(0, _whole, "worker processes (0, the default: all cores)")
    executor: str = setting(
        "local", _one_of(*EXECUTORS), "where shards run (default: local)", choices=tuple(EXECUTORS)
    )
    ray_task_memory_mb: int = setting(
        0,
        _count(1_000_000, "no reservation"),
        "with --executor ray: MB of memory each task reserves on its node (default 0: none)",
    )
    ray_max_retries: int = setting(
        3,
        _count(100, "never"),
        "with --executor ray: how often a task whose worker died is run again (default 3)",
    )
    ray_max_in_flight: int = setting(
        0,
        _count(10_000_000, "the CPUs in use"),
        "with --executor ray: most tasks submitted at once (default 0: the CPUs in use)",
    )
    output_format: str = setting(
        "parquet",
        _one_of(*OUTPUT_FORMATS),
        "output file format: parquet (default), jsonl, jsonl.gz or jsonl.zst",
        flag="--format",
    )
    max_shard_mb: float = setting(
        256, _positive_mb, "start a new output file past this many MB of text (default 256)"
    )
    max_record_mb: float = setting(
        10,
        _positive_mb,
        "reject an input record (line, WARC payload, file, Parquet cell) over this many MB (default 10)",
    )
    id_field: str = setting("id", _text, "input field holding the record id (default: id)")
    text_field: str = setting("text", _text, "input field holding the text (default: text)")
    url_field: str = setting("url", _text, "input field holding the page URL (default: url)")
    html: str = setting(
        "auto",
        _one_of("auto", "yes", "no"),
        "is the input text HTML? (default: auto)",
        choices=("auto", "yes", "no"),
    )
    keep_original: bool = setting(
        True, _boolean, "store the text as read beside the cleaned text (default: true)"
    )
    strict: bool = setting(
        False, _boolean, "re-raise a step's exception instead of recording the record as failed"
    )

    @classmethod
    def keys(cls) -> dict[str, str]:
        """Each key with its one-line meaning."""
        return {f.name: f.metadata["doc"] for f in dataclasses.fields(cls)}

    @classmethod
    def check(cls, values: Mapping[str, Any], where: str = "[run]", *, flags: bool = False) -> None:
        """Raise a ConfigError naming the first unknown key or value of the wrong kind (`max_shard_mb = inf`).

        With `flags`, keys are named as the command-line options that set them (`--max-shard-mb`).
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise ConfigError(
                f"{where}: unknown [run] key(s) {', '.join(unknown)}; valid: {', '.join(sorted(fields))}"
            )
        for key, value in values.items():
            expected = fields[key].metadata["check"](value)
            if expected:
                name = flag_of(fields[key]) if flags else key
                raise ConfigError(f"{where}: {name} must be {expected}, found {shown(value)}")

    @classmethod
    def from_layers(cls, *layers: Mapping[str, Any]) -> RunSettings:
        """Settings from the defaults, then each layer on top (a `[run]` table, then the flags);
        a value of None in a layer is a flag that was not given."""
        merged: dict[str, Any] = {}
        for layer in layers:
            merged.update({k: v for k, v in layer.items() if v is not None})
        cls.check(merged)
        return cls(**merged)

    def ray_options(self) -> RayOptions:
        from tamis.execute.ray import RayOptions  # Ray itself is imported only when a run uses it

        return RayOptions(
            task_memory_mb=self.ray_task_memory_mb,
            max_retries=self.ray_max_retries,
            max_in_flight=self.ray_max_in_flight,
        )

    def read_options(self) -> ReadOptions:
        from tamis.read.base import ReadOptions  # the readers import pyarrow; `tamis clean` needs none

        return ReadOptions(
            id_field=self.id_field,
            text_field=self.text_field,
            url_field=self.url_field,
            html=self.html,
            max_record_bytes=self.max_record_bytes,
        )

    @property
    def max_shard_bytes(self) -> int:
        return int(float(self.max_shard_mb) * (1 << 20))

    @property
    def max_record_bytes(self) -> int:
        return int(float(self.max_record_mb) * (1 << 20))


def flag_of(f: dataclasses.Field[Any]) -> str:
    return f.metadata["flag"] or "--" + f.name.replace("_", "-")


def shown(value: Any) -> str:
    """A value as the user wrote it, kept short, with its TOML type."""
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    kind = {str: "text", int: "integer", float: "number", bool: "boolean", list: "array", dict: "table"}
    return f"{kind.get(type(value), type(value).__name__)} {text}"
