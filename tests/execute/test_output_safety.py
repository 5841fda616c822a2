"""What `tamis run` may write, delete and resume (issue 11): the lock on --output, the folder
tamis marks as its own, inputs changed in place, output inside the input, deep meta, and
output folders that cannot be written or read."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

import foundation_steps  # noqa: F401  (registers the test.* steps in this process too)
from foundation_helpers import rows
from tamis.cli import main
from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.write.output_folder import claim_output

pytestmark = pytest.mark.issue(11)

HERE = Path(__file__).resolve().parent
DRIVER = (
    f"import sys; sys.path[:0] = [{str(HERE.parent)!r}, {str(HERE)!r}]; "
    "import foundation_steps, test_output_safety; from tamis.cli import main; main()"
)
FAST = '[[steps]]\nuse = "repair.whitespace"\n'


@register("test.wait_for_gate", version=1)
@dataclass(frozen=True)
class WaitForGate(Repair):
    """Hold every document until the file `gate` exists: a run that lasts exactly as long as a test needs."""

    gate: str = ""

    def repair(self, text: str, doc: Document) -> Repaired:
        deadline = time.monotonic() + 120
        while not os.path.exists(self.gate) and time.monotonic() < deadline:
            time.sleep(0.01)
        return Repaired(text)


def _gated(tmp_path: Path) -> tuple[str, Path]:
    """A config whose run waits at its first document until the returned gate file is created."""
    gate = tmp_path / "gate"
    return _config(tmp_path, f'[[steps]]\nuse = "test.wait_for_gate"\ngate = "{gate}"\n' + FAST), gate


def _corpus(folder: Path, files: int = 4, per_file: int = 50) -> Path:
    """`files` JSONL files of `per_file` made-up records each."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lines = [
            orjson.dumps({"id": f"f{f}-{i}", "text": f"Record {i} of file {f}.  It has  some spaces."})
            for i in range(per_file)
        ]
        (folder / f"part-{f}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


def _config(tmp_path: Path, text: str = FAST) -> str:
    path = tmp_path / "pipeline.toml"
    path.write_text(text)
    return str(path)


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def _one_line(result, code: int = 2) -> str:
    """The single `tamis: ` line of a refused command."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tamis: "), result.stderr
    return lines[0]


def _run_args(inp: Path | str, out: Path | str, cfg: str, *extra: str) -> list[str]:
    return ["run", "--input", str(inp), "--output", str(out), "--config", cfg, "--no-report", *extra]


def _on_disk(out: Path) -> tuple[int, int]:
    return len(rows(out / "kept", ["id"])), len(rows(out / "rejected", ["id"]))


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- 1. one run per output folder


def test_a_second_run_on_the_same_output_is_refused_and_names_the_first(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=6, per_file=20)
    out = tmp_path / "out"
    cfg, gate = _gated(tmp_path)  # the first run holds the folder until the test opens the gate
    cmd = [sys.executable, "-c", DRIVER, *_run_args(inp, out, cfg, "--workers", "2")]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    lock = out / "_work" / "lock"
    deadline = time.monotonic() + 60
    while not (lock.is_file() and lock.stat().st_size):
        assert first.poll() is None, first.stderr.read().decode()
        assert time.monotonic() < deadline, "the first run took no lock"
        time.sleep(0.01)
    second = subprocess.run(cmd, capture_output=True, text=True, check=False)
    gate.touch()
    assert first.wait(120) == 0, first.stderr.read().decode()[-2000:]
    assert second.returncode == 2, second.stderr
    line = second.stderr.strip()
    assert "\n" not in line and line.startswith("tamis: ")
    assert f"pid {first.pid}" in line and socket.gethostname() in line and "since" in line, line
    assert _on_disk(out) == (120, 0)  # nothing lost, nothing doubled
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["input"] == stats["kept"] == 120


def test_the_lock_is_taken_before_overwrite_deletes_anything(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=1, per_file=5)
    out = tmp_path / "out"
    cfg = _config(tmp_path)
    assert _invoke(*_run_args(inp, out, cfg)).exit_code == 0
    before = _tree(out)
    with claim_output(out, overwrite=False, command="a test"):
        line = _one_line(_invoke(*_run_args(inp, out, cfg, "--overwrite")))
        assert f"a test, pid {os.getpid()} on {socket.gethostname()} since" in line, line
        assert _one_line(_invoke("report", str(out))) == line
    assert _tree(out) == {**before, "_work/lock": _tree(out)["_work/lock"]}
    assert _invoke(*_run_args(inp, out, cfg, "--overwrite")).exit_code == 0  # the lock died with its holder


def test_end_of_run_accounting_counts_the_rows_on_disk(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=2, per_file=20)
    out = tmp_path / "out"
    assert _invoke(*_run_args(inp, out, _config(tmp_path), "--executor", "serial")).exit_code == 0
    (next((out / "kept").glob("part-00000-*"))).unlink()  # lost after its task was marked done
    again = _invoke(*_run_args(inp, out, _config(tmp_path), "--executor", "serial"))
    line = _one_line(again, code=3)
    assert "kept/ holds 20 rows" in line and "40" in line, line


# ---------------------------------------------------------------- 2. only a folder tamis marked is its own


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_with_a_stats_json_is_not_taken_for_a_run(tmp_path: Path, overwrite: bool) -> None:
    mine = _corpus(tmp_path / "mine", files=2, per_file=5)
    (mine / "stats.json").write_text('{"my": "numbers"}')
    before = _tree(mine)
    extra = ["--overwrite"] if overwrite else []
    result = _invoke(*_run_args(mine / "part-0.jsonl", mine, _config(tmp_path), *extra))
    assert "holds no tamis run" in _one_line(result)
    assert _tree(mine) == before


def test_overwrite_deletes_only_what_tamis_wrote(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=2, per_file=5)
    out = tmp_path / "out"
    cfg = _config(tmp_path)
    assert _invoke(*_run_args(inp, out, cfg, "--executor", "serial")).exit_code == 0
    (out / "notes.txt").write_text("mine")
    (out / "kept" / "my-sample.txt").write_text("mine too\n")  # not a row of the output
    redone = _invoke(*_run_args(inp, out, cfg, "--executor", "serial", "--overwrite"))
    assert redone.exit_code == 0, redone.output
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "kept" / "my-sample.txt").read_text() == "mine too\n"
    assert _on_disk(out) == (10, 0)


def test_a_run_from_before_the_marker_is_still_recognised(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=1, per_file=5)
    out = tmp_path / "out"
    cfg = _config(tmp_path)
    assert _invoke(*_run_args(inp, out, cfg)).exit_code == 0
    (out / "_tamis.json").unlink()  # as an earlier tamis left it: _work/manifest.json, no marker
    assert _invoke(*_run_args(inp, out, cfg)).exit_code == 0
    assert (out / "_tamis.json").is_file()


# ---------------------------------------------------------------- 6. an input edited in place


def test_an_input_edited_in_place_with_the_same_size_is_noticed(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=2, per_file=5)
    out = tmp_path / "out"
    cfg = _config(tmp_path)
    assert _invoke(*_run_args(inp, out, cfg)).exit_code == 0
    edited = inp / "part-1.jsonl"
    data = edited.read_bytes()
    stamp = edited.stat()
    edited.write_bytes(data.replace(b"Record 3 ", b"Record 9 "))
    assert edited.stat().st_size == stamp.st_size
    os.utime(edited, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    line = _one_line(_invoke(*_run_args(inp, out, cfg)))
    assert "part-1.jsonl" in line and "changed" in line and "--overwrite" in line, line
    redone = _invoke(*_run_args(inp, out, cfg, "--overwrite"))
    assert redone.exit_code == 0
    assert any(r["text"].startswith("Record 9 of file 1.") for r in rows(out / "kept", ["text"]))


# ---------------------------------------------------------------- 7. --output inside the input folder


def test_output_inside_the_input_folder_is_never_read_as_input(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=3, per_file=4)
    out = inp / "cleaned"
    args = _run_args(inp, out, _config(tmp_path), "--format", "jsonl", "--executor", "serial")
    assert _invoke(*args).exit_code == 0
    again = _invoke(*args)  # a finished run, run again: the same inputs, nothing redone
    assert again.exit_code == 0, again.output
    redone = _invoke(*args, "--overwrite")
    assert redone.exit_code == 0, redone.output
    stats = orjson.loads((out / "stats.json").read_bytes())
    assert stats["shards"] == 3 and stats["input"] == 12


def test_a_killed_run_with_its_output_inside_the_input_folder_resumes(tmp_path: Path) -> None:
    from test_resume_after_kill import _kill_when

    inp = _corpus(tmp_path / "in", files=6, per_file=30)
    reference = _invoke(*_run_args(inp, tmp_path / "ref", _config(tmp_path), "--executor", "serial"))
    assert reference.exit_code == 0, reference.output
    out = inp / "cleaned"
    slow = tmp_path / "slow.toml"  # the same outputs, slowly enough to be killed
    slow.write_text('[[steps]]\nuse = "test.slow"\nseconds = 0.01\n' + FAST)
    cmd = [sys.executable, "-c", DRIVER, *_run_args(inp, out, str(slow), "--workers", "2")]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert 1 <= _kill_when(first, out / "_work" / "done", "s0-") < 6
    resumed = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    for sub in ("kept", "rejected"):
        assert _tree(out / sub) == _tree(tmp_path / "ref" / sub)
    assert orjson.loads((out / "stats.json").read_bytes())["input"] == 180


# ---------------------------------------------------------------- 8. meta nested 300 levels deep


@pytest.mark.parametrize("depth", [252, 300])  # 252: meta (254 levels) fits orjson, its JSONL row did not
def test_deeply_nested_meta_is_written_and_rereads(tmp_path: Path, depth: int) -> None:
    # Written by hand: orjson (and so the writer before issue 11) stops at 255 levels.
    nested = "".join(f'{{"level{d}":' for d in range(depth)) + '{"leaf":"bottom"}' + "}" * depth
    inp = tmp_path / "in"
    inp.mkdir()
    deep = '{"id":"deep","text":"A deep record.","extra":' + nested + "}"
    (inp / "a.jsonl").write_text(deep + '\n{"id":"flat","text":"Flat."}\n')
    for fmt in ("parquet", "jsonl.gz"):
        out = tmp_path / fmt
        result = _invoke(*_run_args(inp, out, _config(tmp_path), "--format", fmt))
        assert result.exit_code == 0, result.output
        explained = _invoke("explain", str(out), "deep")
        assert explained.exit_code == 0 and "verdict: kept" in explained.stdout
    meta = orjson.loads(rows(tmp_path / "parquet" / "kept", ["id", "meta"])[0]["meta"])
    inner = meta["extra"]
    while isinstance(inner, dict) and "leaf" not in inner:
        (inner,) = inner.values()
    if depth == 252:
        assert inner == {"leaf": "bottom"}  # within the limit: stored as it was
        return
    levels = inner.count('{"level')  # the deepest levels, kept as exact JSON text
    assert 0 < levels < depth
    expected = "".join(f'{{"level{d}":' for d in range(depth - levels, depth)) + '{"leaf":"bottom"}'
    assert inner == expected + "}" * levels


# ---------------------------------------------------------------- 10. output folders that cannot be used


def test_an_output_url_of_an_unknown_file_system_is_refused_without_creating_a_local_folder(
    tmp_path: Path,
) -> None:
    # A URL is never a local path (`s3://b/out` once became the folder `s3:/b/out`); object
    # stores themselves are tested in tests/write/test_object_store_output.py.
    inp = _corpus(tmp_path / "in", files=1, per_file=3)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        line = _one_line(_invoke(*_run_args(inp, "nosuchfs://bucket/out", _config(tmp_path))))
    finally:
        os.chdir(here)
    assert line.startswith("tamis: cannot open --output 'nosuchfs://bucket/out'")
    assert not (tmp_path / "nosuchfs:").exists()


def _mount_tmpfs(where: Path, size: str, *options: str) -> bool:
    """Mount a small tmpfs (root only); False where this system does not let us."""
    where.mkdir(parents=True, exist_ok=True)
    opts = ",".join((f"size={size}", *options))
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], capture_output=True)
    return proc.returncode == 0


def test_an_existing_unwritable_output_folder_is_one_line(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=1, per_file=3)
    out = tmp_path / "readonly"
    if os.geteuid() != 0:
        out.mkdir()
        out.chmod(0o555)
    elif not _mount_tmpfs(out, "1m", "ro"):
        pytest.skip("cannot make a read-only folder here (root without mount)")
    try:
        line = _one_line(_invoke(*_run_args(inp, out, _config(tmp_path))))
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(out)], check=False)
    assert "cannot write" in line and str(out) in line, line


def _fsize_limit(limit: int):
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


@pytest.mark.parametrize("how", ["tmpfs", "file_size_limit"])
def test_disk_full_is_one_line_and_the_run_resumes(tmp_path: Path, how: str) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    for f in range(3):  # ~150 KB of text per file; poorly compressible, so outputs are big too
        text = " ".join(f"{f}w{(i * 7919) % 100003:x}" for i in range(20_000))
        records = [{"id": f"f{f}-{i}", "text": f"{i} {text[i * 3000 : (i + 1) * 3000]}"} for i in range(50)]
        (inp / f"in-{f}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    out = tmp_path / "disk" / "out"
    preexec = None
    if how == "tmpfs":
        if os.geteuid() != 0 or not _mount_tmpfs(out.parent, "400k"):
            pytest.skip("cannot mount a small tmpfs here")
    else:
        out.parent.mkdir()
        preexec = _fsize_limit(200_000)  # a file may not grow past 200 KB: writes fail with EFBIG
    cfg = _config(tmp_path)
    cmd = [sys.executable, "-c", DRIVER, *_run_args(inp, out, cfg, "--format", "jsonl", "--workers", "2")]
    try:
        full = subprocess.run(cmd, capture_output=True, text=True, check=False, preexec_fn=preexec)
        assert full.returncode == 1, full.stderr
        line = full.stderr.strip()
        assert "\n" not in line and "Traceback" not in line, full.stderr[-3000:]
        assert line.startswith("tamis: ") and "re-run the same command" in line, line
        saved = tmp_path / "saved"
        shutil.copytree(out, saved)  # what the full disk held, moved to where there is room
    finally:
        if how == "tmpfs":
            subprocess.run(["umount", str(out.parent)], check=False)
    resumed = subprocess.run(
        [sys.executable, "-c", DRIVER, *_run_args(inp, saved, cfg, "--format", "jsonl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    reference = _invoke(*_run_args(inp, tmp_path / "ref", cfg, "--format", "jsonl"))
    assert reference.exit_code == 0
    assert _tree(saved / "kept") == _tree(tmp_path / "ref" / "kept")
    assert orjson.loads((saved / "stats.json").read_bytes())["kept"] == 150


@pytest.mark.parametrize(
    "damage",
    ["stats_not_json", "stats_not_an_object", "stats_missing_keys", "kept_file_garbage", "rejected_cut"],
)
def test_a_damaged_output_folder_is_one_line_in_stats_report_and_explain(tmp_path: Path, damage: str) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    records = [{"id": f"d{i}", "text": f"Text {i}." if i % 3 else ""} for i in range(30)]
    (inp / "a.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    out = tmp_path / "out"
    assert _invoke(*_run_args(inp, out, _config(tmp_path))).exit_code == 0
    stats_path = out / "stats.json"
    if damage == "stats_not_json":
        stats_path.write_bytes(stats_path.read_bytes()[:40])
    elif damage == "stats_not_an_object":
        stats_path.write_text("[1, 2]")
    elif damage == "stats_missing_keys":
        stats_path.write_text('{"input": 3}')
    elif damage == "kept_file_garbage":
        next((out / "kept").iterdir()).write_bytes(b"PAR1 not really parquet")
    else:
        path = next((out / "rejected").iterdir())
        path.write_bytes(path.read_bytes()[:-100])
    # Which command reads what: stats reads stats.json; report reads it and both folders;
    # explain reads kept/ first (d7 is kept) and rejected/ only when the id is not there.
    failing = {
        "stats_not_json": {"stats", "report"},
        "stats_not_an_object": {"stats", "report"},
        "stats_missing_keys": {"stats", "report"},
        "kept_file_garbage": {"report", "explain"},
        "rejected_cut": {"report"},
    }[damage]
    for args in (["stats", str(out)], ["report", str(out)], ["explain", str(out), "d7"]):
        result = _invoke(*args)
        if args[0] in failing:
            assert "damaged" in _one_line(result), (args, result.stderr)
        else:
            assert result.exit_code == 0, (args, result.output)


def test_an_input_written_to_during_the_run_is_noticed(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=2, per_file=12)
    out = tmp_path / "out"
    cfg, gate = _gated(tmp_path)
    cmd = [sys.executable, "-c", DRIVER, *_run_args(inp, out, cfg, "--executor", "serial")]
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / "_work" / "manifest.json").is_file():
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read()
        time.sleep(0.01)
    with (inp / "part-1.jsonl").open("ab") as fh:  # a crawler still appending to its output
        fh.write(orjson.dumps({"id": "late", "text": "Appended while the run read."}) + b"\n")
    gate.touch()
    assert run.wait(60) == 2
    line = run.stderr.read().strip()
    assert "\n" not in line and "part-1.jsonl" in line and "changed while this run read it" in line, line


def test_ctrl_c_is_one_line_and_the_run_resumes(tmp_path: Path) -> None:
    inp = _corpus(tmp_path / "in", files=3, per_file=10)
    out = tmp_path / "out"
    cfg, gate = _gated(tmp_path)
    cmd = [sys.executable, "-c", DRIVER, *_run_args(inp, out, cfg, "--workers", "2")]
    run = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not (out / "_work" / "manifest.json").is_file():
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read()
        time.sleep(0.01)
    time.sleep(0.3)  # the workers are waiting at the gate
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
    assert run.wait(60) == 130
    line = run.stderr.read().strip()
    assert line == "tamis: interrupted; finished shards are kept: re-run the same command to resume"
    gate.touch()
    assert _invoke(*_run_args(inp, out, cfg)).exit_code == 0
    assert _on_disk(out) == (30, 0)
