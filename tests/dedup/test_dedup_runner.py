"""The dedup stages through the real runner: accounting, executors agree, resume after a kill."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from dedup_helpers import paragraphs

from tamis.config import from_dict
from tamis.dedup.near import RemoveNearDuplicates
from tamis.document import replay
from tamis.execute import LocalExecutor, RunConfig, SerialExecutor, run_pipeline
from tamis.read import discover
from tamis.steps import register

STEPS = [{"use": "dedup.repeated_lines"}, {"use": "dedup.exact"}, {"use": "dedup.near"}]


@register("test.near_killed_once", version=1)
@dataclass(frozen=True)
class NearKilledOnce(RemoveNearDuplicates):
    """dedup.near that dies in apply while `kill_file` exists (and removes it): a kill between phases."""

    kill_file: str = ""

    def applier(self, shard: int, work_dir: Path) -> Any:
        if self.kill_file and os.path.exists(self.kill_file) and shard == 1:
            os.unlink(self.kill_file)
            raise KeyboardInterrupt("killed between reduce and apply")
        return super().applier(shard, work_dir)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    p = paragraphs()
    folder = tmp_path_factory.mktemp("dedup-in")
    records = []
    for i, body in enumerate(p):
        host = f"site{i % 3}.example"
        records.append(
            {
                "id": f"d{i}",
                "url": f"https://{host}/{i}",
                "text": f"Home | Blog | About {host}\n{body}\nLeave a Reply",
            }
        )
    records.append({"id": "copy-exact", "url": "https://site2.example/amp/2", "text": records[2]["text"]})
    words = p[7].split()
    records.append(
        {"id": "copy-near", "url": "https://other.example/7", "text": " ".join(words[:10] + words[11:])}
    )
    files = []
    for k in range(3):
        path = folder / f"part-{k}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records[k::3]), encoding="utf-8")
        files.append(str(path))
    return files


def _run(inputs: list[str], out: Path, executor: Any, steps: list[dict[str, Any]] = STEPS) -> dict[str, Any]:
    pipeline = from_dict({"steps": steps}).pipeline
    return run_pipeline(pipeline, discover(inputs), RunConfig(output=str(out)), executor).stats


def _rows(out: Path) -> dict[str, dict[str, Any]]:
    rows = {}
    for sub in ("kept", "rejected"):
        for path in sorted((out / sub).glob("*.parquet")):
            for r in pq.read_table(path).to_pylist():
                rows[r["id"]] = {
                    k: r.get(k) for k in ("text", "verdict", "step", "duplicate_of", "similarity", "edits")
                }
    return rows


def test_accounting_and_executors_agree(inputs: list[str], tmp_path: Path) -> None:
    serial = _run(inputs, tmp_path / "serial", SerialExecutor())
    local = _run(inputs, tmp_path / "local", LocalExecutor(2))
    assert local["duplicates"] == 2
    assert (
        serial["input"] == 26 == serial["kept"] + serial["rejected"] + serial["duplicates"] + serial["failed"]
    )
    assert serial["duplicates"] == 2
    rows = _rows(tmp_path / "serial")
    assert rows == _rows(tmp_path / "local")
    # the copy sits in shard 0 (records[24::3]), before d2 in shard 2: keep="first" keeps the copy
    assert rows["d2"]["duplicate_of"] == "copy-exact" and rows["d2"]["step"] == "dedup.exact"
    assert rows["copy-near"]["duplicate_of"] == "d7" and rows["copy-near"]["step"] == "dedup.near"
    kept_texts = [r["text"] for r in rows.values() if r["verdict"] is None]
    assert not any("Leave a Reply" in t or t.startswith("Home |") for t in kept_texts)
    assert set(serial["corpus_stages"]) == {"reduce0", "reduce1", "reduce2"}


def test_resume_after_a_kill_between_phases_gives_the_same_result(inputs: list[str], tmp_path: Path) -> None:
    kill = tmp_path / "kill"
    kill.write_text("1")
    steps = [*STEPS[:2], {"use": "test.near_killed_once", "kill_file": str(kill)}]
    with pytest.raises(KeyboardInterrupt):
        _run(inputs, tmp_path / "resumed", SerialExecutor(), steps)
    assert (tmp_path / "resumed" / "_work" / "done" / "reduce2.json").exists()  # died after the reduce
    resumed = _run(inputs, tmp_path / "resumed", SerialExecutor(), steps)
    kill.unlink(missing_ok=True)
    clean = _run(inputs, tmp_path / "clean", SerialExecutor(), steps)
    assert _rows(tmp_path / "resumed") == _rows(tmp_path / "clean")
    assert resumed["kept"] == clean["kept"] and resumed["duplicates"] == clean["duplicates"] == 2
    for path in (tmp_path / "resumed" / "kept").glob("*.parquet"):
        for r in pq.read_table(path).to_pylist():
            assert replay(r["original"], [_edit(e) for e in r["edits"]]) == r["text"]


def _edit(e: dict[str, Any]) -> Any:
    from tamis.document import Edit

    return Edit(**e)


def test_empty_shards_and_texts_pass_through(tmp_path: Path) -> None:
    from dedup_helpers import doc, run_phases

    from tamis.dedup.exact import RemoveExactDuplicates
    from tamis.dedup.repeated_lines import RemoveRepeatedLines

    shards = [[], [doc("e1", ""), doc("e2", "!!! ..."), doc("p", paragraphs()[0])], []]
    for stage in (RemoveRepeatedLines(), RemoveExactDuplicates(), RemoveNearDuplicates()):
        out = run_phases(stage, shards, tmp_path / stage.name)
        assert [d.verdict for d in out] == [None, None, None]


@register("test.near_batch_log", version=1)
@dataclass(frozen=True)
class NearBatchLog(RemoveNearDuplicates):
    """dedup.near that appends the size of every batch its mapper and applier are handed to `log_file`."""

    log_file: str = ""

    def mapper(self, shard: int, work_dir: Path) -> Any:
        return _Logged(super().mapper(shard, work_dir), "add", self.log_file)

    def applier(self, shard: int, work_dir: Path) -> Any:
        return _Logged(super().applier(shard, work_dir), "apply", self.log_file)


class _Logged:
    def __init__(self, inner: Any, method: str, log_file: str) -> None:
        self.inner, self.method, self.log_file = inner, method, log_file

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name != self.method:
            return attr

        def logged(docs: Any) -> Any:
            with open(self.log_file, "a") as fh:
                fh.write(f"{name} {len(docs)}\n")
            return attr(docs)

        return logged


def test_the_runner_hands_a_shard_to_a_stage_a_batch_at_a_time(
    inputs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tamis.dedup import stream

    clean = _run(inputs, tmp_path / "whole", SerialExecutor())
    monkeypatch.setattr(stream, "BATCH_DOCS", 3)
    log = tmp_path / "batches.log"
    steps = [*STEPS[:2], {"use": "test.near_batch_log", "log_file": str(log)}]
    batched = _run(inputs, tmp_path / "batched", SerialExecutor(), steps)
    sizes = [(kind, int(n)) for kind, n in (line.split() for line in log.read_text().splitlines())]
    assert {kind for kind, _ in sizes} == {"add", "apply"}
    assert max(n for _, n in sizes) == 3  # never a whole shard (8-9 documents here) at once
    assert sum(n for kind, n in sizes if kind == "add") == sum(n for kind, n in sizes if kind == "apply")
    renamed = {"test.near_batch_log": "dedup.near"}
    rows = {
        doc_id: {**row, "step": renamed.get(row["step"], row["step"])}
        for doc_id, row in _rows(tmp_path / "batched").items()
    }
    assert rows == _rows(tmp_path / "whole")
    assert batched["kept"] == clean["kept"] and batched["duplicates"] == clean["duplicates"] == 2


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if "seconds" not in k}
    return value


def test_dedup_stages_in_a_row_share_one_pass_and_decide_as_in_a_pass_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dedup.exact then dedup.near map in one pass; near's reduce leaves out the exact copies, so
    a longer exact copy of a page cannot make near (keep="longest") drop the page exact kept."""
    p = paragraphs()
    page = p[3]
    records = [
        {"id": "page", "text": page},
        *({"id": f"other{i}", "text": body} for i, body in enumerate(p[4:12])),
        {"id": "louder-copy", "text": page + " ..."},  # the same text to dedup.exact, longer
        {"id": "near-copy", "text": " ".join(page.split()[:-3])},
    ]
    inputs = []
    for k in range(2):
        path = tmp_path / f"in-{k}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records[k::2]), encoding="utf-8")
        inputs.append(str(path))
    steps = [{"use": "dedup.exact"}, {"use": "dedup.near", "keep": "longest"}]
    pipeline = from_dict({"steps": steps}).pipeline
    assert [[s.name for s in p.stages] for p in pipeline.passes()] == [["dedup.exact", "dedup.near"], []]
    shared = _run(inputs, tmp_path / "shared", SerialExecutor(), steps)

    monkeypatch.setattr(RemoveNearDuplicates, "leaves_out_removed", False)  # a pass per stage, as before
    assert len(pipeline.passes()) == 3
    separate = _run(inputs, tmp_path / "separate", SerialExecutor(), steps)

    rows = _rows(tmp_path / "shared")
    assert rows == _rows(tmp_path / "separate")
    assert rows["page"]["verdict"] is None
    assert rows["louder-copy"]["duplicate_of"] == "page" and rows["louder-copy"]["step"] == "dedup.exact"
    assert rows["near-copy"]["duplicate_of"] == "page" and rows["near-copy"]["step"] == "dedup.near"
    assert _without_timings(shared) == _without_timings(separate)
    assert shared["steps"]["dedup.near"]["docs"] == len(records) - 1  # the exact copy is not near's


