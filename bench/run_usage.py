"""Run `tamis run` in this process and print what the driver and its workers used.

    python bench/run_usage.py run --input CORPUS --output OUT --config STEPS.toml --executor local --workers 2

The driver is this process (`RUSAGE_SELF`: CPU seconds, peak RSS); the workers are its reaped
children (`RUSAGE_CHILDREN`: the local pool's processes, ended with the run). Used to check that
the driver of a run with corpus stages only schedules (docs/scaling.md).
"""

from __future__ import annotations

import json
import resource
import sys
import time

from tamis.cli import main


def usage_after(args: list[str]) -> dict[str, float]:
    t0 = time.time()
    try:
        main(args)
    except SystemExit as end:
        if end.code not in (0, None):
            raise
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": round(time.time() - t0, 1),
        "driver_cpu_s": round(own.ru_utime + own.ru_stime, 2),
        "driver_peak_rss_mib": own.ru_maxrss // 1024,
        "workers_cpu_s": round(children.ru_utime + children.ru_stime, 2),
        "largest_worker_rss_mib": children.ru_maxrss // 1024,
    }


if __name__ == "__main__":
    print(json.dumps(usage_after(sys.argv[1:])))
