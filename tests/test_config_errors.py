"""Bad configurations and flags end with one clear line and exit 2, never a traceback (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from foundation_helpers import SAMPLES
from tamis.cli import main

pytestmark = pytest.mark.issue(11)

STEP = '[[steps]]\nuse = "repair.unicode"\n'


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('run = "x"\n' + STEP, "`run` must be the table [run] of settings, found text 'x'"),
        ('steps = ["repair.unicode"]\n', "each step is a table"),
        ("steps = [1]\n", 'each step is a table, [[steps]] with use = "<step name>", found integer 1'),
        ("[[steps]]\nuse = 5\n", "`use` names a step as text"),
        ('[[steps]]\nuse = "x@zzz"\n', "a pinned version is a whole number"),
        ('[[steps]]\nuse = "repair.unicode@1"\nversion = "one"\n', "a pinned version is a whole number"),
        ('[[steps]]\nuse = "repair.unicode"\nversion = "one"\n', "version must be a whole number"),
        (
            "[run]\nmax_shard_mb = inf\n" + STEP,
            "max_shard_mb must be a positive number of MB, found number inf",
        ),
        ("[run]\nmax_shard_mb = -1\n" + STEP, "max_shard_mb must be a positive number"),
        ("[run]\nmax_record_mb = nan\n" + STEP, "max_record_mb must be a positive number"),
        ("[run]\nmax_record_mb = 1e300\n" + STEP, "at most 1000000"),
        ('[run]\nhtml = "maybe"\n' + STEP, "html must be 'auto' | 'yes' | 'no'"),
        ('[run]\nkeep_original = "no"\n' + STEP, "keep_original must be true or false"),
        ("[run]\ntext_field = 3\n" + STEP, "text_field must be non-empty text"),
        ("[run]\nworkers = 1000000000\n" + STEP, "workers must be a whole number from 0 to 4096"),
        ('[[steps]]\nuse = "repair.glued_words"\nmin_part_zipf = "high"\n', "min_part_zipf must be a number"),
        ('[[steps]]\nuse = "repair.unicode"\nunescape_html = 1\n', "unescape_html must be true or false"),
        ('[[steps]]\nuse = "repair.unicode"\nnormalization = 5\n', "normalization must be text"),
    ],
)
def test_bad_config_file_is_one_line_and_exit_2(tmp_path: Path, toml: str, expected: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(toml, "utf-8")
    result = CliRunner().invoke(
        main, ["run", "--input", str(SAMPLES), "--output", str(tmp_path / "out"), "--config", str(config)]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tamis: {config}") and expected in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_a_utf16_config_file_says_so(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_bytes(STEP.encode("utf-16"))
    result = CliRunner().invoke(main, ["clean", "--config", str(config), "-"], input="Grüße")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "is not UTF-8 text (it looks like UTF-16)" in line and "save it as UTF-8" in line


@pytest.mark.parametrize(
    ("flag", "value"), [("--max-shard-mb", "inf"), ("--max-record-mb", "nan"), ("--max-record-mb", "0")]
)
def test_bad_size_flag_is_one_line_and_exit_2(tmp_path: Path, flag: str, value: str) -> None:
    result = CliRunner().invoke(
        main, ["run", "--input", str(SAMPLES), "--output", str(tmp_path / "out"), flag, value]
    )
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"tamis: command line: {flag} must be a positive number of MB")


def test_a_config_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_bytes(STEP.encode("utf-8-sig"))
    result = CliRunner().invoke(main, ["clean", "--config", str(config), "-"], input="Grüße aus Köln")
    assert result.exit_code == 0 and "Grüße aus Köln" in result.stdout


def test_clean_refuses_a_document_over_the_size_limit() -> None:
    result = CliRunner().invoke(main, ["clean", "--max-record-mb", "0.01", "-"], input="x" * 20_000)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("tamis: stdin holds more than 0.01 MB")
