"""A run whose output is an object store URL keeps all its state there (issue 14): every task's
`_work/` files, kept/ and rejected/ parts under names of its attempt, its done-marker last with
its stats; the driver reads markers only. Here on fsspec's in-memory store, in one process (the
serial executor); tests/write/test_object_store_output.py and the cluster tests use a real S3
server and Ray nodes that share no file system."""

from __future__ import annotations

import uuid
from pathlib import Path

import fsspec
import numpy as np
import orjson
import pytest

from foundation_helpers import rows, write_fallback_corpus
from tamis.dedup import partitions as pt
from tamis.dedup.exact import RemoveExactDuplicates
from tamis.dedup.near import RemoveNearDuplicates
from tamis.dedup.repeated_lines import RemoveRepeatedLines
from tamis.execute import checkpoint
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.execute.serial import SerialExecutor
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.repair.whitespace import NormalizeWhitespace
from tamis.write.run_store import RunStore, StorePath, StoreView, new_token, write_index, written

pytestmark = pytest.mark.issue(14)

PIPELINE = Pipeline(
    [RemoveRepeatedLines(), NormalizeWhitespace(), RemoveExactDuplicates(), RemoveNearDuplicates()]
)


def download(url: str, into: Path) -> Path:
    """The finished run's kept/ and rejected/ parts under the names a local run gives them."""
    for name, stored in checkpoint.StoreRun(url).output_parts():
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        (into / name).write_bytes(RunStore(url).read(stored))
    return into


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_fallback_corpus(folder, n_docs=300, shards=3)
    return folder


@pytest.fixture(scope="module")
def local_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("local") / "out"
    stats = run_pipeline(
        PIPELINE, discover([str(corpus)]), RunConfig(output=str(out)), SerialExecutor()
    ).stats
    assert stats["duplicates"] > 0 and stats["kept"] > 0
    return out, stats


def test_a_run_on_an_object_store_writes_what_a_local_run_writes_and_keeps_nothing_unnamed(
    corpus: Path, local_run: tuple[Path, dict], tmp_path: Path
) -> None:
    url = f"memory://tamis-{uuid.uuid4().hex[:8]}/out"
    stats = run_pipeline(PIPELINE, discover([str(corpus)]), RunConfig(output=url), SerialExecutor()).stats
    local, expected = local_run
    for key in ("input", "kept", "rejected", "duplicates", "verdicts", "corpus_stages", "steps"):
        if key == "steps":
            assert {k: {**v, "seconds": 0} for k, v in stats[key].items()} == {
                k: {**v, "seconds": 0} for k, v in expected[key].items()
            }
            continue
        assert stats[key] == expected[key], key
    got = download(url, tmp_path / "got")
    for sub in ("kept", "rejected"):
        assert rows(got / sub) == rows(local / sub), sub
        assert sorted(p.name for p in (got / sub).iterdir()) == sorted(
            p.name for p in (local / sub).iterdir()
        )

    store = RunStore(url)
    named = {s for t in store.done_tasks() if (m := store.marker(t)) for s in m.objects.values()}
    left = set(store.list(""))
    own = {"stats.json", "_work/manifest.json"} | {n for n in left if n.startswith("_work/done/")}
    assert left - own == named - {n for n in named if n.startswith("_work/seg")}
    assert not any(n.startswith(("_work/seg", "_work/index")) for n in left)  # hand-offs and indexes gone
    # every stored name carries its attempt's token: no object is ever written twice
    assert all(len(posixpath_name.split(".")) >= 3 for posixpath_name in named)
    assert orjson.loads(store.read("stats.json"))["kept"] == stats["kept"]


def test_an_attempt_that_dies_before_its_marker_is_redone_and_its_objects_swept(
    corpus: Path, local_run: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"memory://tamis-{uuid.uuid4().hex[:8]}/out"
    commit = checkpoint.commit_on_store

    def die_in_stage_two(store, tid, token, result, parts):
        if tid == "s1-00001":
            raise KeyboardInterrupt("killed before its marker")
        commit(store, tid, token, result, parts)

    monkeypatch.setattr(checkpoint, "commit_on_store", die_in_stage_two)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(PIPELINE, discover([str(corpus)]), RunConfig(output=url), SerialExecutor())
    store = RunStore(url)
    done = store.done_tasks()
    assert "reduce0" in done and "s1-00001" not in done and "s1-00002" not in done
    # stage two maps dedup.exact (corpus1) and dedup.near (corpus2) in one pass
    maps = ("_work/seg1/00001.", "_work/corpus1/map/00001.", "_work/corpus2/map/00001.")
    dead = [n for n in store.list("") if n.startswith(maps)]
    assert {n.split("/")[1] for n in dead} == {"seg1", "corpus1", "corpus2"}  # named by no marker

    monkeypatch.setattr(checkpoint, "commit_on_store", commit)
    stats = run_pipeline(PIPELINE, discover([str(corpus)]), RunConfig(output=url), SerialExecutor()).stats
    local, expected = local_run
    assert stats["kept"] == expected["kept"] and stats["duplicates"] == expected["duplicates"]
    got = download(url, tmp_path / "got")
    assert rows(got / "kept") == rows(local / "kept")
    assert not set(dead) & set(store.list(""))


@pytest.mark.parametrize("whole_bytes", [0, 8 << 20], ids=["by ranges", "whole, once per process"])
def test_a_stored_partition_equals_the_local_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole_bytes: int
) -> None:
    monkeypatch.setattr(pt, "_WHOLE_BYTES", whole_bytes)
    records = np.arange(1000, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    part = pt.partition_of(records, 7)
    local = tmp_path / "map"
    store = RunStore(f"memory://tamis-{uuid.uuid4().hex[:8]}/out")
    token = new_token()
    remote = StorePath(StoreView(store.url, None, token), "_work/corpus0/map")
    for shard in range(3):
        pt.write_partitioned(local, shard, records[shard::3], part[shard::3], 7)
        pt.write_partitioned(remote, shard, records[shard::3], part[shard::3], 7)
    stored = written(token)
    assert all(s.endswith(f".{token}.npy") or f".{token}.off" in s for s in stored.values())
    from tamis.write.run_store import Marker

    index = write_index(store, "_work/index/test.json", [Marker("s0", token, stored)])
    reader = StorePath(StoreView(store.url, index), "_work/corpus0/map")
    for p in range(7):
        assert (
            pt.read_partition(reader, p, records.dtype).tolist()
            == pt.read_partition(local, p, records.dtype).tolist()
        )
    assert [f.name for f in pt.shard_files(reader)] == ["00000.npy", "00001.npy", "00002.npy"]
    with pytest.raises(FileNotFoundError):
        pt.load_npy(reader / "00009.npy")
    with pytest.raises(TypeError, match="on an object store"):
        np.load(reader / "00000.npy")
    assert fsspec.filesystem("memory").exists(store.path(stored["_work/corpus0/map/00000.npy"]))
    # A reduce's task in another process sees what its attempt's other tasks stored (by the token).
    same_attempt = StorePath(StoreView(store.url, None, token), "_work/corpus0/map")
    assert [f.name for f in pt.shard_files(same_attempt)] == ["00000.npy", "00001.npy", "00002.npy"]
    assert (
        pt.read_buckets(same_attempt, 0, 7, records.dtype).tolist()
        == pt.read_buckets(local, 0, 7, records.dtype).tolist()
    )
    pt.clear_folder(same_attempt)  # nothing to delete on a store: no marker names an unfinished attempt
    assert pt.shard_files(same_attempt)
