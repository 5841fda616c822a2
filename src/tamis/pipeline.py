"""Pipeline: an ordered list of steps, checked when it is built, run one document at a time."""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from tamis import __version__
from tamis.document import Document, Failed
from tamis.errors import ConfigError
from tamis.steps import REGISTRY, Annotate, CorpusStage, Filter, Repair, Step


@dataclass
class StepStats:
    """Counters of one step, mergeable across workers."""

    docs: int = 0
    changed: int = 0
    rejected: int = 0
    duplicates: int = 0
    failed: int = 0
    seconds: float = 0.0
    rules: Counter[str] = field(default_factory=Counter)

    def merge(self, other: StepStats) -> None:
        self.docs += other.docs
        self.changed += other.changed
        self.rejected += other.rejected
        self.duplicates += other.duplicates
        self.failed += other.failed
        self.seconds += other.seconds
        self.rules.update(other.rules)

    def as_dict(self) -> dict[str, Any]:
        return {
            "docs": self.docs,
            "changed": self.changed,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "seconds": round(self.seconds, 4),
            "rules": dict(sorted(self.rules.items())),
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> StepStats:
        return StepStats(
            d["docs"],
            d["changed"],
            d["rejected"],
            d["duplicates"],
            d["failed"],
            d["seconds"],
            Counter(d["rules"]),
        )


class RunStats(defaultdict[str, StepStats]):
    """Stats per step name."""

    def __init__(self) -> None:
        super().__init__(StepStats)

    def merge(self, other: RunStats) -> None:
        for name, stats in other.items():
            self[name].merge(stats)

    def as_dict(self) -> dict[str, Any]:
        return {name: s.as_dict() for name, s in self.items()}

    @staticmethod
    def from_dict(d: dict[str, Any]) -> RunStats:
        stats = RunStats()
        for name, values in d.items():
            stats[name] = StepStats.from_dict(values)
        return stats


@dataclass(frozen=True)
class Pass:
    """One read of every shard: per-document steps, then the corpus stages that map what they
    leave (none in the last pass, which writes `kept/`). Stage `first_stage + i` of the pipeline's
    corpus stages (its work folder `corpus<n>`, its reduce `reduce<n>` in stats.json) is `stages[i]`."""

    steps: list[Step]
    stages: tuple[CorpusStage, ...]
    first_stage: int

    def numbered(self) -> list[tuple[int, CorpusStage]]:
        """(number among the pipeline's corpus stages, stage) of this pass's stages."""
        return list(enumerate(self.stages, start=self.first_stage))

    @property
    def label(self) -> str:
        return " + ".join(stage.name for stage in self.stages)


def step_label(step: Step) -> str:
    return f"{step.name}@{step.version}"


class Pipeline:
    """Steps in order. `requires` of each step must be met by an earlier step's `provides`."""

    def __init__(self, steps: Sequence[Step], *, strict: bool = False) -> None:
        self.steps = list(steps)
        self.strict = strict
        self._check_order()
        self._ready = False

    def _check_order(self) -> None:
        provided: set[str] = set()
        for step in self.steps:
            missing = [key for key in step.requires if key not in provided]
            if missing:
                providers = sorted(
                    f"{cls.name}"
                    for name in REGISTRY.names()
                    for cls in REGISTRY.steps[name].values()
                    if any(m in cls.provides for m in missing)
                )
                hint = f"; add one of {', '.join(providers)} before it" if providers else ""
                raise ConfigError(
                    f"step {step.name!r} requires {', '.join(missing)}, which no earlier step provides{hint}"
                )
            provided.update(step.provides)

    @property
    def fingerprint(self) -> str:
        """A hash of step names, versions, parameters and the tamis version; stamped on outputs."""
        desc = [__version__] + [[s.name, s.version, s.params()] for s in self.steps]
        return hashlib.sha256(orjson.dumps(desc, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:16]

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "step": s.name,
                "version": s.version,
                "kind": type(s).__mro__[1].__name__,
                "params": s.params(),
                "rules": s.rules,
                "doc": (type(s).__doc__ or "").strip().splitlines()[0] if type(s).__doc__ else "",
            }
            for s in self.steps
        ]

    def segments(self) -> list[tuple[list[Step], CorpusStage | None]]:
        """Split into runs of per-document steps, each followed by the corpus stage that ends it."""
        out: list[tuple[list[Step], CorpusStage | None]] = []
        current: list[Step] = []
        for step in self.steps:
            if isinstance(step, CorpusStage):
                out.append((current, step))
                current = []
            else:
                current.append(step)
        out.append((current, None))
        return out

    def passes(self) -> list[Pass]:
        """The reads of the corpus a run makes: `segments`, with consecutive corpus stages that may
        share one pass (no per-document step between them, and `CorpusStage.only_removes` /
        `leaves_out_removed` allow it) joined into one."""
        out: list[Pass] = []
        ordinal = 0
        for steps, corpus in self.segments():
            last = out[-1] if out else None
            if (
                last is not None
                and corpus is not None
                and not steps
                and last.stages
                and all(stage.only_removes for stage in last.stages)
                and corpus.leaves_out_removed
            ):
                out[-1] = Pass(last.steps, (*last.stages, corpus), last.first_stage)
            else:
                out.append(Pass(list(steps), (corpus,) if corpus is not None else (), ordinal))
            ordinal += corpus is not None
        return out

    def __getstate__(self) -> dict[str, Any]:
        # A copy sent to another process sets itself up there: a forked worker finds the models
        # the parent loaded already cached, a Ray worker loads its own.
        return {**self.__dict__, "_ready": False}

    def setup(self, *, before_fork: bool = False) -> None:
        """Load every step's models in this process, once; `before_fork`: also what the workers
        would load on first use (`Step.preload`), for them to share."""
        if not self._ready:
            for step in self.steps:
                step.setup()
            self._ready = True
        if before_fork:
            for step in self.steps:
                step.preload()


