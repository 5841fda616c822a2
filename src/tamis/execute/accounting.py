"""Where every record went: one tally per task, summed into stats.json, checked against the disk.

A task counts into one `Tally`: each input record as it is read, each document where it ends
(kept, handed on to the next stage, or given a verdict), and each step's work (`RunStats`,
filled by `pipeline.process` and by the corpus stages' apply). The run sums the tallies that
finished tasks stored and checks `input = kept + rejected + duplicates + failed`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tamis import __version__
from tamis.dedup.repeated_ids import count_repeated_ids
from tamis.document import Document, Duplicate, Failed, Verdict
from tamis.errors import AccountingError
from tamis.execute import checkpoint
from tamis.pipeline import Pipeline, RunStats
from tamis.steps import CorpusStage

#: Where a document can end, as stats.json counts it.
OUTCOMES = ("kept", "rejected", "duplicates", "failed")
_OUTCOME_OF_VERDICT = {"rejected": "rejected", "duplicate": "duplicates", "failed": "failed"}


def rule_of(verdict: Verdict) -> str:
    match verdict:
        case Duplicate(method=method):
            return method
        case Failed(error_type=error_type):
            return error_type
        case _:
            return verdict.rule


@dataclass
class Tally:
    """The counts of one task (or, merged, of a run): records in, where each went, per-step stats.

    `passed` counts documents handed on to the next segment; they are counted again where they end.
    """

    counts: Counter[str] = field(
        default_factory=lambda: Counter(dict.fromkeys(("input", *OUTCOMES, "passed"), 0))
    )
    verdicts: Counter[str] = field(default_factory=Counter)  # "step:rule" of every verdict given
    steps: RunStats = field(default_factory=RunStats)

    def count_input(self, doc: Document) -> None:
        """One record read; the reader's own rejections are accounted as the step "read"."""
        self.counts["input"] += 1
        read = self.steps["read"]
        read.docs += 1
        if doc.verdict is not None:
            read.rejected += 1
            read.rules[rule_of(doc.verdict)] += 1

    def count_outcome(self, doc: Document, *, last_segment: bool) -> None:
        """Where a document processed by a segment goes: its verdict, kept/, or the next segment."""
        if doc.verdict is not None:
            self.counts[_OUTCOME_OF_VERDICT[doc.verdict.kind]] += 1
            self.verdicts[f"{doc.verdict.step}:{rule_of(doc.verdict)}"] += 1
        else:
            self.counts["kept" if last_segment else "passed"] += 1

    def count_kept(self, n: int) -> None:
        """Documents of the last pass written to kept/ as rows, without becoming documents."""
        self.counts["kept"] += n

    def count_corpus_stage(
        self, stage: CorpusStage, before: Sequence[Document], after: Sequence[Document], seconds: float
    ) -> None:
        """What a corpus stage's apply did to a shard's documents: verdicts, edits, or nothing."""
        if len(after) != len(before):
            raise AccountingError(
                f"corpus stage {stage.name} returned {len(after)} documents for {len(before)}"
            )
        s = self.steps[stage.name]
        s.docs += len(before)
        s.seconds += seconds
        for old, doc in zip(before, after, strict=True):  # by position: two records may share an id
            if doc.verdict is not None:
                if doc.verdict.kind == "duplicate":
                    s.duplicates += 1
                else:
                    s.rejected += 1
                s.rules[rule_of(doc.verdict)] += 1
            elif len(doc.edits) > len(old.edits):
                s.changed += 1
                s.rules.update(e.rule for e in doc.edits[len(old.edits) :])

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.verdicts.update(other.verdicts)
        self.steps.merge(other.steps)

    def as_dict(self, tid: str) -> dict[str, Any]:
        """The task's stats file (`_work/stats/<task>.json`)."""
        return {
            "task": tid,
            "counts": dict(self.counts),
            "verdicts": dict(sorted(self.verdicts.items())),
            "steps": self.steps.as_dict(),
        }

    @staticmethod
    def from_dict(item: dict[str, Any]) -> Tally:
        return Tally(
            Counter(item["counts"]), Counter(item.get("verdicts", {})), RunStats.from_dict(item["steps"])
        )


def collect_stats(
    state: checkpoint.LocalRun | checkpoint.StoreRun, pipeline: Pipeline, n_shards: int
) -> dict[str, Any]:
    """Sum the per-task stats (files, or done-markers on an object store) into the run's stats.json
    (steps in pipeline order)."""
    total = Tally()
    for item in state.task_results():
        total.merge(Tally.from_dict(item))
    merged = total.steps
    order = ["read", *(s.name for s in pipeline.steps)]
    steps = {name: merged[name].as_dict() for name in order if name in merged}
    steps.update({name: s.as_dict() for name, s in merged.items() if name not in steps})
    reduces, reduce_seconds = {}, {}
    corpus_names = [corpus.name for _steps, corpus in pipeline.segments() if corpus is not None]
    for k, marker in state.reduce_markers():
        reduces[f"reduce{k}"] = marker.get("info")
        label = f"{corpus_names[k]} (reduce)" if k < len(corpus_names) else f"reduce{k}"
        reduce_seconds[label] = round(marker.get("seconds", 0.0), 4)
    repeated_ids = count_repeated_ids(state.user_ids())
    if repeated_ids and "read" in steps:  # a flag, not a verdict: these records go on like any other
        steps["read"]["rules"]["duplicate_id"] = repeated_ids
    return {
        **{key: total.counts[key] for key in ("input", *OUTCOMES)},
        "duplicate_ids": repeated_ids,
        "shards": n_shards,
        "fingerprint": pipeline.fingerprint,
        "tamis_version": __version__,
        "pipeline": [f"{s.name}@{s.version}" for s in pipeline.steps],
        "verdicts": dict(sorted(total.verdicts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "steps": steps,
        "corpus_stages": reduces,
        "reduce_seconds": reduce_seconds,
    }


def check_rows_on_disk(
    state: checkpoint.LocalRun | checkpoint.StoreRun,
    out: str,
    stats: dict[str, Any],
    on_disk: dict[str, int] | None = None,
) -> None:
    """The rows a reader of kept/ and rejected/ gets must be the ones the finished tasks counted.

    The task stats alone cannot see a file deleted or written twice by another process (two
    runs on one folder lost records while this check passed on stats: issue 11).
    """
    if on_disk is None:  # else counted by the caller, once every task had finished
        on_disk = state.rows_on_disk()
    wrong = [
        (f"kept/ holds {on_disk[key]:,} rows" if key == "kept" else f"rejected/ holds {on_disk[key]:,} {key}")
        + f" where the run's tasks wrote {stats[key]:,}"
        for key in OUTCOMES
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
