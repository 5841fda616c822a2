"""One run over many shards: segments, tasks, reduces. Executors only schedule tasks.

A pipeline splits into passes (`Pipeline.passes`), each a run of per-document steps ended by
one or more corpus stages (or by the end). Pass k reads shard i (the input for k=0, else pass
k-1's survivors), applies the decisions of the previous pass's corpus stages, runs its steps,
sends every document with a verdict to `rejected/`, and either hands survivors to its corpus
stages (each maps them) or, for the last pass, writes them to `kept/`, a batch at a time
(docs/architecture.md). What a task keeps to resume is in `checkpoint.py`; what it
counts, and how the run checks that every record is accounted for, in `accounting.py`.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from tamis.dedup import stream
from tamis.dedup.repeated_ids import IdHashes
from tamis.document import KEPT_SCHEMA, REJECTED_SCHEMA, Document, from_row
from tamis.execute import checkpoint
from tamis.execute.accounting import Tally, check_accounting, check_rows_on_disk, collect_stats
from tamis.execute.progress import ProgressFactory, ProgressFn
from tamis.pipeline import Pass, Pipeline, process_all
from tamis.read import ReadOptions, Shard, read_shard
from tamis.read.base import compression_of
from tamis.settings import RunSettings
from tamis.steps import CorpusStage
from tamis.write import ShardWriter
from tamis.write.remote_output import is_remote
from tamis.write.run_store import IncompleteRunError, StorePath, StoreView, new_token
from tamis.write.shards import SegmentWriter, read_segment, segment_batches, segment_name, segment_rows


class Executor(Protocol):
    """Runs tasks; knows nothing of what they do. Progress follows `execute/progress.py`.
    Optional: `shares_parent_memory = True` (the runner loads the models in this process before
    the first task, for forked workers to share) and `close()` (called when the run ends)."""

    workers: int

    def map_unordered(
        self, fn: Callable[[Any, ProgressFn | None], Any], tasks: Sequence[Any], progress: ProgressFn | None
    ) -> Iterator[Any]:
        """Run `fn(task, report)` for every task, yielding results as they finish; what a task
        passes to `report(docs, bytes)` reaches `progress`."""
        ...


@dataclass(frozen=True, kw_only=True)
class RunConfig(RunSettings):
    """The settings of one run and the folder it writes."""

    output: str

    @property
    def read(self) -> ReadOptions:
        return self.read_options()


@dataclass(frozen=True)
class ShardTask:
    segment: int
    shard_index: int
    shard: Shard
    pipeline: Pipeline
    config: RunConfig
    #: On an object store: the stored name of the index of the files this task may read (None locally).
    index: str | None = None


def run_shard(task: ShardTask, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Process one shard through one pass; returns the counts written to its stats file."""
    pipeline, config = task.pipeline, task.config
    pipeline.setup()
    passes = pipeline.passes()
    this = passes[task.segment]
    stages = this.numbered()
    tid = checkpoint.task_id(task.segment, task.shard_index)
    # On an object store every file of this attempt goes under its own token (no rename there), so
    # nothing is left to clear; locally files have fixed names and an earlier attempt's are deleted.
    token = new_token() if is_remote(config.output) else None
    out: Path | StorePath
    if token is not None:
        out = StorePath(StoreView(config.output, task.index, token), "")
    else:
        out = Path(config.output)
        checkpoint.clear_partial(out, tid)
    wdir = out / "_work"
    tally = Tally()
    user_ids = IdHashes()  # every input record's id, to count ids used twice (never merged)
    before = passes[task.segment - 1].numbered() if task.segment > 0 else []
    if task.segment == 0:
        docs = _read(task.shard, config.read, tally, user_ids, progress)
    elif _drops_only(this, before):
        docs = iter(())  # the rows are written below, without becoming documents
    else:
        docs = _apply_previous_stages(task, before, wdir, tally, progress)

    rejected = _writer(config, "rejected", f"part-{tid}", REJECTED_SCHEMA, token)
    kept = _writer(config, "kept", f"part-{task.shard_index:05d}", KEPT_SCHEMA, token) if not stages else None
    written: list[str] = []
    hand_on = stamps = None
    if stages:
        if isinstance(wdir, Path):
            # Every stage names a shard's map files by the shard's number (dedup/partitions.py).
            folders = [wdir / f"seg{task.segment}", *(wdir / f"corpus{n}" for n, _ in stages)]
            stamps = checkpoint.FileStamps(folders, f"{task.shard_index:05d}.*")
        hand_on = _HandOn(stages, task.segment, task.shard_index, wdir)
    try:
        if kept is not None and _drops_only(this, before):
            _write_survivors(task, before, wdir, tally, progress, rejected, kept)
        for doc in process_all(docs, this.steps, tally.steps, strict=config.strict):
            tally.count_outcome(doc, last_segment=not stages)
            if doc.verdict is not None:
                rejected.write(doc)
            elif kept is not None:
                kept.write(doc)
            else:
                hand_on.add(doc)
        rejected.close()
        if kept is not None:
            kept.close()
        if task.segment == 0:
            user_ids.write(wdir / "user_ids", task.shard_index)
        if hand_on is not None:
            hand_on.close()
        if stamps is not None and isinstance(out, Path):
            written = stamps.written(out)
    except BaseException:
        rejected.abort()
        if kept is not None:
            kept.abort()
        if hand_on is not None:
            hand_on.abort()
        raise
    result = tally.as_dict(tid)
    if isinstance(out, StorePath) and token is not None:
        parts = [*rejected.paths, *(kept.paths if kept is not None else ())]
        checkpoint.commit_on_store(out.store, tid, token, result, parts)
    else:
        checkpoint.finish_task(wdir, tid, result, written)
    return result


