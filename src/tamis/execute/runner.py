"""One run over many shards: stages, checkpoints, accounting. Executors only schedule tasks.

A pipeline splits into segments, each a run of per-document steps ended by a corpus stage
(or by the end). Segment k reads shard i (the input for k=0, else segment k-1's survivors),
applies the previous corpus stage's decisions, runs its steps, sends every document with a
verdict to `rejected/`, and either hands survivors to its corpus stage or, for the last
segment, writes them to `kept/`.

Every (segment, shard) task writes to temporary names, renames, then writes a done-marker.
A re-run skips marked tasks and redoes the rest after deleting whatever an interrupted
attempt had renamed, so a killed run neither loses nor duplicates a record.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from tamis import __version__
from tamis.dedup.repeated_ids import IdHashes, count_repeated_ids
from tamis.document import KEPT_SCHEMA, REJECTED_SCHEMA, Document, Duplicate, Failed, Verdict, from_table
from tamis.errors import AccountingError, InputError
from tamis.pipeline import Pipeline, RunStats, process_all
from tamis.read import ReadOptions, Shard, read_shard
from tamis.read.base import compression_of
from tamis.steps import CorpusStage
from tamis.write import ShardWriter, row_of
from tamis.write.output_folder import count_rows_on_disk

ProgressFn = Callable[[int, int], None]  # (docs done, bytes done) increments
#: Makes a progress callback for one stage: (label, total, unit) where unit is "B" (input bytes,
#: first stage) or "doc" (documents, later stages). The callback may have a `close()` method.
ProgressFactory = Callable[[str, int, str], ProgressFn]


class Executor(Protocol):
    workers: int

    def map_unordered(
        self, fn: Callable[[Any], Any], tasks: Sequence[Any], progress: ProgressFn | None
    ) -> Iterator[Any]:
        """Run `fn(task)` for every task, yielding results as they finish."""
        ...


@dataclass(frozen=True)
class RunConfig:
    output: str
    output_format: str = "parquet"
    max_shard_bytes: int = 256 << 20
    read: ReadOptions = field(default_factory=ReadOptions)
    strict: bool = False
    keep_original: bool = True


@dataclass(frozen=True)
class ShardTask:
    segment: int
    shard_index: int
    shard: Shard
    pipeline: Pipeline
    config: RunConfig


def work_dir(config: RunConfig) -> Path:
    return Path(config.output) / "_work"


def _task_id(segment: int, shard_index: int) -> str:
    return f"s{segment}-{shard_index:05d}"


def run_shard(task: ShardTask, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Process one shard through one segment; returns the counts written to its stats file."""
    pipeline, config = task.pipeline, task.config
    pipeline.setup()
    segments = pipeline.segments()
    steps, corpus = segments[task.segment]
    out = Path(config.output)
    wdir = work_dir(config)
    tid = _task_id(task.segment, task.shard_index)
    _clear_partial(out, wdir, tid)

    stats = RunStats()
    counts = {"input": 0, "kept": 0, "rejected": 0, "duplicates": 0, "failed": 0, "passed": 0}

    verdicts: Counter[str] = Counter()  # "step:rule" of every verdict given in this task
    user_ids = IdHashes()  # every input record's id, to count ids used twice (never merged)
    if task.segment == 0:
        docs: Iterable[Document] = _counted(
            read_shard(task.shard, config.read), task.shard, counts, stats, progress, user_ids
        )
    else:
        prev_corpus = segments[task.segment - 1][1]
        assert prev_corpus is not None
        prev = from_table(pq.read_table(wdir / f"seg{task.segment - 1}" / f"{task.shard_index:05d}.parquet"))
        if progress:
            progress(len(prev), 0)
        docs = _apply_corpus(prev_corpus, prev, task.shard_index, wdir / f"corpus{task.segment - 1}", stats)

    rejected = _writer(config, out / "rejected", f"part-{tid}", REJECTED_SCHEMA)
    survivors: list[Document] = []
    kept = (
        _writer(config, out / "kept", f"part-{task.shard_index:05d}", KEPT_SCHEMA) if corpus is None else None
    )
    try:
        for doc in process_all(docs, steps, stats, strict=config.strict):
            if doc.verdict is not None:
                counts[_verdict_key(doc)] += 1
                verdicts[f"{doc.verdict.step}:{_rule_of(doc.verdict)}"] += 1
                rejected.write(doc)
            elif kept is not None:
                counts["kept"] += 1
                kept.write(doc)
            else:
                counts["passed"] += 1
                survivors.append(doc)
        rejected.close()
        if kept is not None:
            kept.close()
        if task.segment == 0:
            user_ids.write(wdir / "user_ids", task.shard_index)
        if corpus is not None:
            seg_dir = wdir / f"seg{task.segment}"
            seg_dir.mkdir(parents=True, exist_ok=True)
            _write_atomic_table(survivors, seg_dir / f"{task.shard_index:05d}.parquet")
            cdir = wdir / f"corpus{task.segment}"
            cdir.mkdir(parents=True, exist_ok=True)
            corpus.map_shard(survivors, task.shard_index, cdir)
    except BaseException:
        rejected.abort()
        if kept is not None:
            kept.abort()
        raise
    result = {
        "task": tid,
        "counts": counts,
        "verdicts": dict(sorted(verdicts.items())),
        "steps": stats.as_dict(),
    }
    _write_json_atomic(wdir / "stats" / f"{tid}.json", result)
    _write_json_atomic(wdir / "done" / f"{tid}.json", {"task": tid, "time": time.time()})
    return result


