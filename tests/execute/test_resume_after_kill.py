"""A run killed with SIGKILL mid-way and re-run gives exactly the outputs of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import foundation_steps  # noqa: F401  (registers the test.* steps in this process too)
from foundation_helpers import rows
from tamis import config as config_mod
from tamis.run import RunRequest, run_request
from tamis.steps import REGISTRY

HERE = Path(__file__).resolve().parent
DRIVER = (
    f"import sys; sys.path[:0] = [{str(HERE.parent)!r}, {str(HERE)!r}]; "
    "import foundation_steps; from tamis.cli import main; main()"
)


def _toml(*steps: str) -> str:
    """A pipeline config from step names; test.min_length gets a limit that rejects some documents."""
    blocks = [
        f'[[steps]]\nuse = "{name}"\n' + ("min_chars = 800\n" if name == "test.min_length" else "")
        for name in steps
    ]
    return "\n".join(blocks)


FILTERS = ("repair.whitespace", "test.length", "test.min_length")
PER_DOC = _toml("repair.unicode", "test.slow", *FILTERS)
WITH_CORPUS_STAGE = _toml("repair.unicode", "test.slow", "test.mark_identical", "test.slow", *FILTERS)
WITH_DEDUP_EXACT = _toml("repair.unicode", "test.slow", "dedup.exact", "test.slow", "repair.whitespace")


def _reference(corpus: Path, cfg: Path, out: Path) -> dict:
    """The uninterrupted run, in this process, one shard after another (without the slow-down)."""
    fast = cfg.with_name("fast-" + cfg.name)
    fast.write_text(cfg.read_text().replace('use = "test.slow"', 'use = "test.slow"\nseconds = 0.0'))
    request = RunRequest(
        [str(corpus / "corpus-*.jsonl")],
        str(out),
        config_mod.load(fast),
        overrides={"executor": "serial"},
        progress=False,
        report=False,
    )
    return run_request(request).stats


def _start(corpus: Path, cfg: Path, out: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-c",
        DRIVER,
        "run",
        "--input",
        str(corpus / "corpus-*.jsonl"),
        "--output",
        str(out),
        "--config",
        str(cfg),
        "--workers",
        "2",
        "--no-report",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _kill_when(
    proc: subprocess.Popen, done: Path, prefix: str, timeout: float = 60, *, group: bool = True
) -> int:
    """SIGKILL the run once a done-marker `prefix*` exists: the whole process group, or only the
    parent (whose workers must then die with it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done.is_dir() and any(p.name.startswith(prefix) for p in done.iterdir()):
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return sum(1 for p in done.iterdir() if p.name.startswith(prefix))
        if proc.poll() is not None:
            pytest.fail(f"run ended before it could be killed: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("no done-marker appeared in time")


def _live_members(pgid: int) -> list[int]:
    """Processes of group `pgid` that still run (zombies waiting to be reaped do not count)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            live.append(int(stat.parent.name))
    return live


def _wait_for_group_to_end(pgid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _live_members(pgid):
            return
        time.sleep(0.02)
    os.killpg(pgid, signal.SIGKILL)
    pytest.fail("worker processes outlived the killed run")


def _outputs(out: Path) -> tuple[list, list, dict[str, bytes]]:
    kept = sorted((r["id"], r["text"]) for r in rows(out / "kept", ["id", "text"]))
    rejected = sorted(
        (r["id"], r["verdict"], r["step"], r["rule"], r["duplicate_of"])
        for r in rows(out / "rejected", ["id", "verdict", "step", "rule", "duplicate_of"])
    )
    files = {
        f"{p.parent.name}/{p.name}": p.read_bytes()
        for sub in ("kept", "rejected")
        for p in (out / sub).iterdir()
    }
    return kept, rejected, files


def _check_same_as_reference(out: Path, ref: Path, ref_stats: dict) -> None:
    kept, rejected, files = _outputs(out)
    ref_kept, ref_rejected, ref_files = _outputs(ref)
    ids = [k[0] for k in kept] + [r[0] for r in rejected]
    assert len(ids) == len(set(ids)), "a record appears twice"
    assert kept == ref_kept
    assert rejected == ref_rejected
    assert not [name for name in files if "/.tmp-" in name]
    # Resumed or not, serial or parallel: the very same bytes (outputs are deterministic).
    assert files == ref_files
    stats = __import__("orjson").loads((out / "stats.json").read_bytes())
    for key in ("input", "kept", "rejected", "duplicates", "failed", "verdicts"):
        assert stats[key] == ref_stats[key], key
    assert stats["input"] == stats["kept"] + stats["rejected"] + stats["duplicates"] + stats["failed"]


def test_resume_per_document_pipeline(generated_corpus: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "per_doc.toml"
    cfg.write_text(PER_DOC)
    ref_stats = _reference(generated_corpus, cfg, tmp_path / "ref")
    assert ref_stats["kept"] and ref_stats["rejected"]  # the comparison below has something to compare

    out = tmp_path / "out"
    proc = _start(generated_corpus, cfg, out)
    n_done = _kill_when(proc, out / "_work" / "done", "s0-", group=False)  # only the parent process
    assert 1 <= n_done < ref_stats["shards"], "killed mid-way"
    _wait_for_group_to_end(proc.pid)  # its workers died with it
    assert not (out / "stats.json").exists()
    rerun = _start(generated_corpus, cfg, out)
    assert rerun.wait(120) == 0, rerun.stderr.read().decode()[-2000:]
    _check_same_as_reference(out, tmp_path / "ref", ref_stats)


def test_resume_with_a_corpus_stage_killed_in_each_segment(generated_corpus: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "corpus.toml"
    cfg.write_text(WITH_CORPUS_STAGE)
    ref_stats = _reference(generated_corpus, cfg, tmp_path / "ref")
    assert (
        ref_stats["duplicates"] > 0
        and ref_stats["corpus_stages"]["reduce0"]["duplicates"] == ref_stats["duplicates"]
    )

    out = tmp_path / "out"
    done = out / "_work" / "done"
    n_first = _kill_when(_start(generated_corpus, cfg, out), done, "s0-")  # during the map phase
    assert 1 <= n_first < ref_stats["shards"]
    n_second = _kill_when(_start(generated_corpus, cfg, out), done, "s1-")  # after the reduce, while applying
    assert 1 <= n_second < ref_stats["shards"] and (done / "reduce0.json").exists()
    final = _start(generated_corpus, cfg, out)
    assert final.wait(120) == 0, final.stderr.read().decode()[-2000:]
    _check_same_as_reference(out, tmp_path / "ref", ref_stats)


@pytest.mark.skipif("dedup.exact" not in REGISTRY.names(), reason="dedup.exact is not registered yet")
def test_resume_with_exact_dedup(generated_corpus: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "dedup.toml"
    cfg.write_text(WITH_DEDUP_EXACT)
    ref_stats = _reference(generated_corpus, cfg, tmp_path / "ref")
    assert ref_stats["duplicates"] > 0
    out = tmp_path / "out"
    n_done = _kill_when(_start(generated_corpus, cfg, out), out / "_work" / "done", "s1-")
    assert 1 <= n_done < ref_stats["shards"]
    rerun = _start(generated_corpus, cfg, out)
    assert rerun.wait(120) == 0, rerun.stderr.read().decode()[-2000:]
    _check_same_as_reference(out, tmp_path / "ref", ref_stats)
