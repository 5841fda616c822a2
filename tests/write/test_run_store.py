"""The run store publishes whole files and trusts only what done-markers name, on a local disk,
on file:// and memory:// URLs and on a real S3 server (SeaweedFS)."""

from __future__ import annotations

import uuid
from pathlib import Path

import fsspec
import pytest

from object_store import ObjectStore
from tamis.write.run_store import IncompleteRunError, RunStore


@pytest.fixture(params=["local", "file-url", "memory", pytest.param("s3", marks=pytest.mark.object_store)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> RunStore:
    if request.param == "local":
        return RunStore(str(tmp_path / "run"))
    if request.param == "file-url":
        return RunStore(f"file://{tmp_path}/run")
    if request.param == "memory":
        return RunStore(f"memory://tamis-{uuid.uuid4().hex}/run")
    s3: ObjectStore = request.getfixturevalue("object_store")
    return RunStore(f"s3://{s3.new_folder()}/run", s3.storage_options())


def test_a_put_file_reads_back_whole_under_its_name_or_its_attempt_name(store: RunStore) -> None:
    stored = store.put("kept/part-00000-0000.parquet", b"rows", token="a1b2")
    assert stored == (
        "kept/part-00000-0000.parquet" if store.renames else "kept/part-00000-0000.a1b2.parquet"
    )
    assert store.read(stored) == b"rows"
    assert store.exists(stored) and not store.exists("kept/part-00009-0000.parquet")
    assert store.list("kept") == [stored]
    with fsspec.open(store.url_of(stored), "rb", **_options(store)) as fh:
        assert fh.read() == b"rows"


def test_a_write_that_fails_publishes_nothing(store: RunStore) -> None:
    with pytest.raises(RuntimeError), store.open_write("kept/part-00000-0000.jsonl") as (fh, _stored):
        fh.write(b'{"id": "1"}\n' * 1000)
        raise RuntimeError("the worker died half way")
    assert store._every("kept") == []  # not even a temporary file


def test_a_streamed_file_is_published_when_its_block_ends(store: RunStore) -> None:
    chunk = bytes(range(256)) * 4096  # 1 MiB
    with store.open_write("_work/seg0/00003.parquet") as (fh, stored):
        for _ in range(6):
            fh.write(chunk)
        if not store.url.startswith("memory://"):  # memory:// lists a file from its opening on
            assert store.list("_work/seg0") == []  # nothing visible while it is written
    assert store.list("_work/seg0") == [stored]
    with store.open_read(stored) as fh:
        assert fh.read() == chunk * 6


def test_a_reduce_refuses_tasks_without_a_marker_or_with_files_missing(store: RunStore) -> None:
    for shard in range(3):
        attempt = store.attempt(f"s0-{shard:05d}")
        attempt.put(f"_work/seg0/{shard:05d}.parquet", b"survivors %d" % shard)
        if shard < 2:
            attempt.commit({"counts": {"input": 10 + shard}})
    tasks = ["s0-00000", "s0-00001", "s0-00002"]
    with pytest.raises(IncompleteRunError, match=r"1 have not finished \(e\.g\. s0-00002\)"):
        store.check_complete(tasks, "the reduce of stage 1")
    last = store.attempt("s0-00002")
    last.put("_work/seg0/00002.parquet", b"survivors 2")
    last.commit({"counts": {"input": 12}})
    markers = store.check_complete(tasks, "the reduce of stage 1")
    assert [m.info["counts"]["input"] for m in markers] == [10, 11, 12]
    assert [store.read(m.objects["_work/seg0/00001.parquet"]) for m in markers[1:2]] == [b"survivors 1"]
    # A worker's files that never reached this storage (a private disk): refused, not reduced over.
    store.delete([markers[1].objects["_work/seg0/00001.parquet"]])
    with pytest.raises(IncompleteRunError, match="task s0-00001 finished but 1 of its files"):
        store.check_complete(tasks, "the reduce of stage 1")


def test_two_attempts_at_one_task_never_overwrite_each_other_and_sweep_keeps_the_committed(
    store: RunStore,
) -> None:
    first, second = store.attempt("s0-00000"), store.attempt("s0-00000")
    first.put("kept/part-00000-0000.parquet", b"first")
    second.put("kept/part-00000-0000.parquet", b"second")
    second.put("kept/part-00000-0001.parquet", b"second, part 2")
    second.commit()
    killed = store.attempt("s0-00001")  # died before its marker
    killed.put("kept/part-00001-0000.parquet", b"half a run")
    notes = store.put("notes.txt", b"a file of the user's beside the run")
    if not store.renames:  # different names: the first attempt's object was not overwritten
        assert len(store.list("kept")) == 4

    stale = store.sweep(["kept", "_work"])

    marker = store.marker("s0-00000")
    assert marker is not None and marker.attempt == second.token
    assert [store.read(marker.objects[n]) for n in sorted(marker.objects)] == [b"second", b"second, part 2"]
    lost = {killed.objects["kept/part-00001-0000.parquet"]}
    assert set(stale) == (lost if store.renames else lost | set(first.objects.values()))
    assert store.list("") == sorted([*marker.objects.values(), "_work/done/s0-00000.json", notes])
    assert store.done_tasks() == {"s0-00000"}


def test_delete_prefix_deletes_a_folder_and_not_its_namesakes(store: RunStore) -> None:
    for name in ("_work/seg0/00000.parquet", "_work/seg0/sub/x.bin", "_work/seg01/00000.parquet"):
        store.put(name, b"x")
    store.delete_prefix("_work/seg0")
    assert [_logical(n) for n in store.list("_work")] == ["_work/seg01/00000.parquet"]
    store.delete_prefix("_work/never-written")  # nothing to delete is not an error


def _logical(stored: str) -> str:
    """The name an object store's attempt-unique name stands for (local names are their own)."""
    if stored.count(".") < 2:
        return stored
    folder, _, base = stored.rpartition("/")
    stem, _, rest = base.partition(".")
    return f"{folder}/{stem}.{rest.partition('.')[2]}"


def _options(store: RunStore) -> dict:
    return dict(store.fs.storage_options)
