"""Local executor vs Ray (a private Ray, and a head + second node started by `ray start`) on one crawl.

    python bench/ray_overhead.py --input /work/identity/input [--workers 2] [--config steps.toml]

Runs `tamis run` once per executor on the same input and prints wall seconds, the ratio to the
local executor, and whether kept/ and rejected/ are byte-identical to the local run. The
cluster has one CPU per node, so each Ray run uses as many CPUs as `--workers 2` locally.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from ray_cluster import ray_cluster  # noqa: E402  (the tests' harness: `ray start` nodes, stopped by id)


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        f"{sub}/{p.name}": p.read_bytes()
        for sub in ("kept", "rejected")
        for p in sorted((out / sub).iterdir())
    }


def _run(args: list[str], env: dict[str, str] | None) -> float:
    tamis = Path(sys.executable).with_name("tamis")
    start = time.perf_counter()
    subprocess.run([str(tamis), "run", *args], check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--input", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--config", default=None, help="pipeline TOML (default: the default pipeline)")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tamis-ray-bench-"))
    common = ["--input", opts.input, "--no-progress", "--no-report"]
    if opts.config:
        common += ["--config", opts.config]
    rows: list[tuple[str, float, bool]] = []
    local = _run([*common, "--output", str(work / "local"), "--workers", str(opts.workers)], None)
    expected = _outputs(work / "local")
    rows.append(("local executor", local, True))
    private = work / "ray-private"
    seconds = _run(
        [*common, "--output", str(private), "--executor", "ray", "--workers", str(opts.workers)], None
    )
    rows.append((f"ray, private ({opts.workers} CPUs)", seconds, _outputs(private) == expected))
    with ray_cluster(nodes=2) as cluster:
        for nodes_used in (1, 2):
            out = work / f"ray-cluster-{nodes_used}"
            flags = ["--executor", "ray", "--ray-address", cluster.address, "--workers", str(nodes_used)]
            seconds = _run([*common, "--output", str(out), *flags], cluster.env)
            rows.append((f"ray, 2-node cluster, {nodes_used} CPU(s)", seconds, _outputs(out) == expected))
    print(f"{'executor':<34} {'wall s':>8} {'vs local':>9}  identical")
    for label, seconds, same in rows:
        print(f"{label:<34} {seconds:8.1f} {seconds / local:9.2f}  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
