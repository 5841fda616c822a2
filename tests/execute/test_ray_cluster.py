"""tamis on a real Ray cluster: a head and a second node started with `ray start` (tests/ray_cluster.py).

Run with `make test-cluster` (about a minute: the cluster starts once for the module).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from foundation_helpers import SAMPLES, progress_bars
from object_store import ObjectStore
from ray_cluster import RayCluster
from tamis.errors import ConfigError
from tamis.execute.ray import NodeMismatchError, RayExecutor, RayOptions, _result, _run_task, code_digest
from tamis.write.run_store import RunStore

pytestmark = pytest.mark.ray_cluster

STEPS = ("extract.html", "filter.empty_text", "repair.unicode", "dedup.exact", "repair.whitespace")
TESTS = Path(__file__).resolve().parents[1]
#: `tamis` with the test steps (tests/foundation_steps.py) registered
DRIVER = f"import sys; sys.path[:0] = [{str(TESTS)!r}]; import foundation_steps; from tamis.cli import main; main()"


def _tamis(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    tamis = Path(sys.executable).with_name("tamis")
    return subprocess.run(
        [str(tamis), *args], capture_output=True, text=True, env=env, check=False, timeout=400
    )


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        f"{sub}/{p.name}": p.read_bytes()
        for sub in ("kept", "rejected")
        for p in sorted((out / sub).iterdir())
    }


def test_a_run_on_the_cluster_equals_the_local_executors_byte_for_byte(
    ray_test_cluster: RayCluster, tmp_path: Path
) -> None:
    config = tmp_path / "steps.toml"
    config.write_text("".join(f'[[steps]]\nuse = "{step}"\n' for step in STEPS))
    common = ["--input", str(SAMPLES), "--config", str(config), "--no-progress", "--no-report"]
    env = {k: v for k, v in ray_test_cluster.env.items() if k != "RAY_ADDRESS"}
    local = _tamis("run", *common, "--output", str(tmp_path / "local"), "--executor", "local", env=env)
    assert local.returncode == 0, local.stderr
    expected = _outputs(tmp_path / "local")
    assert any(name.startswith("kept/") for name in expected)

    runs = {
        "named": (["--ray-address", ray_test_cluster.address], env),
        # --workers with an existing cluster is the CPUs to use (Ray refused num_cpus: issue 14)
        "named, one CPU": (["--ray-address", ray_test_cluster.address, "--workers", "1"], env),
        "auto": (["--ray-address", "auto"], {**env, "RAY_ADDRESS": ray_test_cluster.address}),
    }
    for label, (flags, run_env) in runs.items():
        out = tmp_path / label.replace(" ", "").replace(",", "-")
        done = _tamis("run", *common, "--output", str(out), "--executor", "ray", *flags, env=run_env)
        assert done.returncode == 0, f"{label}: {done.stderr}"
        assert _outputs(out) == expected, label


def test_without_an_address_tamis_starts_its_own_ray_and_never_joins_the_running_cluster(
    ray_test_cluster: RayCluster,
) -> None:
    # The cluster as "the last `ray start` on this machine": where a plain ray.init() looks for it.
    default_tmp = Path(tempfile.mkdtemp(prefix="tr-", dir="/tmp"))  # short: Ray's socket paths
    (default_tmp / "ray").mkdir()
    (default_tmp / "ray" / "ray_current_cluster").write_text(ray_test_cluster.address)
    probe = (
        "import ray\n"
        "from tamis.execute.ray import RayExecutor\n"
        "ray.init(log_to_driver=False)\n"  # what tamis did: joins the cluster nobody named
        "print(ray.get_runtime_context().gcs_address)\n"
        "ray.shutdown()\n"
        "executor = RayExecutor(workers=1)\n"
        "print(ray.get_runtime_context().gcs_address, len(ray.nodes()), executor.workers)\n"
    )
    env = {k: v for k, v in ray_test_cluster.env.items() if k != "RAY_ADDRESS"}
    env["RAY_TMPDIR"] = str(default_tmp)
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        shutil.rmtree(default_tmp, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    plain, private, nodes, workers = done.stdout.split()
    port = ray_test_cluster.address.rpartition(":")[2]  # Ray reports the host by its own IP
    assert plain.rpartition(":")[2] == port  # the trap is there
    assert private.rpartition(":")[2] != port and int(nodes) == 1 and int(workers) == 1


@pytest.fixture
def driver(ray_driver: RayCluster) -> RayCluster:
    """This test process as a driver of the cluster (conftest's `ray_driver`)."""
    return ray_driver


def _interval(task: tuple[str, int], _progress: object) -> tuple[float, float, str]:
    start = time.time()
    time.sleep(0.4)
    import ray

    return start, time.time(), ray.get_runtime_context().get_node_id()


def test_workers_caps_the_tasks_in_flight_on_a_named_cluster(driver: RayCluster, tmp_path: Path) -> None:
    executor = RayExecutor(address=driver.address, workers=1)
    assert executor.workers == 1
    spans = sorted(executor.map_unordered(_interval, [(str(tmp_path), i) for i in range(4)]))
    assert len(spans) == 4
    assert all(a_end <= b_start for (_, a_end, _), (b_start, _, _) in itertools.pairwise(spans))
    both = RayExecutor(address=driver.address)  # all of the cluster: two CPUs, one per node
    assert both.workers == 2
    nodes = {node for _, _, node in both.map_unordered(_interval, [(str(tmp_path), i) for i in range(6)])}
    assert len(nodes) == 2  # tasks spread over both nodes


def _die_once(task: tuple[str, int], _progress: object) -> int:
    """Kills its own worker process the first time it runs (as the OOM killer would), then succeeds."""
    folder, i = task
    marker = Path(folder) / f"attempt-{i}"
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return i


def test_a_killed_worker_is_retried_as_often_as_asked(driver: RayCluster, tmp_path: Path) -> None:
    retried = RayExecutor(address=driver.address, options=RayOptions(max_retries=1))
    assert sorted(retried.map_unordered(_die_once, [(str(tmp_path), i) for i in range(2)])) == [0, 1]
    assert len(list(tmp_path.glob("attempt-*"))) == 2
    import ray

    never = RayExecutor(address=driver.address, options=RayOptions(max_retries=0))
    with pytest.raises(ray.exceptions.WorkerCrashedError):
        list(never.map_unordered(_die_once, [(str(tmp_path), 7)]))


def _assigned_memory(task: int, _progress: object) -> float:
    import ray

    return ray.get_runtime_context().get_assigned_resources().get("memory", 0.0)


def test_each_task_reserves_its_memory_and_a_memory_no_node_has_is_refused(driver: RayCluster) -> None:
    executor = RayExecutor(address=driver.address, options=RayOptions(task_memory_mb=64))
    assert list(executor.map_unordered(_assigned_memory, [1, 2])) == [64 << 20, 64 << 20]
    with pytest.raises(ConfigError, match=r"asks for 10,000,000 MB of memory but the largest node"):
        RayExecutor(address=driver.address, options=RayOptions(task_memory_mb=10_000_000))


def test_a_node_with_another_tamis_is_refused_before_the_task_runs(
    driver: RayCluster, tmp_path: Path
) -> None:
    import ray

    other = tmp_path / "other-src"
    shutil.copytree(Path(__file__).resolve().parents[2] / "src" / "tamis", other / "tamis")
    (other / "tamis" / "data" / "patched.txt").write_text("a model file that differs on this node\n")
    RayExecutor(address=driver.address)
    remote = ray.remote(_run_task).options(num_cpus=1, runtime_env={"env_vars": {"PYTHONPATH": str(other)}})
    ran = tmp_path / "ran"
    ref = remote.remote(_interval, (str(ran), 0), code_digest())
    with pytest.raises(NodeMismatchError, match="runs another tamis than the driver"):
        _result(ray, ref)


def _map_shard_to_the_store(task: tuple[RunStore, int, str], _progress: object) -> str:
    """A map task's protocol: files under attempt names, the done-marker last. Shard 1's first
    attempt is killed between its two files, as a node lost mid-task would be."""
    import ray

    store, shard, scratch = task
    attempt = store.attempt(f"s0-{shard:05d}")
    attempt.put(f"_work/seg0/{shard:05d}.parquet", b"survivors of shard %d" % shard)
    killed = Path(scratch) / f"killed-{shard}"
    if shard == 1 and not killed.exists():
        killed.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    attempt.put(f"kept/part-{shard:05d}-0000.parquet", b"kept of shard %d" % shard)
    node = ray.get_runtime_context().get_node_id()
    attempt.commit({"node": node})
    # Hold this node's one CPU a moment: a task of a few milliseconds lets SPREAD place every task
    # on the node whose worker started first (seen in 3 of 7 runs), so the test would not show
    # two nodes' state meeting on the store.
    time.sleep(1.5)
    return node


@pytest.mark.object_store
def test_map_tasks_on_both_nodes_keep_their_state_on_the_object_store_and_a_killed_attempt_leaves_nothing_trusted(
    driver: RayCluster, object_store: ObjectStore, tmp_path: Path
) -> None:
    store = RunStore(f"s3://{object_store.new_folder()}/out", object_store.storage_options())
    executor = RayExecutor(address=driver.address, options=RayOptions(max_retries=1))
    nodes = set(
        executor.map_unordered(_map_shard_to_the_store, [(store, i, str(tmp_path)) for i in range(4)])
    )
    assert len(nodes) == 2  # both nodes wrote (each node has its own --temp-dir; the state is on S3)
    tasks = [f"s0-{i:05d}" for i in range(4)]
    markers = store.check_complete(tasks, "the reduce of stage 1")
    trusted = sorted(name for m in markers for name in m.objects.values())
    assert len(store.list("_work/seg0")) == 5  # the killed attempt's first file is there, untrusted
    stale = store.sweep(["_work/seg0", "kept"])
    assert len(stale) == 1 and stale[0].startswith("_work/seg0/00001.")
    assert sorted(store.list("_work/seg0") + store.list("kept")) == trusted
    assert [store.read(m.objects["kept/part-00001-0000.parquet"]) for m in markers[1:2]] == [
        b"kept of shard 1"
    ]


def test_a_task_memory_no_node_has_is_refused_before_the_output_folder_exists(
    ray_test_cluster: RayCluster, tmp_path: Path
) -> None:
    env = {k: v for k, v in ray_test_cluster.env.items() if k != "RAY_ADDRESS"}
    out = tmp_path / "out"
    done = _tamis(
        "run", "--input", str(SAMPLES), "--output", str(out), "--no-progress", "--executor", "ray",
        "--ray-address", ray_test_cluster.address, "--ray-task-memory-mb", "1000000", env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "asks for 1,000,000 MB of memory but the largest node" in done.stderr
    assert not out.exists()


def test_progress_reported_inside_ray_tasks_adds_up_in_every_stage(
    driver: RayCluster, generated_corpus: Path, tmp_path: Path
) -> None:
    from tamis.dedup.exact import RemoveExactDuplicates
    from tamis.execute.runner import RunConfig, run_pipeline
    from tamis.pipeline import Pipeline
    from tamis.read import discover
    from tamis.repair.whitespace import NormalizeWhitespace

    bars, factory = progress_bars()  # label -> [total, docs reported, bytes reported]

    shards = discover([str(generated_corpus / "corpus-*.jsonl")])
    pipeline = Pipeline([NormalizeWhitespace(), RemoveExactDuplicates()])
    executor = RayExecutor(address=driver.address)
    stats = run_pipeline(
        pipeline, shards, RunConfig(output=str(tmp_path / "out")), executor, progress=factory
    ).stats
    (total1, docs1, bytes1), (total2, docs2, _) = bars["stage 1/2 → dedup.exact"], bars["stage 2/2"]
    assert bytes1 == total1 == sum(s.size for s in shards)
    assert docs1 == stats["input"]
    assert docs2 == total2 == stats["input"] - stats["rejected"]


@pytest.fixture(scope="module")
def cluster_without_shared_files(object_store: ObjectStore) -> Iterator[tuple[RayCluster, Path]]:
    """A head and a second node whose view of one folder is a tmpfs of its own (a private mount
    namespace); every node has the object store's credentials and the test steps on its path."""
    from ray_cluster import ray_cluster

    private = Path(tempfile.mkdtemp(prefix="tamis-private-", dir="/tmp"))
    path = os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH", "")) if p)
    try:
        with ray_cluster(nodes=2, private=private, env={**object_store.env(), "PYTHONPATH": path}) as cluster:
            yield cluster, private
    finally:
        shutil.rmtree(private, ignore_errors=True)


def test_without_a_shared_file_system_the_reduce_is_refused_instead_of_running_on_part_of_its_input(
    cluster_without_shared_files: tuple[RayCluster, Path], generated_corpus: Path
) -> None:
    cluster, private = cluster_without_shared_files
    config = private / "steps.toml"  # read by the driver only
    config.write_text('[[steps]]\nuse = "repair.whitespace"\n[[steps]]\nuse = "dedup.exact"\n')
    out = private / "out"
    env = {k: v for k, v in cluster.env.items() if k != "RAY_ADDRESS"}
    done = _tamis(
        "run", "--input", str(generated_corpus), "--output", str(out), "--config", str(config),
        "--no-progress", "--executor", "ray", "--ray-address", cluster.address, env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    message = done.stderr.strip().splitlines()[-1]  # after Ray's own lines about joining the cluster
    assert "Traceback" not in done.stderr
    assert "every node must write to the same storage" in message
    finished = sorted(p.name for p in (out / "_work" / "done").iterdir())
    if re.match(r"tamis: a reduce task cannot read .* on this node", message):
        # every stage-1 task ran on the head, and a reduce task on the other node found no map file
        assert "reduce0.json" not in finished
    elif not re.match(r"tamis: stage 2: shard \d+'s input .* is not on this node", message):
        # SPREAD placed stage 1's tasks on both nodes: the head's markers only, and no reduce
        assert re.match(
            r"tamis: the reduce of dedup\.exact \(stage 1\) needs the output of (\d+) tasks", message
        )
        tasks = int(message.split("the output of ")[1].split()[0])
        assert 0 < len(finished) < tasks and "reduce0.json" not in finished
    # else every stage-1 task ran on the head, and a stage-2 task on the other node found no input
    assert not (out / "kept").exists() and not (out / "stats.json").exists()


def _rows_on_store(object_store: ObjectStore, url: str, into: Path) -> Path:
    """kept/ and rejected/ of a finished run on the store, under the names a local run gives them."""
    store = RunStore(url, object_store.storage_options())
    for task in store.done_tasks():
        marker = store.marker(task)
        assert marker is not None
        for name, stored in marker.objects.items():
            if name.startswith(("kept/", "rejected/")):
                (into / name).parent.mkdir(parents=True, exist_ok=True)
                (into / name).write_bytes(store.read(stored))
    return into


def _steps(path: Path, *lines: str) -> Path:
    path.write_text("".join(f"[[steps]]\n{line}\n" for line in lines))
    return path


@pytest.mark.object_store
def test_with_all_state_on_the_object_store_nodes_that_share_no_file_system_give_the_local_output(
    cluster_without_shared_files: tuple[RayCluster, Path],
    object_store: ObjectStore,
    generated_corpus: Path,
    tmp_path: Path,
) -> None:
    cluster, _private = cluster_without_shared_files
    fs = object_store.filesystem()
    prefix = object_store.new_folder()
    fs.put(str(generated_corpus) + "/", f"{prefix}/in/", recursive=True)
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    config = _steps(
        tmp_path / "steps.toml",
        f'use = "test.node"\nfolder = "{nodes}"',
        'use = "dedup.repeated_lines"',
        'use = "repair.whitespace"',
        'use = "dedup.exact"',
        'use = "dedup.near"',
    )
    env = {k: v for k, v in cluster.env.items() if k != "RAY_ADDRESS"}
    common = ["run", "--input", f"s3://{prefix}/in", "--config", str(config), "--no-progress"]
    local = subprocess.run(
        [sys.executable, "-c", DRIVER, *common, "--output", str(tmp_path / "local"), "--executor", "local"],
        env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    url = f"s3://{prefix}/out"
    on_ray = subprocess.run(
        [sys.executable, "-c", DRIVER, *common, "--output", url, "--executor", "ray", "--ray-address", cluster.address],
        env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert on_ray.returncode == 0, on_ray.stderr
    assert len({p.name for p in nodes.iterdir()} - {"local"}) == 2  # tasks ran on both nodes
    got = _rows_on_store(object_store, url, tmp_path / "got")
    assert _outputs(got) == _outputs(tmp_path / "local")  # kept/ and rejected/, row by row
    stats = orjson.loads(fs.cat_file(f"{prefix}/out/stats.json"))
    expected = orjson.loads((tmp_path / "local" / "stats.json").read_bytes())
    for key in ("input", "kept", "rejected", "duplicates", "verdicts", "corpus_stages"):
        assert stats[key] == expected[key], key
    assert fs.exists(f"{prefix}/out/report.html")
    left = [p.split("/out/", 1)[1] for p in fs.find(f"{prefix}/out")]
    assert not any(n.startswith(("_work/seg", "_work/index")) for n in left)


@pytest.mark.object_store
def test_a_driver_killed_mid_run_on_the_object_store_resumes_without_losing_or_duplicating_records(
    cluster_without_shared_files: tuple[RayCluster, Path],
    object_store: ObjectStore,
    generated_corpus: Path,
    tmp_path: Path,
) -> None:
    cluster, _private = cluster_without_shared_files
    fs = object_store.filesystem()
    prefix = object_store.new_folder()
    config = _steps(tmp_path / "steps.toml", 'use = "test.slow"\nseconds = 0.01', 'use = "dedup.exact"')
    env = {k: v for k, v in cluster.env.items() if k != "RAY_ADDRESS"}
    args = ["run", "--input", str(generated_corpus), "--config", str(config), "--no-progress", "--no-report"]
    ray = ["--executor", "ray", "--ray-address", cluster.address, "--output", f"s3://{prefix}/out"]
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, *args, *ray], env=env, start_new_session=True)
    deadline = time.monotonic() + 200
    while time.monotonic() < deadline and not fs.find(f"{prefix}/out/_work/done"):
        time.sleep(0.1)
        fs.invalidate_cache()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    fs.invalidate_cache()
    finished = [p.rsplit("/", 1)[1] for p in fs.find(f"{prefix}/out/_work/done")]
    assert finished and all(n.startswith("s0-") for n in finished)  # killed in stage 1, before its reduce
    assert not fs.exists(f"{prefix}/out/stats.json")

    resumed = subprocess.run(
        [sys.executable, "-c", DRIVER, *args, *ray], env=env, capture_output=True, text=True, timeout=400
    )
    assert resumed.returncode == 0, resumed.stderr
    reference = subprocess.run(
        [sys.executable, "-c", DRIVER, *args, "--output", str(tmp_path / "reference")],
        env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert reference.returncode == 0, reference.stderr
    got = _rows_on_store(object_store, f"s3://{prefix}/out", tmp_path / "got")
    assert _outputs(got) == _outputs(tmp_path / "reference")
    stats = orjson.loads(fs.cat_file(f"{prefix}/out/stats.json"))
    assert stats["input"] == orjson.loads((tmp_path / "reference" / "stats.json").read_bytes())["input"]
