"""The command line: demo, run, stats, explain, clean; clear errors and exit codes; resume; progress bar."""

from __future__ import annotations

import fcntl
import gzip
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from foundation_helpers import SAMPLES, rows
from tamis.cli import main
from tamis.document import Document, Edit, replay
from tamis.steps import CorpusStage, register

COUNT_KEYS = ("input", "kept", "rejected", "duplicates", "failed")


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_demo_end_to_end(demo_output: Path) -> None:
    stdout = (demo_output.parent / "stdout.txt").read_text("utf-8")
    stats = orjson.loads((demo_output / "stats.json").read_bytes())
    assert stdout.startswith(f"input {stats['input']}  kept {stats['kept']}")
    assert "The motivating page, cleaned" in stdout and "Putin" in stdout
    assert stats["input"] == 47  # 43 records + 3 broken lines + the seed page
    assert stats["input"] == sum(stats[k] for k in COUNT_KEYS[1:])
    assert {"read", "repair.unicode", "repair.whitespace"} <= set(stats["steps"])
    assert stats["verdicts"]["read:malformed_json"] == 1
    assert {p.name for p in demo_output.iterdir()} >= {
        "kept",
        "rejected",
        "stats.json",
        "report.html",
        "_work",
    }
    assert len(rows(demo_output / "kept")) == stats["kept"]
    assert len(rows(demo_output / "rejected")) == stats["rejected"] + stats["duplicates"] + stats["failed"]


def test_run_on_the_bundled_sample(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _invoke("run", "--input", str(SAMPLES), "--output", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert f"output: {out}/kept" in result.stdout
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["shards"] == 3
    assert set(COUNT_KEYS) <= set(stats) and set(stats["steps"]) >= {"read", "repair.unicode"}
    for s in stats["steps"].values():
        assert set(s) == {"docs", "changed", "rejected", "duplicates", "failed", "seconds", "rules"}
    kept_files = sorted((out / "kept").iterdir())
    assert [p.name for p in kept_files] == [f"part-{i:05d}-000.parquet" for i in range(3)]
    kept_schema = pq.read_schema(kept_files[0])
    assert {"id", "text", "source", "annotations", "edits", "original"} <= set(kept_schema.names)
    rejected_schema = pq.read_schema(next((out / "rejected").iterdir()))
    assert {"verdict", "step", "rule", "value", "threshold", "duplicate_of", "similarity"} <= set(
        rejected_schema.names
    )
    assert (out / "report.html").is_file()


def test_jsonl_output_and_rerun_of_a_finished_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "run",
        "--input",
        str(SAMPLES / "web-00.jsonl"),
        "--output",
        str(out),
        "--format",
        "jsonl.gz",
        "--executor",
        "serial",
        "--no-report",
    ]
    assert _invoke(*args).exit_code == 0
    assert not (out / "report.html").exists()
    files = {p.name: p.read_bytes() for p in (out / "kept").iterdir()}
    assert list(files) == ["part-00000-000.jsonl.gz"]
    first = orjson.loads((out / "stats.json").read_bytes())
    again = _invoke(*args)  # everything is done: nothing is redone, nothing is duplicated
    assert again.exit_code == 0
    assert {p.name: p.read_bytes() for p in (out / "kept").iterdir()} == files
    second = orjson.loads((out / "stats.json").read_bytes())
    assert {k: second[k] for k in COUNT_KEYS} == {k: first[k] for k in COUNT_KEYS}
    explained = _invoke("explain", str(out), "web-00.jsonl:5")  # the broken line, in rejected/*.jsonl.gz
    assert explained.exit_code == 0 and "malformed_json" in explained.stdout
    kept_id = orjson.loads(gzip.decompress(files["part-00000-000.jsonl.gz"]).splitlines()[0])["id"]
    assert _invoke("explain", str(out), kept_id).stdout.rstrip().endswith("verdict: kept")
    report = _invoke("report", str(out))
    assert report.exit_code == 0 and (out / "report.html").is_file()
    assert _invoke("report", str(out / "nope")).exit_code == 2


def _bad_toml(tmp_path: Path, text: str) -> str:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing_input", "does not exist"),
        ("no_readable_files", "no readable files"),
        ("missing_config", "config file"),
        ("unknown_step", "unknown step 'repair.nope'; registered steps are:"),
        ("unknown_parameter", "has no parameter colour; valid: normalization"),
        ("invalid_toml", "is not valid TOML"),
        ("bad_run_setting", "workers must be a whole number"),
        ("unknown_run_key", "unknown [run] key(s) speed"),
        ("bad_format", "--format must be 'parquet' | 'jsonl' | 'jsonl.gz' | 'jsonl.zst', found text 'csv'"),
        ("output_is_a_file", "exists and is not a folder"),
        ("output_not_a_run", "non-empty folder that holds no tamis run"),
    ],
)
def test_bad_path_or_config_is_one_line_and_exit_2(tmp_path: Path, case: str, expected: str) -> None:
    inp, out = str(SAMPLES), str(tmp_path / "out")
    extra: list[str] = []
    if case == "missing_input":
        inp = str(tmp_path / "nope")
    elif case == "no_readable_files":
        (tmp_path / "docs").mkdir()
        (tmp_path / "docs" / "a.pdf").write_bytes(b"%PDF")
        inp = str(tmp_path / "docs")
    elif case == "missing_config":
        extra = ["--config", str(tmp_path / "nope.toml")]
    elif case == "unknown_step":
        extra = ["--config", _bad_toml(tmp_path, '[[steps]]\nuse = "repair.nope"\n')]
    elif case == "unknown_parameter":
        extra = ["--config", _bad_toml(tmp_path, '[[steps]]\nuse = "repair.unicode"\ncolour = 1\n')]
    elif case == "invalid_toml":
        extra = ["--config", _bad_toml(tmp_path, "[[steps]\n")]
    elif case == "bad_run_setting":
        extra = [
            "--config",
            _bad_toml(tmp_path, '[run]\nworkers = "many"\n[[steps]]\nuse = "repair.unicode"\n'),
        ]
    elif case == "unknown_run_key":
        extra = ["--config", _bad_toml(tmp_path, '[run]\nspeed = 3\n[[steps]]\nuse = "repair.unicode"\n')]
    elif case == "bad_format":
        extra = ["--format", "csv"]
    elif case == "output_is_a_file":
        Path(out).write_text("x")
    elif case == "output_not_a_run":
        Path(out).mkdir()
        (Path(out) / "thesis.tex").write_text("precious")
    result = _invoke("run", "--input", inp, "--output", out, *extra)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tamis: ") and expected in lines[0], result.stderr
    if case == "output_not_a_run":
        assert (Path(out) / "thesis.tex").read_text() == "precious"


