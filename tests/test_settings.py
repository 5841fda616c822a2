"""Run settings have one home: the [run] table, the flags and the Python API read RunSettings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from tamis.cli import main, run
from tamis.document import Document
from tamis.read.base import ReadOptions
from tamis.settings import RunSettings, flag_of
from tamis.steps import Repair, Repaired, register


@register("test.raises_on_digits", version=1)
@dataclass(frozen=True)
class RaisesOnDigits(Repair):
    """Raise on a document with a digit (a stand-in for a bug in a step)."""

    def repair(self, text: str, doc: Document) -> Repaired:
        if any(ch.isdigit() for ch in text):
            raise RuntimeError("cannot handle digits")
        return Repaired(text)


def test_a_flag_overrides_the_run_table_which_overrides_the_default() -> None:
    settings = RunSettings.from_layers({"workers": 3, "html": "no"}, {"workers": 1, "html": None})
    assert settings == dataclasses.replace(RunSettings(), workers=1, html="no")
    assert RunSettings().read_options() == ReadOptions()  # the readers' defaults are the settings'


def test_every_run_setting_is_a_flag_of_tamis_run() -> None:
    flags = {opt for param in run.params for opt in (*param.opts, *param.secondary_opts)}
    assert {flag_of(f) for f in dataclasses.fields(RunSettings)} <= flags
    assert "--no-keep-original" in flags


@pytest.mark.parametrize("how", ["none", "flag", "run_table"])
def test_strict_reaches_the_steps_from_the_flag_or_the_run_table(tmp_path: Path, how: str) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(orjson.dumps({"id": "a", "text": "Seite 2 von 3"}) + b"\n")
    config = tmp_path / "c.toml"
    run_table = "[run]\nstrict = true\n" if how == "run_table" else ""
    config.write_text(run_table + '[[steps]]\nuse = "test.raises_on_digits"\n', "utf-8")
    args = ["run", "--input", str(inp), "--output", str(tmp_path / "out"), "--config", str(config)]
    result = CliRunner().invoke(
        main, [*args, "--executor", "serial", *(["--strict"] if how == "flag" else [])]
    )
    if how == "none":
        assert result.exit_code == 0 and "failed 1" in result.stdout
    else:
        assert isinstance(result.exception, RuntimeError) and "cannot handle digits" in str(result.exception)