def _writer(config: RunConfig, folder: Path, prefix: str, schema: Any) -> ShardWriter:
    return ShardWriter(
        str(folder),
        prefix,
        schema,
        fmt=config.output_format,
        max_bytes=config.max_shard_bytes,
        keep_original=config.keep_original,
    )


def _counted(
    docs: Iterable[Document],
    shard: Shard,
    counts: dict[str, int],
    stats: RunStats,
    progress: ProgressFn | None,
    user_ids: IdHashes,
) -> Iterator[Document]:
    """Count input records; the reader's own rejections are accounted as the step "read".

    Progress goes out every 500 documents with the bytes read so far where the position is
    known (plain JSONL: a record's offset is its byte position); the rest of the shard's bytes
    are reported when it ends, so a stage's bar always adds up to its input size.
    """
    pending = 0
    reported_bytes = 0
    plain = shard.format == "jsonl" and compression_of(shard.uri) is None
    read = stats["read"]
    for doc in docs:
        counts["input"] += 1
        user_ids.add(doc.id)
        read.docs += 1
        if doc.verdict is not None:
            read.rejected += 1
            read.rules[_rule_of(doc.verdict)] += 1
        pending += 1
        if progress and pending >= 500:
            position = doc.source.offset - shard.start if plain and doc.source.offset is not None else 0
            progress(pending, max(0, position - reported_bytes))
            reported_bytes = max(reported_bytes, position)
            pending = 0
        yield doc
    if progress:
        progress(pending, max(0, shard.size - reported_bytes))


def _apply_corpus(
    stage: CorpusStage, docs: list[Document], shard_index: int, cdir: Path, stats: RunStats
) -> Iterator[Document]:
    t0 = time.perf_counter()
    out = stage.apply_shard(docs, shard_index, cdir)
    s = stats[stage.name]
    s.docs += len(docs)
    s.seconds += time.perf_counter() - t0
    if len(out) != len(docs):
        raise AccountingError(f"corpus stage {stage.name} returned {len(out)} documents for {len(docs)}")
    for before, doc in zip(docs, out, strict=True):  # by position: two records may share an id
        if doc.verdict is not None:
            if doc.verdict.kind == "duplicate":
                s.duplicates += 1
            else:
                s.rejected += 1
            s.rules[_rule_of(doc.verdict)] += 1
        elif len(doc.edits) > len(before.edits):
            s.changed += 1
            s.rules.update(e.rule for e in doc.edits[len(before.edits) :])
        yield doc