def _writer(config: RunConfig, sub: str, prefix: str, schema: Any, token: str | None) -> ShardWriter:
    folder = f"{config.output.rstrip('/')}/{sub}" if token is not None else str(Path(config.output) / sub)
    return ShardWriter(
        folder,
        prefix,
        schema,
        fmt=config.output_format,
        max_bytes=config.max_shard_bytes,
        keep_original=config.keep_original,
        token=token,
    )


def _read(
    shard: Shard, options: ReadOptions, tally: Tally, user_ids: IdHashes, progress: ProgressFn | None
) -> Iterator[Document]:
    """The shard's records, each counted as input as it is read.

    Progress goes out every 500 documents with the bytes read so far where the position is
    known (plain JSONL: a record's offset is its byte position); the rest of the shard's bytes
    are reported when it ends, so a stage's bar always adds up to its input size.
    """
    pending = 0
    reported_bytes = 0
    plain = shard.format == "jsonl" and compression_of(shard.uri) is None
    for doc in read_shard(shard, options):
        tally.count_input(doc)
        user_ids.add(doc.id)
        pending += 1
        if progress and pending >= 500:
            position = doc.source.offset - shard.start if plain and doc.source.offset is not None else 0
            progress(pending, max(0, position - reported_bytes))
            reported_bytes = max(reported_bytes, position)
            pending = 0
        yield doc
    if progress:
        progress(pending, max(0, shard.size - reported_bytes))


def _hand_off(task: ShardTask, wdir: Path | StorePath) -> Path | StorePath:
    """The previous pass's survivors of this task's shard (`_work/seg<k-1>/`)."""
    path = wdir / f"seg{task.segment - 1}" / segment_name(task.shard_index)
    if not path.exists():
        # The driver saw this task's input; this node does not: nodes that share no file system.
        raise IncompleteRunError(
            f"stage {task.segment + 1}: shard {task.shard_index}'s input {path} is not on this node "
            f"({socket.gethostname()}), though the stage before wrote it: every node must write to the "
            "same storage, a shared file system or an object store URL (s3://…) for --output"
        )
    return path


def _drops_only(this: Pass, before: Sequence[tuple[int, CorpusStage]]) -> bool:
    """Whether this pass only applies decisions that drop documents: no step, no stage of its own,
    and every stage before it `only_removes` (the default pipeline's last pass: dedup verdicts)."""
    return bool(before) and not this.steps and not this.stages and all(s.only_removes for _, s in before)


def _write_survivors(
    task: ShardTask,
    stages: Sequence[tuple[int, CorpusStage]],
    wdir: Path | StorePath,
    tally: Tally,
    progress: ProgressFn | None,
    rejected: ShardWriter,
    kept: ShardWriter,
) -> None:
    """A last pass that only drops documents, at the Arrow level: the stages' appliers decide on
    each batch's ids (a stage that `only_removes` decides by row, reading no other field), the
    rows they remove become documents with their verdicts for `rejected/`, and the others go to
    `kept/` as the rows they are, filtered (the same bytes as writing their documents)."""
    path = _hand_off(task, wdir)
    if progress:
        progress(segment_rows(path), 0)
    appliers = [_applier_of(stage, task.shard_index, wdir / f"corpus{n}") for n, stage in stages]
    for rows in segment_batches(path, stream.BATCH_DOCS):
        decided = [Document(doc_id, "") for doc_id in rows.column("id").to_pylist()]
        for (_, stage), apply in zip(stages, appliers, strict=True):
            decided = _apply_batch(stage, apply, decided, tally)
        removed = [i for i, doc in enumerate(decided) if doc.verdict is not None]
        for i in removed:
            doc = from_row(rows.slice(i, 1).to_pylist()[0]).replace(verdict=decided[i].verdict)
            tally.count_outcome(doc, last_segment=True)
            rejected.write(doc)
        survivors = rows.filter(pa.array([doc.verdict is None for doc in decided])) if removed else rows
        tally.count_kept(survivors.num_rows)
        kept.write_rows(survivors)
    for apply in appliers:
        apply.close()


