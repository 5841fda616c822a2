"""Issue 14's bench and scaling model: what Ray costs, what a second node gives, what each stage
costs, and what that means for a 100 TB WARC / 3-billion-page dump on N nodes.

    python bench/scaling.py                          # everything, 10k docs (seed 1, 8 shards), 2 workers
    python bench/scaling.py --parts stages,table     # only the per-stage costs and the extrapolation
    python bench/scaling.py --table-only             # re-print the table from bench/out/scaling.json
    python bench/scaling.py --cores-per-node 64 --pages 3e9 --warc-tb 100   # other assumptions

Parts (each a `tamis run` of the default pipeline over the same make_corpus.py crawl):
- executors: the local executor against the Ray executor on a private Ray instance this bench
  starts (its own RAY_TMPDIR, so no cluster left on the machine is joined), same worker count:
  wall and CPU seconds of the whole process tree, and the Ray / local ratio;
- nodes: a Ray head started with `ray start` (1 CPU, loopback, small object store), the run with
  `--ray-address` to it; then a second node joins (`ray start --address`, 1 CPU) and the run is
  repeated. The cluster is stopped at the end whatever happens. CPU is sampled from the run's
  process tree and both `ray start` trees (workers are children of the raylets);
- stages: the run in this process on the serial executor with every step clock reading CPU time
  (`time.process_time`), so stats.json holds CPU seconds per step; the corpus stages' map, the
  reduces' partition tasks and the driver's own share of each reduce are timed the same way;
  `_work/` is polled meanwhile for the bytes and files each segment and corpus stage writes
  (segment hand-offs are deleted once the next segment has read them);
- table: the measured per-stage costs scaled to the dump, every assumption printed beside it.

Runs of outputs are compared by bench/output_identity.py's digest (kept and rejected rows, stats
without timings). Writes bench/out/scaling.json. On a shared machine wall times are indicative;
the CPU columns and the per-stage CPU seconds are the steadier figures. Load averages are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, corpus_files, ensure_corpus, sample_tree
from output_identity import differences, digest

RAY = Path(sys.executable).with_name("ray")
PARTS = ("executors", "nodes", "stages", "table")
#: Ports of the bench's own cluster: outside Ray's default worker port range (10002-19999).
HEAD_PORT = 26380


def loadavg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def tamis_run_argv(corpus: Path, out: Path, *extra: str) -> list[str]:
    argv = [sys.executable, "-m", "tamis.cli", "run", "--input", str(corpus / "corpus-*.jsonl")]
    return [*argv, "--output", str(out), "--overwrite", "--no-progress", "--no-report", *extra]


def private_ray_env(temp: Path) -> dict[str, str]:
    """Environment for a Ray instance nobody else on the machine joins, and that joins nobody's."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env.update(RAY_TMPDIR=str(temp), RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
    return env


# ---------------------------------------------------------------- process trees


def run_trees(argv: list[str], env: dict[str, str], also: list[int]) -> dict[str, Any]:
    """Run `argv`; its wall seconds and the CPU seconds (user + system) used meanwhile by its
    process tree and by the trees under the pids in `also` (a cluster's `ray start` processes),
    with the peak RSS of the largest process."""
    before: dict[tuple[int, str], float] = {}
    for pid in also:
        sample_tree(pid, before, {})
    cpu: dict[tuple[int, str], float] = {}
    rss: dict[tuple[int, str], int] = {}
    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env, text=True)
        while proc.poll() is None:
            for pid in (proc.pid, *also):
                sample_tree(pid, cpu, rss)
            time.sleep(0.1)
        seconds = time.perf_counter() - t0
        for pid in also:  # the cluster outlives the run: a last sample catches its workers' end
            sample_tree(pid, cpu, rss)
        err.seek(0)
        stderr = err.read()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv[:5])}… exited {proc.returncode}:\n{stderr[-3000:]}")
    used = sum(v - before.get(k, 0.0) for k, v in cpu.items())
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(used, 2),
        "peak_rss_mib": max(rss.values(), default=0) // 1024,
    }