def _rule_of(verdict: Verdict) -> str:
    match verdict:
        case Duplicate(method=method):
            return method
        case Failed(error_type=error_type):
            return error_type
        case _:
            return verdict.rule


def _verdict_key(doc: Document) -> str:
    kind = doc.verdict.kind if doc.verdict else "kept"
    return {"rejected": "rejected", "duplicate": "duplicates", "failed": "failed"}[kind]


def _clear_partial(out: Path, wdir: Path, tid: str) -> None:
    """Delete what an interrupted attempt at this task left, renamed or not."""
    segment, _, shard = tid.partition("-")
    patterns = [(out / "rejected", f"part-{tid}-"), (out / "rejected", f".tmp-part-{tid}-")]
    if segment:
        patterns += [(out / "kept", f"part-{shard}-"), (out / "kept", f".tmp-part-{shard}-")]
    for folder, prefix in patterns:
        if folder.is_dir():
            for p in folder.iterdir():
                if p.name.startswith(prefix):
                    p.unlink()


def _write_atomic_table(docs: list[Document], path: Path) -> None:
    tmp = path.with_name(".tmp-" + path.name)
    table = pa.Table.from_pylist([row_of(d) for d in docs], schema=KEPT_SCHEMA)
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _write_json_atomic(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".tmp-" + path.name)
    tmp.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)


# ---------------------------------------------------------------- the whole run


@dataclass
class RunSummary:
    output: str
    stats: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return {k: self.stats[k] for k in ("input", "kept", "rejected", "duplicates", "failed")}


def run(
    pipeline: Pipeline,
    shards: Sequence[Shard],
    config: RunConfig,
    executor: Executor,
    *,
    progress: ProgressFactory | None = None,
) -> RunSummary:
    """Run the pipeline over every shard; resume where a previous run of the same pipeline stopped."""
    out = Path(config.output)
    wdir = work_dir(config)
    _check_or_write_manifest(wdir, pipeline, shards, config)
    t0 = time.time()
    segments = pipeline.segments()
    for k, (_steps, corpus) in enumerate(segments):
        todo = [
            ShardTask(k, i, s, pipeline, config)
            for i, s in enumerate(shards)
            if not (wdir / "done" / f"{_task_id(k, i)}.json").exists()
        ]
        label = f"stage {k + 1}/{len(segments)}" + (f" → {corpus.name}" if corpus else "")
        tick = None
        if progress and todo:
            if k == 0:
                tick = progress(label, sum(t.shard.size for t in todo), "B")
            else:
                tick = progress(label, _passed(wdir, k - 1, [t.shard_index for t in todo]), "doc")
        try:
            for _ in executor.map_unordered(run_shard, todo, tick):
                pass
        finally:
            close = getattr(tick, "close", None)
            if close is not None:
                close()
        if corpus is not None:
            marker = wdir / "done" / f"reduce{k}.json"
            if not marker.exists():
                t_reduce = time.perf_counter()
                info = corpus.reduce(wdir / f"corpus{k}", executor.workers)
                _write_json_atomic(marker, {"info": info, "seconds": time.perf_counter() - t_reduce})
        # Segment outputs of a finished stage are no longer needed once the next stage has read them.
        if k > 0:
            prev = wdir / f"seg{k - 1}"
            if prev.is_dir():
                shutil.rmtree(prev, ignore_errors=True)
    _check_inputs_unchanged(wdir, shards)
    stats = collect_stats(out, pipeline, len(shards))
    stats["seconds"] = round(time.time() - t0, 3)
    _write_json_atomic(out / "stats.json", stats)
    check_accounting(stats)
    check_rows_on_disk(out, stats)
    return RunSummary(str(out), stats)