def _apply_previous_stages(
    task: ShardTask,
    stages: Sequence[tuple[int, CorpusStage]],
    wdir: Path | StorePath,
    tally: Tally,
    progress: ProgressFn | None,
) -> Iterator[Document]:
    """The survivors the previous pass handed on for this shard, with the decisions of its corpus
    stages applied in order.

    Read and applied a batch at a time, so a task holds one batch of documents whatever the
    shard's size (when a stage has no `applier`, every stage gets the shard as one list).
    """
    path = _hand_off(task, wdir)
    if progress:
        progress(segment_rows(path), 0)
    docs = read_segment(path, stream.BATCH_DOCS)
    appliers = [_applier_of(stage, task.shard_index, wdir / f"corpus{n}") for n, stage in stages]
    streaming = all(getattr(stage, "applier", None) is not None for _, stage in stages)
    for batch in stream.batches(docs, stream.BATCH_DOCS) if streaming else [list(docs)]:
        for (_, stage), apply in zip(stages, appliers, strict=True):
            batch = _apply_batch(stage, apply, batch, tally)
        yield from batch
    for apply in appliers:
        apply.close()


def _applier_of(stage: CorpusStage, shard: int, cdir: Path | StorePath) -> stream.ShardApplier:
    make = getattr(stage, "applier", None)
    return make(shard, cdir) if make is not None else _WholeShard(stage, shard, cdir)


@dataclass
class _WholeShard:
    """A stage without an `applier`: `apply_shard` of the shard's documents, given as one batch."""

    stage: CorpusStage
    shard: int
    cdir: Path | StorePath

    def apply(self, docs: Sequence[Document]) -> list[Document]:
        return self.stage.apply_shard(docs, self.shard, self.cdir)  # type: ignore[arg-type]

    def close(self) -> None:
        pass


def _apply_batch(
    stage: CorpusStage, apply: stream.ShardApplier, batch: list[Document], tally: Tally
) -> list[Document]:
    """One stage's decisions on a batch. A document an earlier stage of the same pass gave a
    verdict keeps it: the stage's apply sees it (to check it was handed what map saw) but its
    answer for it is not used, and the stage's stats count only the documents it decided on."""
    t0 = time.perf_counter()
    out = apply.apply(batch)
    seconds = time.perf_counter() - t0
    alive = [i for i, doc in enumerate(batch) if doc.verdict is None]
    if len(alive) == len(batch) or len(out) != len(batch):
        tally.count_corpus_stage(stage, batch, out, seconds)  # raises when a document went missing
        return out
    tally.count_corpus_stage(stage, [batch[i] for i in alive], [out[i] for i in alive], seconds)
    merged = list(batch)
    for i in alive:
        merged[i] = out[i]
    return merged


class _StageMap:
    """One corpus stage's map of a shard: a batch at a time to its `mapper`, or the whole shard
    as one list to `map_shard` when it has none."""

    def __init__(self, stage: CorpusStage, shard_index: int, cdir: Path | StorePath) -> None:
        cdir.mkdir(parents=True, exist_ok=True)
        make_mapper = getattr(stage, "mapper", None)
        self.mapper = make_mapper(shard_index, cdir) if make_mapper is not None else None
        self.stage, self.shard_index, self.cdir = stage, shard_index, cdir
        self.docs: list[Document] = []

    def add(self, batch: list[Document]) -> None:
        if self.mapper is None:
            self.docs.extend(batch)
        else:
            self.mapper.add(batch)

    def close(self) -> None:
        if self.mapper is None:
            self.stage.map_shard(self.docs, self.shard_index, self.cdir)  # type: ignore[arg-type]
        else:
            self.mapper.close()