def test_exit_code_and_stderr_of_the_installed_command(tmp_path: Path) -> None:
    tamis = Path(sys.executable).with_name("tamis")
    proc = subprocess.run(
        [str(tamis), "run", "--input", str(tmp_path / "missing"), "--output", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"tamis: input {str(tmp_path / 'missing')!r} does not exist\n"
    assert proc.stdout == ""


def test_changed_pipeline_needs_overwrite(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    base = [
        "run",
        "--input",
        str(SAMPLES / "web-01.jsonl"),
        "--output",
        out,
        "--executor",
        "serial",
        "--no-report",
    ]
    one = _bad_toml(tmp_path, '[[steps]]\nuse = "repair.whitespace"\n')
    assert _invoke(*base, "--config", one).exit_code == 0
    two = tmp_path / "two.toml"
    two.write_text('[[steps]]\nuse = "repair.unicode"\n[[steps]]\nuse = "repair.whitespace"\n')
    refused = _invoke(*base, "--config", str(two))
    assert (
        refused.exit_code == 2 and "different pipeline" in refused.stderr and "--overwrite" in refused.stderr
    )
    redone = _invoke(*base, "--config", str(two), "--overwrite")
    assert redone.exit_code == 0, redone.output
    stats = orjson.loads((Path(out) / "stats.json").read_bytes())
    assert stats["pipeline"] == ["repair.unicode@1", "repair.whitespace@1"]


@register("test.drop_one", version=1)
@dataclass(frozen=True)
class DropOne(CorpusStage):
    """A broken corpus stage that loses a document (to prove the run notices)."""

    def map_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> None:
        pass

    def reduce(self, work_dir: Path, workers: int) -> dict:
        return {}

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        return list(docs[1:])


def test_accounting_mismatch_is_exit_3(tmp_path: Path) -> None:
    cfg = _bad_toml(tmp_path, '[[steps]]\nuse = "repair.whitespace"\n[[steps]]\nuse = "test.drop_one"\n')
    result = _invoke(
        "run",
        "--input",
        str(SAMPLES / "web-00.jsonl"),
        "--output",
        str(tmp_path / "o"),
        "--config",
        cfg,
        "--executor",
        "serial",
    )
    assert result.exit_code == 3
    assert result.stderr.startswith("tamis: corpus stage test.drop_one returned")


def test_stats_command(demo_output: Path, tmp_path: Path) -> None:
    stats = orjson.loads((demo_output / "stats.json").read_bytes())
    result = _invoke("stats", str(demo_output))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"input {stats['input']}  kept {stats['kept']}  rejected {stats['rejected']}")
    read_line = next(line for line in lines if line.startswith("read "))
    assert read_line.split()[1:4] == [str(stats["input"]), "0", str(stats["steps"]["read"]["rejected"])]
    assert any(line.strip().startswith("malformed_json") for line in lines)
    as_json = _invoke("stats", str(demo_output), "--json")
    assert orjson.loads(as_json.stdout) == stats
    missing = _invoke("stats", str(tmp_path))
    assert missing.exit_code == 2 and "holds no stats.json" in missing.stderr


def test_explain_command(demo_output: Path) -> None:
    kept = rows(demo_output / "kept", ["id", "edits"])
    edited = next(r for r in kept if r["edits"])
    out = _invoke("explain", str(demo_output), edited["id"])
    assert out.exit_code == 0
    assert out.stdout.startswith(f"document {edited['id']}") and out.stdout.rstrip().endswith("verdict: kept")
    assert f"[{edited['edits'][0]['step']}]" in out.stdout and edited["edits"][0]["rule"] in out.stdout

    broken = _invoke("explain", str(demo_output), "no-text")
    assert broken.exit_code == 0
    assert "verdict: rejected by read" in broken.stdout and "missing_text_field" in broken.stdout

    unknown = _invoke("explain", str(demo_output), "no-such-id")
    assert unknown.exit_code == 2 and "no document 'no-such-id'" in unknown.stderr


def test_clean_json_from_stdin() -> None:
    text = "Erste Zeile  mit   Leerraum.\n\n\n\nZweiter Absatz, der etwas länger ist als der erste.   \n"
    result = CliRunner().invoke(
        main, ["clean", "-", "--format", "json", "--config", str(_whitespace_only())], input=text
    )
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert set(data) >= {"title", "text", "blocks", "captions", "language", "edits", "annotations", "verdict"}
    assert data["text"] == "Erste Zeile mit Leerraum.\n\nZweiter Absatz, der etwas länger ist als der erste."
    assert {e["rule"] for e in data["edits"]} == {"space_run", "blank_lines", "trailing_space", "edge_space"}
    # the edit fields of the Parquet outputs, and they replay the input into the text
    assert all(
        set(e) == {"step", "rule", "start", "end", "removed", "inserted", "evidence"} for e in data["edits"]
    )
    assert replay(text, [Edit(**e) for e in data["edits"]]) == data["text"]
    assert data["verdict"] is None
    assert [b["type"] for b in data["blocks"]] == ["paragraph", "paragraph"]


def _whitespace_only() -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "ws.toml"
    path.write_text('[[steps]]\nuse = "repair.whitespace"\n')
    return path


def _run_on_terminal(args: list[str]) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal; returns the exit code and what the terminal showed."""
    tamis = Path(sys.executable).with_name("tamis")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a 120-column terminal
    proc = subprocess.Popen([str(tamis), *args], stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(), shown.decode("utf-8", "replace")


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    cfg = _bad_toml(tmp_path, '[[steps]]\nuse = "repair.unicode"\n')
    args = [
        "run",
        "--input",
        str(SAMPLES),
        "--output",
        str(tmp_path / "tty"),
        "--config",
        cfg,
        "--workers",
        "2",
        "--no-report",
    ]
    code, shown = _run_on_terminal(args)
    assert code == 0
    assert "stage 1/1" in shown and "docs=" in shown and "/s" in shown and "100%" in shown
    piped = _invoke("run", "--input", str(SAMPLES), "--output", str(tmp_path / "pipe"), "--config", cfg)
    assert piped.exit_code == 0 and "stage 1/1" not in piped.stderr and piped.stderr == ""


def test_steps_command_lists_registered_steps_and_rules() -> None:
    plain = _invoke("steps")
    assert plain.exit_code == 0
    assert "repair.whitespace@1  Collapse runs of spaces" in plain.stdout
    with_rules = _invoke("steps", "--rules")
    lines = with_rules.stdout.splitlines()
    at = lines.index(next(line for line in lines if line.startswith("repair.whitespace@1")))
    assert lines[at + 1].split()[0] == "trailing_space" and "spaces at the end of a line" in lines[at + 1]