def _passed(wdir: Path, segment: int, shard_indexes: Sequence[int]) -> int:
    """Documents that segment `segment` handed on for the given shards (the next stage's total)."""
    total = 0
    for i in shard_indexes:
        path = wdir / "stats" / f"{_task_id(segment, i)}.json"
        if path.exists():
            total += orjson.loads(path.read_bytes())["counts"]["passed"]
    return total


def _check_or_write_manifest(
    wdir: Path, pipeline: Pipeline, shards: Sequence[Shard], config: RunConfig
) -> None:
    """Refuse to resume into a folder whose earlier run had other steps, inputs or output settings.

    Everything that changes what a shard's output holds is in the manifest, including each input
    file's size and modification time (an input edited in place keeps its size: issue 11); the
    worker count and executor are not, because they do not change outputs (tests/test_executors.py).
    """
    manifest = {
        "tamis": __version__,
        "fingerprint": pipeline.fingerprint,
        "inputs": [[s.uri, s.start, s.end, s.size] for s in shards],
        "files": input_stamps(shards),
        "output_format": config.output_format,
        "read": dataclasses.asdict(config.read),
        "keep_original": config.keep_original,
    }
    path = wdir / "manifest.json"
    if path.exists():
        old = orjson.loads(path.read_bytes())
        if old != manifest:
            raise InputError(
                f"{config.output} holds an unfinished or finished run {_difference(old, manifest)}; "
                "use a new --output folder or pass --overwrite to start again"
            )
        return
    _write_json_atomic(path, manifest)


def _check_inputs_unchanged(wdir: Path, shards: Sequence[Shard]) -> None:
    """An input written to while the run read it gives outputs that mix its old and new records."""
    recorded = orjson.loads((wdir / "manifest.json").read_bytes())["files"]
    now = input_stamps(shards)
    changed = [uri for uri, stamp in now.items() if recorded.get(uri) != stamp]
    if changed:
        raise InputError(
            f"input {changed[0]!r} changed while this run read it: its outputs may mix old and new "
            "records; when it is complete, start again with --overwrite"
        )


def input_stamps(shards: Sequence[Shard]) -> dict[str, list[Any]]:
    """Size and modification time (local: ns; object stores: their date and ETag/checksum) per input file."""
    stamps: dict[str, list[Any]] = {}
    # A group's files are stamped one by one; an entry the reader rejects (a FIFO, a dangling link,
    # a name that is not UTF-8) has nothing to stamp and is recorded by its rejection instead.
    files = [part for shard in shards for part in (shard.parts or (shard,)) if not part.unusable]
    for file in files:
        if file.uri in stamps:
            continue
        if "://" not in file.uri:
            st = os.stat(file.uri)
            stamps[file.uri] = [st.st_size, st.st_mtime_ns]
            continue
        import fsspec

        fs, path = fsspec.core.url_to_fs(file.uri)
        info = fs.info(path)
        keys = ("mtime", "LastModified", "last_modified", "updated", "ETag", "etag", "md5Hash", "crc32c")
        stamps[file.uri] = [info.get("size"), *(str(info[k]) for k in keys if info.get(k) is not None)]
    return stamps


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What differs between an earlier run's manifest and this one, in words."""
    if old.get("fingerprint") != new["fingerprint"]:
        return "with a different pipeline"
    before, now = old.get("files"), new["files"]
    if isinstance(before, dict):
        changed = [uri for uri in now if uri in before and before[uri] != now[uri]]
        if changed:
            was, is_ = before[changed[0]], now[changed[0]]
            how = "the same size" if was[0] == is_[0] else f"size {was[0]:,} -> {is_[0]:,} bytes"
            more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
            return f"whose input {changed[0]!r}{more} changed since ({how}, modified again): its outputs are stale"
        added = [uri for uri in now if uri not in before]
        gone = [uri for uri in before if uri not in now]
        if added or gone:
            first = (added or gone)[0]
            return f"with different inputs ({len(added)} files added, {len(gone)} gone, e.g. {first!r})"
    elif old.get("inputs") == new["inputs"]:
        return "of an older tamis, which did not record the inputs' modification times"
    if old.get("inputs") != new["inputs"]:
        return "with different inputs (split differently)"
    keys = [k for k in ("output_format", "read", "keep_original", "tamis") if old.get(k) != new.get(k)]
    return f"with different output settings ({', '.join(keys) or 'manifest'})"


