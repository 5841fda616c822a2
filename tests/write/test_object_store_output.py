"""`tamis run --output s3://…` on a real S3 server (SeaweedFS): the same rows as a local --output,
under the same layout, published with a done-marker; a killed run resumes; a foreign prefix is
refused with one line (issue 14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from foundation_helpers import SAMPLES, rows
from object_store import ObjectStore

pytestmark = [pytest.mark.object_store, pytest.mark.issue(14)]

STEPS = ("extract.html", "filter.empty_text", "repair.unicode", "dedup.exact", "repair.whitespace")


def _tamis(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    tamis = Path(sys.executable).with_name("tamis")
    return subprocess.run(
        [str(tamis), *args], capture_output=True, text=True, env=env, check=False, timeout=300
    )


def _env(object_store: ObjectStore, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, **object_store.env(), "TAMIS_SCRATCH": str(tmp_path / "scratch")}


def _download(object_store: ObjectStore, prefix: str, into: Path) -> Path:
    object_store.filesystem().get(f"{prefix}/", str(into) + "/", recursive=True)
    return into


def test_an_s3_output_holds_the_rows_and_layout_of_a_local_output(
    object_store: ObjectStore, tmp_path: Path
) -> None:
    config = tmp_path / "steps.toml"
    config.write_text("".join(f'[[steps]]\nuse = "{step}"\n' for step in STEPS))
    env = _env(object_store, tmp_path)
    common = ["--input", str(SAMPLES), "--config", str(config), "--no-progress", "--workers", "2"]
    prefix = object_store.new_folder()
    local = _tamis("run", *common, "--output", str(tmp_path / "local"), env=env)
    assert local.returncode == 0, local.stderr
    on_s3 = _tamis("run", *common, "--output", f"s3://{prefix}/out", env=env)
    assert on_s3.returncode == 0, on_s3.stderr
    assert f"s3://{prefix}/out/kept" in on_s3.stdout

    got = _download(object_store, f"{prefix}/out", tmp_path / "got")
    for sub in ("kept", "rejected"):
        assert rows(got / sub) == rows(tmp_path / "local" / sub), sub
        assert sorted(p.name for p in (got / sub).iterdir()) == sorted(
            p.name for p in (tmp_path / "local" / sub).iterdir()
        )
    stats, expected = (orjson.loads((d / "stats.json").read_bytes()) for d in (got, tmp_path / "local"))
    for key in ("input", "kept", "rejected", "duplicates", "failed", "verdicts"):
        assert stats[key] == expected[key], key
    assert (got / "report.html").is_file() and (got / "_tamis.json").is_file()
    marker = orjson.loads((got / "_work" / "done" / "publish.json").read_bytes())
    assert sorted(marker["objects"]) == sorted(
        [f"{sub}/{p.name}" for sub in ("kept", "rejected") for p in (got / sub).iterdir()]
        + ["stats.json", "report.html", "_work/manifest.json"]
    )

    # The same command again publishes the same objects, nothing twice; --overwrite starts again.
    again = _tamis("run", *common, "--output", f"s3://{prefix}/out", env=env)
    assert again.returncode == 0, again.stderr
    fresh = _tamis("run", *common, "--output", f"s3://{prefix}/out", "--overwrite", env=env)
    assert fresh.returncode == 0, fresh.stderr
    regot = _download(object_store, f"{prefix}/out", tmp_path / "regot")
    for sub in ("kept", "rejected"):
        assert rows(regot / sub) == rows(tmp_path / "local" / sub), sub


def test_a_foreign_prefix_is_refused_before_anything_is_written(
    object_store: ObjectStore, tmp_path: Path
) -> None:
    env = _env(object_store, tmp_path)
    prefix = object_store.new_folder()
    object_store.filesystem().pipe_file(f"{prefix}/theirs/notes.txt", b"a user's file")
    common = ["--input", str(SAMPLES), "--no-progress", "--no-report"]
    for executor in ("local", "ray"):
        foreign = _tamis(
            "run",
            *common,
            "--output",
            f"s3://{prefix}/theirs",
            "--overwrite",
            "--executor",
            executor,
            env=env,
        )
        assert foreign.returncode == 2 and "holds objects but no tamis run" in foreign.stderr, executor
    assert object_store.filesystem().find(prefix) == [f"{prefix}/theirs/notes.txt"]
    assert not (tmp_path / "scratch").exists()


def test_a_run_killed_mid_way_resumes_on_s3_without_losing_or_duplicating_records(
    object_store: ObjectStore, tmp_path: Path
) -> None:
    # test.slow (tests/foundation_steps.py) keeps the run going long enough to be killed mid-way.
    here = Path(__file__).resolve().parent
    driver = (
        f"import sys; sys.path[:0] = [{str(here.parent)!r}]; "
        "import foundation_steps; from tamis.cli import main; main()"
    )
    config = tmp_path / "steps.toml"
    config.write_text('[[steps]]\nuse = "test.slow"\nseconds = 0.02\n[[steps]]\nuse = "dedup.exact"\n')
    env = _env(object_store, tmp_path)
    prefix = object_store.new_folder()
    args = ["run", "--input", str(SAMPLES), "--config", str(config), "--no-progress", "--no-report"]
    args += ["--workers", "2", "--output", f"s3://{prefix}/out"]
    proc = subprocess.Popen([sys.executable, "-c", driver, *args], env=env, start_new_session=True)
    done = tmp_path / "scratch"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(done.glob("*/_work/done/s0-*.json")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = [p.name for p in done.glob("*/_work/done/*.json")]
    assert finished and not any(name.startswith("s1-") for name in finished)  # killed in stage 1
    assert not object_store.filesystem().exists(f"{prefix}/out/_work/done/publish.json")
    resumed = subprocess.run(
        [sys.executable, "-c", driver, *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    reference = subprocess.run(
        [sys.executable, "-c", driver, *args[:-1], str(tmp_path / "reference")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert reference.returncode == 0, reference.stderr
    got = _download(object_store, f"{prefix}/out", tmp_path / "got")
    for sub in ("kept", "rejected"):
        assert rows(got / sub) == rows(tmp_path / "reference" / sub), sub
    assert len({r["id"] for r in rows(got / "kept")}) == len(rows(got / "kept"))