def timed_run(name: str, argv: list[str], out: Path, env: dict[str, str], also: list[int]) -> dict[str, Any]:
    load_before = loadavg()
    print(f"  {name}: running (load {load_before})", flush=True)
    result = run_trees(argv, env, also)
    stats = json.loads((out / "stats.json").read_text("utf-8"))
    result.update(
        load_before=load_before,
        load_after=loadavg(),
        kept=stats["kept"],
        input=stats["input"],
        digest=digest(out),
    )
    print(
        f"  {name}: {result['seconds']:.1f} s wall, {result['cpu_seconds']:.1f} CPU s, "
        f"peak RSS {result['peak_rss_mib']} MiB, kept {result['kept']:,} (load {result['load_after']})",
        flush=True,
    )
    return result


def same_outputs(runs: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """For each run, what differs from the first run's outputs (empty: identical)."""
    names = list(runs)
    base = runs[names[0]]["digest"]
    return {name: differences(base, runs[name]["digest"])[:5] for name in names[1:]}


# ---------------------------------------------------------------- (a) local vs Ray


def bench_executors(corpus: Path, workers: int, work: Path) -> dict[str, Any]:
    runs: dict[str, dict[str, Any]] = {}
    env = dict(os.environ)
    out = work / "local"
    runs["local"] = timed_run("local", tamis_run_argv(corpus, out, "--workers", str(workers)), out, env, [])
    temp = Path(tempfile.mkdtemp(prefix="tsr-", dir="/tmp"))  # short: Ray's socket paths are limited
    try:
        out = work / "ray_private"
        argv = tamis_run_argv(corpus, out, "--executor", "ray", "--workers", str(workers))
        runs["ray_private"] = timed_run("ray (private instance)", argv, out, private_ray_env(temp), [])
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    local, ray = runs["local"], runs["ray_private"]
    return {
        "workers": workers,
        "runs": runs,
        "ray_over_local_wall": round(ray["seconds"] / local["seconds"], 2),
        "ray_over_local_cpu": round(ray["cpu_seconds"] / local["cpu_seconds"], 2),
        "differences": same_outputs(runs),
    }


# ---------------------------------------------------------------- (b) 1 node vs 2 nodes


class Cluster:
    """A Ray head and extra nodes on this machine, each `ray start --block` in its own session."""

    def __init__(self, temp: Path, object_store_bytes: int) -> None:
        self.temp = temp
        self.env = private_ray_env(temp)
        self.object_store = str(object_store_bytes)
        self.nodes: list[subprocess.Popen[bytes]] = []
        self.address = f"127.0.0.1:{HEAD_PORT}"

    def _start(self, args: list[str], port_offset: int) -> None:
        argv = [str(RAY), "start", *args, "--node-ip-address=127.0.0.1", "--num-cpus=1"]
        argv += [f"--object-store-memory={self.object_store}", "--disable-usage-stats", "--block"]
        argv += [f"--dashboard-agent-listen-port={HEAD_PORT + 10 + port_offset}"]
        log = (self.temp / f"node{len(self.nodes)}.log").open("wb")
        self.nodes.append(
            subprocess.Popen(argv, env=self.env, stdout=log, stderr=log, start_new_session=True)
        )

    def start_head(self) -> None:
        self._start(["--head", f"--port={HEAD_PORT}", "--include-dashboard=false"], 0)
        self._wait_for(1)

    def add_node(self) -> None:
        self._start([f"--address={self.address}"], len(self.nodes))
        self._wait_for(len(self.nodes))

    def _wait_for(self, n: int, timeout: float = 180.0) -> None:
        probe = (
            f"import ray; ray.init(address={self.address!r}, log_to_driver=False); "
            "print(sum(1 for x in ray.nodes() if x['Alive']))"
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(node.poll() is not None for node in self.nodes):
                raise RuntimeError(f"a Ray node exited; see {self.temp}/node*.log")
            proc = subprocess.run(
                [sys.executable, "-c", probe], env=self.env, capture_output=True, text=True, timeout=120
            )
            if proc.returncode == 0 and proc.stdout.strip().splitlines()[-1] == str(n):
                return
            time.sleep(3)
        raise RuntimeError(f"the cluster did not reach {n} nodes in {timeout:.0f} s")

    def pids(self) -> list[int]:
        return [node.pid for node in self.nodes]

    def stop(self) -> None:
        """SIGTERM to each node's session (its raylet, workers, GCS), SIGKILL to what is left."""
        for node in reversed(self.nodes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGTERM)
        for node in reversed(self.nodes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                node.wait(timeout=30)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGKILL)
        self.nodes.clear()


def bench_nodes(corpus: Path, work: Path, object_store_bytes: int) -> dict[str, Any]:
    runs: dict[str, dict[str, Any]] = {}
    temp = Path(tempfile.mkdtemp(prefix="tsc-", dir="/tmp"))
    cluster = Cluster(temp, object_store_bytes)
    # the nodes live in their own sessions: a SIGTERM to the bench must still reach `finally`
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        print(f"  starting a Ray head on {cluster.address} (1 CPU)", flush=True)
        cluster.start_head()
        for n in (1, 2):
            if n == 2:
                print("  adding a second node (1 CPU)", flush=True)
                cluster.add_node()
            out = work / f"nodes{n}"
            # No --workers: with an address, today's CLI passes it to ray.init, which refuses it.
            argv = tamis_run_argv(corpus, out, "--executor", "ray", "--ray-address", cluster.address)
            runs[f"{n}_node"] = timed_run(f"{n} node(s)", argv, out, cluster.env, cluster.pids())
    finally:
        cluster.stop()
        shutil.rmtree(temp, ignore_errors=True)
    one, two = runs["1_node"], runs["2_node"]
    return {
        "cpus_per_node": 1,
        "object_store_bytes": object_store_bytes,
        "runs": runs,
        "speedup_wall": round(one["seconds"] / two["seconds"], 2),
        "cpu_two_over_one": round(two["cpu_seconds"] / one["cpu_seconds"], 2),
        "differences": same_outputs(runs),
    }


# ---------------------------------------------------------------- (c) per-stage costs


class CpuClock(types.ModuleType):
    """Stands in for the `time` module of the runner and the pipeline: its perf_counter reads
    this process's CPU time, so the step and reduce timings of a serial run are CPU seconds."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def perf_counter() -> float:
        return time.process_time()


class WorkWatcher(threading.Thread):
    """Polls `<output>/_work` and keeps, per folder, the most bytes and files ever seen in it
    (a segment's hand-off is deleted after the next segment has read it)."""

    def __init__(self, work: Path, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.work, self.every = work, every
        self.peak: dict[str, dict[str, int]] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.every)

    def sample(self) -> None:
        for top in list(self.work.glob("seg*")) + list(self.work.glob("corpus*")):
            for folder in [top, *(p for p in top.iterdir() if p.is_dir())] if top.is_dir() else []:
                size, files = 0, 0
                for path in folder.rglob("*") if folder == top else folder.iterdir():
                    with contextlib.suppress(OSError):
                        if path.is_file() and not path.name.startswith(".tmp"):
                            size += path.stat().st_size
                            files += 1
                key = str(folder.relative_to(self.work))
                old = self.peak.get(key, {"bytes": 0, "files": 0})
                self.peak[key] = {"bytes": max(old["bytes"], size), "files": max(old["files"], files)}


@contextlib.contextmanager
def cpu_timed_stages(timings: dict[str, float]) -> Iterator[None]:
    """Serial run only: CPU clocks in the runner and the pipeline; CPU seconds of every corpus
    stage's map and of the reduces' partition tasks added to `timings`."""
    import tamis.dedup.partitions as pt
    import tamis.execute.runner as runner
    import tamis.pipeline as pipeline
    from tamis.steps import CorpusStage

    def timed(key: Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[key(*args)] = timings.get(key(*args), 0.0) + time.process_time() - t0

        return wrapper

    def tasks_timed(fn: Callable[..., Any], tasks: Any, executor: Any, memory: Any = None) -> Iterator[Any]:
        t0 = time.process_time()
        yield from original_pool_map(fn, tasks, executor, memory)
        key = f"partition tasks ({fn.__module__.rsplit('.', 1)[-1]})"
        timings[key] = timings.get(key, 0.0) + time.process_time() - t0

    saved = (runner.time, pipeline.time, pt.pool_map, pipeline.Pipeline.setup)
    original_pool_map = pt.pool_map
    maps = {cls: cls.map_shard for cls in _subclasses(CorpusStage)}
    runner.time = pipeline.time = CpuClock()
    pt.pool_map = tasks_timed
    pipeline.Pipeline.setup = timed(lambda *_: "setup", pipeline.Pipeline.setup)
    for cls, fn in maps.items():
        cls.map_shard = timed(lambda self, *_: f"{self.name} (map)", fn)
    try:
        yield
    finally:
        runner.time, pipeline.time, pt.pool_map, pipeline.Pipeline.setup = saved
        for cls, fn in maps.items():
            cls.map_shard = fn


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return [c for c in out if "map_shard" in vars(c)]


def text_bytes_of_input(corpus: Path) -> int:
    return sum(
        len(json.loads(line).get("text", "").encode())
        for path in corpus_files(corpus)
        for line in path.open()
    )


def bench_stages(corpus: Path, work: Path) -> dict[str, Any]:
    """The default pipeline in this process, serial, with CPU clocks; sizes of what it writes."""
    from click.testing import CliRunner

    from tamis.cli import main

    out = work / "stages"
    shutil.rmtree(out, ignore_errors=True)
    timings: dict[str, float] = {}
    watcher = WorkWatcher(out / "_work")
    load_before = loadavg()
    print(f"  stages: serial run in this process with CPU clocks (load {load_before})", flush=True)
    watcher.start()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        with cpu_timed_stages(timings):
            result = CliRunner().invoke(
                main,
                [
                    "run",
                    "--input",
                    str(corpus / "corpus-*.jsonl"),
                    "--output",
                    str(out),
                    "--executor",
                    "serial",
                    "--overwrite",
                    "--no-progress",
                    "--no-report",
                ],
                catch_exceptions=False,
            )
    finally:
        watcher.stopped.set()
        watcher.join()
    watcher.sample()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    if result.exit_code:
        raise RuntimeError(f"serial run exited {result.exit_code}: {result.output[-2000:]}")
    stats = json.loads((out / "stats.json").read_text("utf-8"))
    tasks = [json.loads(p.read_text()) for p in sorted((out / "_work" / "stats").glob("s*.json"))]
    segments: dict[int, dict[str, int]] = {}
    for item in tasks:
        k = int(item["task"][1:].split("-")[0])
        seg = segments.setdefault(k, {"input": 0, "passed": 0, "kept": 0, "rejected": 0, "duplicates": 0})
        for key in seg:
            seg[key] += item["counts"].get(key, 0)
    docs_in = {0: stats["input"]}
    for k in sorted(segments)[1:]:
        docs_in[k] = segments[k - 1]["passed"]
    sizes = {
        "input_bytes": sum(p.stat().st_size for p in corpus_files(corpus)),
        "input_text_bytes": text_bytes_of_input(corpus),
        "kept_bytes": _folder_bytes(out / "kept"),
        "rejected_bytes": _folder_bytes(out / "rejected"),
        "kept_text_bytes": _kept_text_bytes(out / "kept"),
    }
    print(f"  stages: {cpu:.1f} CPU s in {wall:.1f} s (load {loadavg()})", flush=True)
    return {
        "cpu_seconds": round(cpu, 2),
        "seconds": round(wall, 2),
        "load_before": load_before,
        "load_after": loadavg(),
        "shards": stats["shards"],
        "counts": {k: stats[k] for k in ("input", "kept", "rejected", "duplicates", "failed")},
        "steps_cpu_s": {name: s["seconds"] for name, s in stats["steps"].items()},
        "reduce_cpu_s": stats["reduce_seconds"],
        "corpus_stages": stats["corpus_stages"],
        "timed_cpu_s": {k: round(v, 3) for k, v in timings.items()},
        "segments": {str(k): {"docs_in": docs_in[k], **segments[k]} for k in sorted(segments)},
        "work_peak": watcher.peak,
        "sizes": sizes,
        "pipeline": stats["pipeline"],
        "segment_steps": _segment_steps(),
    }


def _segment_steps() -> list[dict[str, Any]]:
    from tamis.config import default_pipeline

    pipeline = default_pipeline()
    return [
        {"steps": [s.name for s in steps], "corpus": corpus.name if corpus else None}
        for steps, corpus in pipeline.segments()
    ]


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _kept_text_bytes(folder: Path) -> int:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    total = 0
    for path in folder.glob("*.parquet"):
        column = pq.read_table(path, columns=["text"]).column("text")
        total += int(pc.sum(pc.binary_length(pc.cast(column, "binary"))).as_py() or 0)
    return total


# ---------------------------------------------------------------- (d) the dump on N nodes


ASSUMPTIONS = {
    "pages": 3.0e9,
    "warc_tb": 100.0,
    "warc_files": 90_000,  # Common Crawl: 100 segments of ~900 WARC files of ~1 GB (gzip)
    "text_kb_per_page": 4.0,  # main text after HTML extraction, UTF-8 (make_corpus: measured below)
    "extract_cpu_ms_per_page": 100.0,  # WARC gunzip + trafilatura (+ its precision pass) per page
    "hosts": 50e6,  # distinct hosts in one snapshot
    "cores_per_node": 32,
    "task_memory_gib": 2.0,  # per worker process: models + one shard's batch + a partition
    "nic_gbit_s": 10.0,  # per node, to the object store
    "parallel_efficiency": 0.8,  # stragglers, scheduling; the 1 -> 2 node bench gives a floor
    "partitions": {"dedup.repeated_lines": 64, "dedup.exact": 16, "dedup.near": 64},
    "partition_gib": 1.0,  # what one reduce partition task should hold
}


#: Objects every (segment, shard) task writes besides its corpus stage's files: the hand-off
#: Parquet, a rejected/ part, its stats file and its done-marker (segment 0 adds the user-id
#: hashes, counted as +1). One PUT each; today's atomic rename adds a COPY and a DELETE on S3.
TASK_PUTS = 4
#: GETs of a task of segment k > 0 for the previous hand-off (Parquet: footer length, footer, data).
TASK_GETS = 3


def _human(n: float, unit: str = "") -> str:
    for scale, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {suffix}{unit}".rstrip()
    return f"{n:.0f} {unit}".rstrip()


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h" if seconds >= 3600 else f"{seconds / 60:,.0f} min"


def scaling_model(stages: dict[str, Any], a: dict[str, Any], nodes: list[int]) -> dict[str, Any]:
    """Per-stage costs of the measured run, per document and per text byte, scaled to the dump."""
    pages = a["pages"]
    shards = a["warc_files"]
    seg_steps = stages["segment_steps"]
    segs = stages["segments"]
    measured_docs = stages["counts"]["input"]
    text_per_doc = stages["sizes"]["input_text_bytes"] / measured_docs
    text_scale = a["text_kb_per_page"] * 1000 / text_per_doc  # the dump's text per page / measured
    steps_cpu = stages["steps_cpu_s"]
    timed = stages["timed_cpu_s"]
    reduce_cpu = stages["reduce_cpu_s"]
    # the partition tasks are timed inside their reduce; setup (model loading) is once per worker
    timed_work = sum(v for key, v in timed.items() if key.endswith("(map)"))
    total_steps = sum(steps_cpu.values()) + timed_work + sum(reduce_cpu.values()) + timed.get("setup", 0.0)
    # reading, writing and the runner's own work, spread evenly over the segments (each reads and
    # writes one hand-off)
    other_per_doc = max(0.0, stages["cpu_seconds"] - total_steps) / measured_docs / len(seg_steps)
    rows = []
    for k, seg in enumerate(seg_steps):
        s = segs[str(k)]
        survive = s["docs_in"] / measured_docs  # fraction of input pages reaching segment k
        docs = pages * survive
        cpu = sum(steps_cpu.get(name, 0.0) for name in seg["steps"] if name != "extract.html")
        if k > 0:  # the previous corpus stage's apply runs at the start of this segment
            cpu += steps_cpu.get(seg_steps[k - 1]["corpus"], 0.0)
        if seg["corpus"]:
            cpu += timed.get(f"{seg['corpus']} (map)", 0.0)
        per_doc = cpu / max(1, s["docs_in"]) * text_scale + other_per_doc * text_scale
        cpu_s = docs * per_doc
        handoff = stages["work_peak"].get(f"seg{k}", {}).get("bytes", 0)
        row: dict[str, Any] = {
            "segment": k,
            "corpus_stage": seg["corpus"],
            "docs_in": docs,
            "cpu_hours": cpu_s / 3600,
            "handoff_bytes": handoff
            / max(1, s["passed"])
            * pages
            * segs[str(k)]["passed"]
            / measured_docs
            * text_scale,
        }
        if seg["corpus"]:
            name = seg["corpus"]
            peak = stages["work_peak"]
            folder = f"corpus{k}"
            map_bytes = peak.get(f"{folder}/map", {}).get("bytes", 0)
            all_bytes = peak.get(folder, {}).get("bytes", 0)
            files = peak.get(folder, {}).get("files", 0)
            per_line = name == "dedup.repeated_lines"  # its records are per line: they grow with text
            scale = text_scale if per_line else 1.0
            passed = max(1, s["passed"])
            row["shuffle_bytes"] = map_bytes / passed * docs * scale * (s["passed"] / max(1, s["docs_in"]))
            row["work_bytes"] = all_bytes / passed * docs * scale * (s["passed"] / max(1, s["docs_in"]))
            parts = a["partitions"].get(name, 0)
            row["partitions"] = parts
            row["partition_bytes"] = row["shuffle_bytes"] / max(1, parts)
            # partitions a reduce task of `partition_gib` would need (memory ~ its records)
            row["partitions_needed"] = math.ceil(row["shuffle_bytes"] / (a["partition_gib"] * 2**30))
            row["reduce_get_at_needed"] = shards * max(parts, row["partitions_needed"]) * 2
            per_shard_files = files / stages["shards"]
            reduce_label = f"{name} (reduce)"
            tasks_key = f"partition tasks ({name.split('.')[-1]})"
            driver_s = max(0.0, reduce_cpu.get(reduce_label, 0.0) - timed.get(tasks_key, 0.0))
            row["reduce_tasks_cpu_hours"] = timed.get(tasks_key, 0.0) / passed * docs * scale / 3600
            row["driver_cpu_hours"] = driver_s / passed * docs * scale / 3600
            row["requests"] = {
                "PUT": shards * (per_shard_files + TASK_PUTS + (1 if k == 0 else 0)),
                # reduce: every partition reads every shard's offsets and its slice of records;
                # apply (next segment): the shard's own files of this stage
                "GET": shards * parts * 2 + shards * per_shard_files + shards * TASK_GETS * (k > 0),
                # reduce: one listing per partition (1,000 keys a page)
                "LIST": max(1, parts) * math.ceil(2 * shards / 1000),
            }
            row["driver_memory_bytes"] = _driver_memory(name, stages, k, docs, a)
        else:  # the last segment: kept/ and rejected/ parts, stats and marker; reads its hand-off
            row["requests"] = {"PUT": shards * (1 + 3), "GET": shards * TASK_GETS, "LIST": 0}
        rows.append(row)
    # WARC -> HTML -> text: assumed (make_corpus' pages are plain text or small HTML), its own row
    rows.insert(
        0,
        {
            "segment": "0",
            "corpus_stage": "extract.html (assumed cost)",
            "docs_in": pages,
            "cpu_hours": pages * a["extract_cpu_ms_per_page"] / 1000 / 3600,
            "handoff_bytes": 0.0,
        },
    )
    total_cpu_h = sum(r["cpu_hours"] + r.get("reduce_tasks_cpu_hours", 0.0) for r in rows)
    driver_h = sum(r.get("driver_cpu_hours", 0.0) for r in rows)
    shuffle = sum(r.get("shuffle_bytes", 0.0) for r in rows) + sum(r["handoff_bytes"] for r in rows)
    walls = {}
    for n in nodes:
        cores = n * a["cores_per_node"]
        compute = total_cpu_h * 3600 / (cores * a["parallel_efficiency"])
        network = (a["warc_tb"] * 1e12 + 2 * shuffle) * 8 / (n * a["nic_gbit_s"] * 1e9)
        walls[n] = {
            "compute_s": compute,
            "network_s": network,
            "driver_s": driver_h * 3600,
            "wall_s": max(compute, network) + driver_h * 3600,
            "tasks_per_segment": shards,
            "tasks_per_core": shards / cores,
        }
    return {
        "assumptions": a,
        "measured_text_bytes_per_doc": text_per_doc,
        "text_scale": text_scale,
        "rows": rows,
        "total_cpu_hours": total_cpu_h,
        "driver_cpu_hours": driver_h,
        "shuffle_bytes": shuffle,
        "nodes": walls,
    }


def _driver_memory(name: str, stages: dict[str, Any], k: int, docs: float, a: dict[str, Any]) -> float:
    """What the driver holds at once in today's reduce of `name` (see docs/scaling.md)."""
    info = stages["corpus_stages"].get(f"reduce{k}", {}) or {}
    measured_in = max(1, stages["segments"][str(k)]["passed"])
    if name == "dedup.repeated_lines":  # every (host, document) record, sorted: ~3 copies of 16 B
        lines = info.get("repeated_lines_corpus", 0) + info.get("repeated_lines_site", 0)
        return docs * 16 * 3 + lines / measured_in * docs * 8
    if name == "annotate.site_mt":  # a Python dict entry per host in four dicts, plus the table
        return a["hosts"] * 4 * 120 + a["hosts"] * 200
    if name == "dedup.exact":  # (removed, kept) per duplicate, and the id strings named
        dups = info.get("duplicates", 0) / measured_in * docs
        return dups * (16 + 100)
    if name == "dedup.near":  # candidate pairs, the candidates' signatures (120 x uint32), labels
        pairs = info.get("candidate_pairs", 0) / measured_in * docs
        return pairs * 16 + min(docs, 2 * pairs) * (480 + 16)
    return 0.0


def print_table(model: dict[str, Any], nodes: list[int]) -> None:
    a = model["assumptions"]
    print(
        f"\nExtrapolation to {a['pages']:.0e} pages, {a['warc_tb']:g} TB of WARC in {a['warc_files']:,} files:"
    )
    print(
        "| segment | corpus stage | docs in | CPU-hours | hand-off bytes | shuffle bytes | stage _work bytes |"
        " driver memory | PUT | GET | LIST |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in model["rows"]:
        req = r.get("requests", {})
        cpu_h = r["cpu_hours"] + r.get("reduce_tasks_cpu_hours", 0.0) + r.get("driver_cpu_hours", 0.0)
        print(
            f"| {r['segment']} | {r['corpus_stage'] or '(writes kept/)'} | {_human(r['docs_in'])} | "
            f"{cpu_h:,.0f} | {_human(r['handoff_bytes'], 'B')} | {_human(r.get('shuffle_bytes', 0), 'B')} | {_human(r.get('work_bytes', 0), 'B')} | "
            f"{_human(r.get('driver_memory_bytes', 0), 'B')} | {_human(req.get('PUT', 0))} | "
            f"{_human(req.get('GET', 0))} | {_human(req.get('LIST', 0))} |"
        )
    print(
        f"\ntotal: {model['total_cpu_hours']:,.0f} CPU-hours on workers, {model['driver_cpu_hours']:,.1f} "
        f"CPU-hours in the driver (serial), {_human(model['shuffle_bytes'], 'B')} moved between stages"
    )
    print(
        f"\n| nodes ({a['cores_per_node']} cores each) | compute | network | driver (serial) | wall |"
        " tasks per core per segment |"
    )
    print("|---|---|---|---|---|---|")
    for n in nodes:
        w = model["nodes"][n]
        print(
            f"| {n:,} | {_hours(w['compute_s'])} | {_hours(w['network_s'])} | {_hours(w['driver_s'])} | "
            f"{_hours(w['wall_s'])} | {w['tasks_per_core']:.1f} |"
        )
    print(f"\nreduce partitions (today's fixed counts vs {a['partition_gib']:g} GiB per partition task):")
    print(
        "| corpus stage | partitions | bytes per partition | partitions needed | reduce GETs at that count |"
    )
    print("|---|---|---|---|---|")
    for r in model["rows"]:
        if r["corpus_stage"] and r.get("partitions"):
            print(
                f"| {r['corpus_stage']} | {r['partitions']} | {_human(r['partition_bytes'], 'B')} | "
                f"{r['partitions_needed']:,} | {_human(r['reduce_get_at_needed'])} |"
            )
    print("\nassumptions: " + "; ".join(f"{k} = {v}" for k, v in a.items()))
    print(
        f"measured text per document {model['measured_text_bytes_per_doc']:,.0f} B: per-document CPU and "
        f"per-line records are scaled by {model['text_scale']:.2f}"
    )


def print_measured(report: dict[str, Any]) -> None:
    ex, nd, st = report.get("executors"), report.get("nodes"), report.get("stages")
    if ex:
        print(f"\nlocal vs Ray, {ex['workers']} workers:")
        for name, r in ex["runs"].items():
            print(
                f"  {name}: {r['seconds']} s, {r['cpu_seconds']} CPU s, load {r['load_before']} -> {r['load_after']}"
            )
        print(
            f"  Ray / local: wall {ex['ray_over_local_wall']}, CPU {ex['ray_over_local_cpu']}; "
            f"outputs differ: {ex['differences']}"
        )
    if nd:
        print("\n1 node vs 2 nodes (1 CPU each):")
        for name, r in nd["runs"].items():
            print(
                f"  {name}: {r['seconds']} s, {r['cpu_seconds']} CPU s, load {r['load_before']} -> {r['load_after']}"
            )
        print(
            f"  speed-up {nd['speedup_wall']}, CPU 2/1 {nd['cpu_two_over_one']}; outputs differ: {nd['differences']}"
        )
    if st:
        n = st["counts"]["input"]
        print(f"\nper-stage CPU (serial, {n:,} docs, {st['cpu_seconds']} CPU s in all):")
        print(
            "| segment | corpus stage | docs in | passed on | CPU s (steps) | map CPU s | reduce CPU s"
            " (partition tasks / driver) | hand-off bytes | corpus stage bytes (map) | files |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for k, seg in enumerate(st["segment_steps"]):
            s = st["segments"][str(k)]
            cpu = sum(st["steps_cpu_s"].get(x, 0.0) for x in seg["steps"])
            if k > 0:
                cpu += st["steps_cpu_s"].get(st["segment_steps"][k - 1]["corpus"], 0.0)
            name = seg["corpus"]
            tasks = st["timed_cpu_s"].get(f"partition tasks ({name.split('.')[-1]})", 0.0) if name else 0
            red = st["reduce_cpu_s"].get(f"{name} (reduce)", 0.0) if name else 0
            peak = st["work_peak"]
            print(
                f"| {k} | {name or '-'} | {s['docs_in']:,} | {s['passed']:,} | {cpu:.1f} | "
                f"{st['timed_cpu_s'].get(f'{name} (map)', 0.0):.2f} | {red:.2f} ({tasks:.2f} / {red - tasks:.2f}) | "
                f"{peak.get(f'seg{k}', {}).get('bytes', 0):,} | {peak.get(f'corpus{k}', {}).get('bytes', 0):,} "
                f"({peak.get(f'corpus{k}/map', {}).get('bytes', 0):,}) | {peak.get(f'corpus{k}', {}).get('files', 0)} |"
            )
        sz = st["sizes"]
        print(
            f"input {sz['input_bytes']:,} B ({sz['input_text_bytes']:,} B of text); kept {sz['kept_bytes']:,} B "
            f"({sz['kept_text_bytes']:,} B of text); rejected {sz['rejected_bytes']:,} B"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n-docs", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--table-only", action="store_true", help="re-print from bench/out/scaling.json")
    parser.add_argument("--object-store-mb", type=int, default=100)
    parser.add_argument("--nodes", default="10,100,1000")
    for key, value in ASSUMPTIONS.items():
        if not isinstance(value, dict):
            parser.add_argument("--" + key.replace("_", "-"), type=type(value), default=value)
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    nodes = [int(x) for x in args.nodes.split(",")]
    report_path = OUT / "scaling.json"
    report: dict[str, Any] = json.loads(report_path.read_text()) if report_path.exists() else {}
    if not args.table_only:
        corpus = ensure_corpus(args.n_docs, args.seed, args.shards)
        work = OUT / "scaling"
        work.mkdir(parents=True, exist_ok=True)
        report.update(
            corpus=str(corpus), cores=os.cpu_count(), date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        )
        print(f"corpus {corpus}; {os.cpu_count()} cores; load {loadavg()}", flush=True)
        for part, fn in (
            ("executors", lambda: bench_executors(corpus, args.workers, work)),
            ("nodes", lambda: bench_nodes(corpus, work, args.object_store_mb << 20)),
            ("stages", lambda: bench_stages(corpus, work)),
        ):
            if part in parts:
                report[part] = fn()
                report_path.write_text(json.dumps(report, indent=1))
    print_measured(report)
    if "stages" in report and ("table" in parts or args.table_only):
        assumptions = {**ASSUMPTIONS, **{k: getattr(args, k) for k in ASSUMPTIONS if hasattr(args, k)}}
        model = scaling_model(report["stages"], assumptions, nodes)
        report["model"] = model
        report_path.write_text(json.dumps(report, indent=1, default=str))
        print_table(model, nodes)


if __name__ == "__main__":
    main()