def collect_stats(out: Path, pipeline: Pipeline, n_shards: int) -> dict[str, Any]:
    """Sum the per-task stats files into the run's stats.json (steps in pipeline order)."""
    wdir = out / "_work"
    totals = {"input": 0, "kept": 0, "rejected": 0, "duplicates": 0, "failed": 0}
    merged = RunStats()
    verdicts: Counter[str] = Counter()
    for path in sorted((wdir / "stats").glob("[!.]*.json")):  # not a .tmp- file left by a kill
        item = orjson.loads(path.read_bytes())
        for key in totals:
            totals[key] += item["counts"][key]
        verdicts.update(item.get("verdicts", {}))
        merged.merge(RunStats.from_dict(item["steps"]))
    order = ["read", *(s.name for s in pipeline.steps)]
    steps = {name: merged[name].as_dict() for name in order if name in merged}
    steps.update({name: s.as_dict() for name, s in merged.items() if name not in steps})
    reduces, reduce_seconds = {}, {}
    corpus_names = [corpus.name for _steps, corpus in pipeline.segments() if corpus is not None]
    for path in sorted((wdir / "done").glob("reduce*.json")):
        marker = orjson.loads(path.read_bytes())
        reduces[path.stem] = marker.get("info")
        k = int(path.stem.removeprefix("reduce"))
        label = f"{corpus_names[k]} (reduce)" if k < len(corpus_names) else path.stem
        reduce_seconds[label] = round(marker.get("seconds", 0.0), 4)
    repeated_ids = count_repeated_ids(wdir / "user_ids")
    if repeated_ids and "read" in steps:  # a flag, not a verdict: these records go on like any other
        steps["read"]["rules"]["duplicate_id"] = repeated_ids
    return {
        **totals,
        "duplicate_ids": repeated_ids,
        "shards": n_shards,
        "fingerprint": pipeline.fingerprint,
        "tamis_version": __version__,
        "pipeline": [f"{s.name}@{s.version}" for s in pipeline.steps],
        "verdicts": dict(sorted(verdicts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "steps": steps,
        "corpus_stages": reduces,
        "reduce_seconds": reduce_seconds,
    }


def check_rows_on_disk(out: Path, stats: dict[str, Any]) -> None:
    """The rows a reader of kept/ and rejected/ gets must be the ones the finished tasks counted.

    The task stats alone cannot see a file deleted or written twice by another process (two
    runs on one folder lost records while this check passed on stats: issue 11).
    """
    on_disk = count_rows_on_disk(out)
    wrong = [
        (f"kept/ holds {on_disk[key]:,} rows" if key == "kept" else f"rejected/ holds {on_disk[key]:,} {key}")
        + f" where the run's tasks wrote {stats[key]:,}"
        for key in ("kept", "rejected", "duplicates", "failed")
        if on_disk[key] != stats[key]
    ]
    if wrong:
        raise AccountingError(
            "output files do not match the run: " + "; ".join(wrong) + " (did another process change "
            f"{out}?); start again with --overwrite"
        )


def check_accounting(stats: dict[str, Any]) -> None:
    accounted = stats["kept"] + stats["rejected"] + stats["duplicates"] + stats["failed"]
    if stats["input"] != accounted:
        raise AccountingError(
            f"accounting mismatch: {stats['input']} input records but kept {stats['kept']} + rejected "
            f"{stats['rejected']} + duplicates {stats['duplicates']} + failed {stats['failed']} = {accounted}"
        )