def process(doc: Document, steps: Sequence[Step], stats: RunStats, *, strict: bool = False) -> Document:
    """Run per-document steps in order; stop at the first verdict. A raising step becomes `Failed`."""
    for step in steps:
        if doc.verdict is not None:
            break
        label = step.name
        s = stats[label]
        s.docs += 1
        t0 = time.perf_counter()
        try:
            doc = apply_step(step, doc, s)
        except Exception as err:
            if strict:
                raise
            s.failed += 1
            s.rules[type(err).__name__] += 1
            doc = doc.replace(verdict=Failed(label, type(err).__name__, str(err)[:500]))
        s.seconds += time.perf_counter() - t0
    return doc


def apply_step(step: Step, doc: Document, s: StepStats) -> Document:
    if isinstance(step, Repair):
        result = step.repair(doc.text, doc)
        changes: dict[str, Any] = {}
        if result.rebase:
            s.changed += 1
            changes.update(text=result.text, original=result.text)
        elif result.edits:
            changes["text"] = result.text
            changes["edits"] = doc.edits + result.edits
            s.changed += 1
            s.rules.update(e.rule for e in result.edits)
        if result.title is not None:
            changes["title"] = result.title
        if result.captions:
            changes["captions"] = doc.captions + result.captions
        if result.annotations:
            changes["annotations"] = {**doc.annotations, **result.annotations}
        return doc.replace(**changes) if changes else doc
    if isinstance(step, Annotate):
        measured = step.measure(doc)
        return doc.replace(annotations={**doc.annotations, **measured}) if measured else doc
    if isinstance(step, Filter):
        verdict = step.judge(doc.annotations, doc.language)
        if verdict is not None:
            s.rejected += 1
            s.rules[verdict.rule] += 1
            return doc.replace(verdict=verdict)
        return doc
    raise TypeError(f"{type(step).__name__} is not a per-document step")


#: documents taken through the steps together, one step at a time (`process_all`)
STEP_BATCH = 256


def process_all(
    docs: Iterable[Document],
    steps: Sequence[Step],
    stats: RunStats,
    *,
    strict: bool = False,
    batch: int = STEP_BATCH,
) -> Iterator[Document]:
    """`process` over every document, in order, `batch` documents at a time, each step over the
    whole batch before the next one: a step's tables (and fastText's model, whose first call on a
    page otherwise misses the cache on most of its n-gram rows) stay in the CPU cache from one
    document to the next (docs/speed.md, "runner"). Every document goes through the same steps in
    the same order as with `process`, so the results are the same."""
    pending: list[Document] = []
    for doc in docs:
        pending.append(doc)
        if len(pending) >= batch:
            yield from _process_batch(pending, steps, stats, strict)
            pending = []
    if pending:
        yield from _process_batch(pending, steps, stats, strict)


def _process_batch(
    docs: list[Document], steps: Sequence[Step], stats: RunStats, strict: bool
) -> list[Document]:
    """`process` of each document, one step at a time over all of them."""
    alive = [i for i, doc in enumerate(docs) if doc.verdict is None]
    for step in steps:
        if not alive:
            break
        label = step.name
        s = stats[label]
        s.docs += len(alive)
        t0 = time.perf_counter()
        for i in alive:
            doc = docs[i]
            try:
                docs[i] = apply_step(step, doc, s)
            except Exception as err:
                if strict:
                    raise
                s.failed += 1
                s.rules[type(err).__name__] += 1
                docs[i] = doc.replace(verdict=Failed(label, type(err).__name__, str(err)[:500]))
        s.seconds += time.perf_counter() - t0
        alive = [i for i in alive if docs[i].verdict is None]
    return docs