@pytest.mark.parametrize(("fmt", "keep_original"), [("parquet", True), ("jsonl", False)])
def test_the_last_pass_writes_rows_as_the_documents_would_be_written(
    inputs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, keep_original: bool
) -> None:
    """The pass after the dedup stages drops duplicates at the Arrow level: the same kept/ and
    rejected/ files, byte for byte, as turning every row into a document and back."""
    from tamis.execute import runner

    pipeline = from_dict({"steps": STEPS}).pipeline
    config = {"output_format": fmt, "keep_original": keep_original}
    by_rows = run_pipeline(
        pipeline, discover(inputs), RunConfig(output=str(tmp_path / "rows"), **config), SerialExecutor()
    ).stats
    monkeypatch.setattr(runner, "_drops_only", lambda this, before: False)
    by_docs = run_pipeline(
        pipeline, discover(inputs), RunConfig(output=str(tmp_path / "docs"), **config), SerialExecutor()
    ).stats
    assert by_rows["duplicates"] == 2 and _without_timings(by_rows) == _without_timings(by_docs)
    files = sorted(p.relative_to(tmp_path / "docs") for p in (tmp_path / "docs").glob("*/part-*"))
    assert len(files) == 5  # kept/ for 3 shards; rejected/: the copies in shards 1 and 2
    assert files == sorted(p.relative_to(tmp_path / "rows") for p in (tmp_path / "rows").glob("*/part-*"))
    for name in files:
        assert (tmp_path / "rows" / name).read_bytes() == (tmp_path / "docs" / name).read_bytes()
