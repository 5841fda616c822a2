"""Peak memory of a `tamis run` process tree: the summed PSS (pages shared copy-on-write counted
once, split between their sharers) and the largest single RSS, sampled every 0.25 s (Linux /proc).

    python bench/run_memory.py SRC LABEL [INPUT]

SRC is the src/ folder to run (put on PYTHONPATH), LABEL names the output folder
(/tmp/run-memory-LABEL); INPUT defaults to the identity corpus. Default pipeline, 2 workers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _group(leader: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.getpgid(int(name)) == leader:
                    pids.append(int(name))
            except OSError:
                pass  # the process ended
    return pids


def _kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass  # the process ended
    return 0


def main() -> None:
    src, label = sys.argv[1], sys.argv[2]
    data = sys.argv[3] if len(sys.argv) > 3 else "/work/identity/input"
    command = [
        sys.executable,
        "-m",
        "tamis.cli",
        "run",
        "--input",
        data,
        "--output",
        f"/tmp/run-memory-{label}",
    ]
    command += ["--overwrite", "--no-progress", "--no-report", "--workers", "2"]
    run = subprocess.Popen(
        command, env=dict(os.environ, PYTHONPATH=src), stdout=subprocess.DEVNULL, start_new_session=True
    )
    peak_pss = peak_rss = 0
    while run.poll() is None:
        pids = _group(run.pid)
        peak_pss = max(peak_pss, sum(_kib(pid, "Pss") for pid in pids))
        peak_rss = max(peak_rss, max((_kib(pid, "Rss") for pid in pids), default=0))
        time.sleep(0.25)
    print(
        f"{label}: peak summed PSS {peak_pss / 1024:.0f} MiB, largest RSS {peak_rss / 1024:.0f} MiB, "
        f"exit {run.returncode}"
    )


if __name__ == "__main__":
    main()
