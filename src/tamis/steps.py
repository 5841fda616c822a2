"""Step kinds and the registry that finds them by name.

Three per-document kinds, each with one pure method:

- `Repair.repair(text, doc) -> Repaired`: returns new text and the edits that produced it;
- `Annotate.measure(doc) -> dict`: returns measured signals (numbers or labels);
- `Filter.judge(annotations, lang) -> Rejected | None`: decides from stored signals only.

Corpus-wide work (deduplication, lines repeated across a site) is a `CorpusStage`: it maps
over shards, reduces once, then applies its result shard by shard, so the executor can
checkpoint between phases.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import regex

from tamis.document import Document, Edit, Rejected
from tamis.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Repaired:
    """The result of a repair: the new text and the edits that produce it, in order."""

    text: str
    edits: tuple[Edit, ...] = ()
    title: str | None = None
    captions: tuple[str, ...] = ()
    #: signals measured while repairing (e.g. how many e-mail addresses were masked)
    annotations: Mapping[str, Any] = field(default_factory=dict)
    #: the new text replaces the document's `original` (HTML extraction: the raw page stays in
    #: its source file, and the edit log starts from the extracted text)
    rebase: bool = False

    @staticmethod
    def unchanged(text: str) -> Repaired:
        return Repaired(text)

    @staticmethod
    def substitute(
        text: str,
        pattern: regex.Pattern[str] | str,
        replacement: str | Callable[[regex.Match[str]], str],
        *,
        step: str,
        rule: str,
        evidence: str = "",
    ) -> Repaired:
        """Replace every match of `pattern` and record one edit per match.

        >>> r = Repaired.substitute("a  b   c", r" {2,}", " ", step="s", rule="spaces")
        >>> r.text, [(e.start, e.end) for e in r.edits]
        ('a b c', [(1, 3), (3, 6)])
        """
        compiled = regex.compile(pattern) if isinstance(pattern, str) else pattern
        spans = []
        for match in compiled.finditer(text):
            new = replacement(match) if callable(replacement) else match.expand(replacement)
            spans.append((match.start(), match.end(), new, rule))
        return Repaired.from_spans(text, spans, step=step, evidence=evidence)

    @staticmethod
    def from_spans(
        text: str, spans: Iterable[tuple[int, int, str, str]], *, step: str, evidence: str = ""
    ) -> Repaired:
        """Apply non-overlapping `(start, end, inserted, rule)` spans of `text`, recording each in order."""
        edits: list[Edit] = []
        pieces: list[str] = []
        last = 0
        delta = 0  # how much earlier edits moved the text
        for start, end, inserted, rule in sorted(spans, key=lambda s: (s[0], s[1])):
            if start < last:
                continue  # overlapping span: the earlier one wins
            removed = text[start:end]
            if removed == inserted:
                continue
            edits.append(Edit(step, rule, start + delta, end + delta, removed, inserted, evidence))
            delta += len(inserted) - len(removed)
            pieces.append(text[last:start])
            pieces.append(inserted)
            last = end
        if not edits:
            return Repaired(text)
        pieces.append(text[last:])
        return Repaired("".join(pieces), tuple(edits))

    @staticmethod
    def from_diff(before: str, after: str, *, step: str, rule: str, evidence: str = "") -> Repaired:
        """Record the change from `before` to `after` as minimal edits (for whole-text fixers)."""
        if before == after:
            return Repaired(before)
        import difflib

        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        spans = [
            (i1, i2, after[j1:j2], rule) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
        ]
        result = Repaired.from_spans(before, spans, step=step, evidence=evidence)
        assert result.text == after
        return result

    def then(self, other: Repaired) -> Repaired:
        """Chain a second repair of this result's text: edits concatenate, text is the second's."""
        return Repaired(
            other.text,
            self.edits + other.edits,
            other.title if other.title is not None else self.title,
            self.captions + other.captions,
            {**self.annotations, **other.annotations},
            self.rebase or other.rebase,
        )


class Step:
    """Base of every step. Subclasses are frozen dataclasses whose fields are their parameters."""

    name: ClassVar[str] = ""
    version: ClassVar[int] = 1
    #: rule code -> one-line meaning; every rule a step can emit is declared here.
    rules: ClassVar[dict[str, str]] = {}
    #: annotation keys this step needs from earlier steps.
    requires: ClassVar[tuple[str, ...]] = ()
    #: annotation keys this step adds.
    provides: ClassVar[tuple[str, ...]] = ()

    def setup(self) -> None:
        """Load models once per worker. Default: nothing to load."""

    def preload(self) -> None:
        """Load, in the parent before the workers fork, what each worker would otherwise load on
        first use (word lists of every language the step covers), for them to share copy-on-write.
        `tamis clean` does not call it: it loads only what its one page needs. Default: nothing."""

    def params(self) -> dict[str, Any]:
        return dataclasses.asdict(self) if dataclasses.is_dataclass(self) else {}


class Repair(Step):
    def repair(self, text: str, doc: Document) -> Repaired:
        raise NotImplementedError


class Annotate(Step):
    def measure(self, doc: Document) -> Mapping[str, Any]:
        raise NotImplementedError


class Filter(Step):
    def judge(self, annotations: Mapping[str, Any], lang: str) -> Rejected | None:
        raise NotImplementedError


class CorpusStage(Step):
    """Work that needs the whole corpus. The executor calls, in order:

    1. `map_shard(docs, shard, work_dir)` for every shard (in parallel): write what the reduce needs;
    2. `reduce(work_dir, executor)` once: combine the shard outputs into a decision table on disk,
       running per-partition work on the run's executor with `dedup.partitions.pool_map`;
    3. `apply_shard(docs, shard, work_dir)` for every shard: return the documents with edits or
       verdicts from that table.

    Each phase writes only under `work_dir`, so an interrupted run redoes only unfinished phases.
    Documents are matched by id, never by position.

    Corpus stages with no per-document step between them share one pass over the documents
    (`Pipeline.passes`) when the dependencies allow it: each stage of the pass maps the same
    documents, the reduces run in order, and the next pass applies the decisions of all of them.
    A stage may follow another in its pass only if the one before `only_removes` (its apply
    gives verdicts, never changes a document it keeps, and `removed_rows` names whom it removed)
    and the one after `leaves_out_removed` (its reduce ignores the rows an earlier stage of the
    pass removed, which the runner lists in `work_dir / "excluded"` before the reduce:
    `dedup.partitions.excluded_rows`), so the decisions are those of one pass per stage.
    """

    #: apply only gives verdicts to the rows `removed_rows` names, deciding by row (it reads no
    #: field of a document but its id), and leaves every other document as it was
    only_removes: ClassVar[bool] = False
    #: reduce leaves out the rows listed under `work_dir / "excluded"` (removed by an earlier stage of the pass)
    leaves_out_removed: ClassVar[bool] = False

    def map_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> None:
        raise NotImplementedError

    def reduce(self, work_dir: Path, executor: Any) -> dict[str, Any]:
        raise NotImplementedError

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        raise NotImplementedError

    def removed_rows(self, work_dir: Path, shard: int) -> Sequence[int]:
        """The rows of the shard (as map saw them) that the reduce removed (stages that `only_removes`)."""
        raise NotImplementedError


@dataclass
class Registry:
    """Step classes by `name@version`; the newest version answers a bare name."""

    steps: dict[str, dict[int, type[Step]]] = field(default_factory=dict)

    def add(self, cls: type[Step]) -> None:
        self.steps.setdefault(cls.name, {})[cls.version] = cls

    def get(self, name: str, version: int | None = None) -> type[Step]:
        if "@" in name:
            name, _, v = name.partition("@")
            version = int(v)
        # Only the modules of the named step: a run of three annotate steps need not import the
        # repair, extract and dedup code (and numpy, pyarrow) that the other steps pull in.
        _load_builtin_steps(STEP_MODULES.get(name, BUILTIN_MODULES))
        versions = self.steps.get(name)
        if not versions and name in STEP_MODULES:
            _load_builtin_steps()
            versions = self.steps.get(name)
        if not versions:
            known = ", ".join(sorted(self.steps))
            raise ConfigError(f"unknown step {name!r}; registered steps are: {known}")
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise ConfigError(
                f"step {name!r} has no version {version}; known versions: {sorted(versions)} "
                f'(pin one, as "{name}@{max(versions)}", or leave out the version for the newest)'
            )
        return versions[version]

    def names(self) -> list[str]:
        _load_builtin_steps()
        return sorted(self.steps)


REGISTRY = Registry()


def register(name: str, version: int = 1) -> Callable[[type[Step]], type[Step]]:
    """Class decorator: register a step under a stable, versioned name."""

    def wrap(cls: type[Step]) -> type[Step]:
        cls.name = name
        cls.version = version
        REGISTRY.add(cls)
        return cls

    return wrap


#: the modules that register each built-in step, every version of it (tests/test_steps.py
#: checks this table against what loading every module registers)
STEP_MODULES: dict[str, tuple[str, ...]] = {
    "extract.html": ("tamis.extract.html",),
    "repair.boilerplate_lines": ("tamis.repair.boilerplate_lines",),
    "repair.broken_lists": ("tamis.repair.broken_lists",),
    "repair.captions": ("tamis.repair.captions",),
    "repair.code_lines": ("tamis.repair.code_lines",),
    "repair.datelines": ("tamis.repair.datelines",),
    "repair.debris_lines": ("tamis.repair.debris_lines",),
    "repair.duplicate_title": ("tamis.repair.duplicate_title",),
    "repair.glued_words": ("tamis.repair.glued_words",),
    "repair.glued_words_corpus": ("tamis.repair.glued_words",),
    "repair.markup_residue": ("tamis.repair.markup_residue",),
    "repair.pii": ("tamis.repair.pii",),
    "repair.punctuation_spacing": ("tamis.repair.punctuation_spacing",),
    "repair.unicode": ("tamis.repair.unicode",),
    "repair.whitespace": ("tamis.repair.whitespace",),
    "annotate.language": ("tamis.annotate.language",),
    "annotate.machine_translation": (
        "tamis.annotate.machine_translation",
        "tamis.annotate.mt_frequency_signals",
    ),
    "annotate.quality": ("tamis.annotate.quality",),
    "annotate.site_mt": ("tamis.annotate.site_mt",),
    "filter.empty_text": ("tamis.filter.empty_text",),
    "filter.thresholds": ("tamis.filter.thresholds",),
    "dedup.exact": ("tamis.dedup.exact",),
    "dedup.near": ("tamis.dedup.near",),
    "dedup.repeated_lines": ("tamis.dedup.repeated_lines",),
}

#: every module that registers built-in steps
BUILTIN_MODULES = tuple(dict.fromkeys(m for modules in STEP_MODULES.values() for m in modules))


def _load_builtin_steps(modules: Sequence[str] = BUILTIN_MODULES) -> None:
    import importlib

    for module in modules:
        importlib.import_module(module)