class _HandOn:
    """A pass's survivors stored for the next pass and mapped by each of its corpus stages, a batch at a time."""

    def __init__(
        self,
        stages: Sequence[tuple[int, CorpusStage]],
        segment: int,
        shard_index: int,
        wdir: Path | StorePath,
    ) -> None:
        self.segment = SegmentWriter(
            wdir / f"seg{segment}" / segment_name(shard_index), KEPT_SCHEMA, stream.BATCH_DOCS
        )
        self.maps = [_StageMap(stage, shard_index, wdir / f"corpus{n}") for n, stage in stages]
        self.batch: list[Document] = []

    def add(self, doc: Document) -> None:
        self.segment.write(doc)
        self.batch.append(doc)
        if len(self.batch) >= stream.BATCH_DOCS:
            self._flush()

    def _flush(self) -> None:
        for m in self.maps:
            m.add(self.batch)
        self.batch = []

    def close(self) -> None:
        self.segment.close()
        if self.batch:
            self._flush()
        for m in self.maps:
            m.close()

    def abort(self) -> None:
        self.segment.abort()


# ---------------------------------------------------------------- the whole run


@dataclass
class RunSummary:
    output: str
    stats: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return {k: self.stats[k] for k in ("input", "kept", "rejected", "duplicates", "failed")}


def run_pipeline(
    pipeline: Pipeline,
    shards: Sequence[Shard],
    config: RunConfig,
    executor: Executor,
    *,
    progress: ProgressFactory | None = None,
) -> RunSummary:
    """Run the pipeline over every shard; resume where a previous run of the same pipeline stopped."""
    state = checkpoint.run_state(config.output)
    state.check_or_write_manifest(pipeline, shards, config)
    t0 = time.time()
    if getattr(executor, "shares_parent_memory", False):
        pipeline.setup(before_fork=True)  # before the workers fork: they share these models and load none
        _import_arrow_modules(pipeline, shards, config)
    try:
        _run_segments(pipeline, shards, config, executor, progress, state)
        # Every task has finished: the pool's workers count the rows of the output (decompressing
        # each part) before it closes, instead of this process alone after it.
        on_disk = state.rows_on_disk(executor if getattr(executor, "shares_parent_memory", False) else None)
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()
    state.check_inputs_unchanged(shards)
    stats = collect_stats(state, pipeline, len(shards))
    stats["seconds"] = round(time.time() - t0, 3)
    state.write_stats(stats)
    check_accounting(stats)
    check_rows_on_disk(state, config.output, stats, on_disk)
    state.finish()
    return RunSummary(config.output, stats)


def _import_arrow_modules(pipeline: Pipeline, shards: Sequence[Shard], config: RunConfig) -> None:
    """Import, before the workers fork, the pyarrow modules that the run's tasks will use, once for
    all of them; a run that reads and writes JSON lines with no corpus stage uses none of them, and
    write/shards.py and read/parquet.py import them only where used (pyarrow.compute: ~30 ms)."""
    stages = any(this.stages for this in pipeline.passes())
    if stages or config.output_format == "parquet" or any(_reads_parquet(s) for s in shards):
        import pyarrow.compute
        import pyarrow.ipc
        import pyarrow.parquet  # noqa: F401


def _reads_parquet(shard: Shard) -> bool:
    return shard.format == "parquet" or any(_reads_parquet(part) for part in shard.parts)


def _run_segments(
    pipeline: Pipeline,
    shards: Sequence[Shard],
    config: RunConfig,
    executor: Executor,
    progress: ProgressFactory | None,
    state: checkpoint.LocalRun | checkpoint.StoreRun,
) -> None:
    """Each pass's unfinished tasks, then the reduces of its corpus stages in order, on the executor."""
    passes = pipeline.passes()
    for k, this in enumerate(passes):
        todo = [ShardTask(k, i, shards[i], pipeline, config) for i in state.unfinished(k, len(shards))]
        if k > 0 and todo:
            needed = f"stage {k + 1}"
            reduced = [n for n, _ in passes[k - 1].numbered()]
            index = state.check_map_outputs(k - 1, [t.shard_index for t in todo], needed, reduced)
            todo = [dataclasses.replace(t, index=index) for t in todo]
        label = f"stage {k + 1}/{len(passes)}" + (f" → {this.label}" if this.stages else "")
        tick = None
        if progress and todo:
            if k == 0:
                tick = progress(label, sum(t.shard.size for t in todo), "B")
            else:
                tick = progress(label, state.passed(k - 1, [t.shard_index for t in todo]), "doc")
        try:
            for _ in executor.map_unordered(run_shard, todo, tick):
                pass
        finally:
            close = getattr(tick, "close", None)
            if close is not None:
                close()
        numbered = this.numbered()
        for j, (n, corpus) in enumerate(numbered):
            state.reduce(k, n, corpus, numbered[:j], executor, len(shards))
        # A pass's hand-off is no longer needed once the next pass has read it.
        if k > 0:
            state.drop_hand_off(k - 1)
