"""What the bench scripts share: the corpus they run on, the peer's venv, worker counts, timing."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"  # git-ignored
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
DATATROVE_PY = HERE / ".venv-datatrove" / "bin" / "python"
TAMIS = Path(sys.executable).with_name("tamis")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def build_corpus(
    folder: Path, n_docs: int, seed: int = 1, *, shards: int | None = None, no_nc: bool = False
) -> Path:
    """Run make_corpus.py into `folder` unless a finished corpus (its manifest) is already there."""
    if (folder / "manifest.json").is_file():
        return folder
    if not MAKE_CORPUS.is_file():
        sys.exit(f"bench: {MAKE_CORPUS} is missing (the shared folder sits beside the checkout)")
    args = [
        sys.executable,
        str(MAKE_CORPUS),
        "--n-docs",
        str(n_docs),
        "--seed",
        str(seed),
        "--out-dir",
        str(folder),
    ]
    if shards is not None:
        args += ["--shards", str(shards)]
    if no_nc:
        args.append("--no-nc")
    subprocess.run(args, check=True, capture_output=True)
    return folder


def ensure_corpus(n_docs: int, seed: int = 1, shards: int = 8, *, no_nc: bool = True) -> Path:
    """A make_corpus.py corpus under bench/out/, built once and reused (same arguments, same bytes)."""
    folder = OUT / f"corpus-{n_docs}-s{seed}-x{shards}{'-nonc' if no_nc else ''}"
    return build_corpus(folder, n_docs, seed, shards=shards, no_nc=no_nc)


def corpus_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("corpus-*.jsonl"))


def timed(argv: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command to completion; wall seconds (start-up included, as a user sees it) and the result."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, argv[:4]))}… failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, proc


def last_json_line(text: str) -> dict[str, Any]:
    return json.loads(text.strip().splitlines()[-1])


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def run_tree(argv: list[str], poll_s: float = 0.05) -> tuple[float, str, dict[str, Any]]:
    """Run a command to completion: wall seconds, stdout, and the CPU seconds (user + system) and
    peak RSS (MiB, of the largest process) of its whole process tree, sampled from /proc meanwhile.

    Sampled, not taken from getrusage: datatrove's workers are children of a forkserver, which
    getrusage of the command never sees. Output goes to files, not pipes, so a command that prints
    much at the end cannot block on a full pipe while it is polled.
    """
    cpu: dict[tuple[int, str], float] = {}
    rss: dict[tuple[int, str], int] = {}
    total = [0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True)
        while proc.poll() is None:
            sample_tree(proc.pid, cpu, rss, total)
            time.sleep(poll_s)
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode:
        sys.exit(f"bench: {' '.join(map(str, argv[:4]))}… failed ({proc.returncode}):\n{stderr[-3000:]}")
    tree = {
        "cpu_seconds": round(sum(cpu.values()), 2),
        "peak_rss_mib": max(rss.values(), default=0) // 1024,
        "peak_rss_parent_mib": max((v for (pid, _), v in rss.items() if pid == proc.pid), default=0) // 1024,
        "peak_rss_total_mib": total[0] // 1024,
    }
    return seconds, stdout, tree


def sample_tree(
    root: int,
    cpu: dict[tuple[int, str], float],
    rss: dict[tuple[int, str], int],
    total: list[int] | None = None,
) -> None:
    """Record CPU seconds and peak RSS (KiB) of `root` and every descendant, by (pid, start time),
    and in `total[0]` the largest sum of their RSS at one sample."""
    stats: dict[int, list[str]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    stats[int(entry.name)] = fh.read().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
    tree, grew = {root}, True
    while grew:
        new = {pid for pid, f in stats.items() if int(f[1]) in tree} - tree
        tree |= new
        grew = bool(new)
    now = 0
    for pid in tree & stats.keys():
        f = stats[pid]
        key = (pid, f[19])  # field 22 (start time) tells a reused pid apart
        cpu[key] = (int(f[11]) + int(f[12])) / _TICK  # utime + stime
        try:
            with open(f"/proc/{pid}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if line.startswith(("VmHWM:", "VmRSS:")))
        except OSError:
            continue
        rss[key] = max(rss.get(key, 0), int(fields.get("VmHWM", "0 kB").split()[0]))
        now += int(fields.get("VmRSS", "0 kB").split()[0])
    if total is not None:
        total[0] = max(total[0], now)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials (95% by default); (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
