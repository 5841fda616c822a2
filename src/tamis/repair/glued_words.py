"""Split words that extraction glued together ("eseine" -> "es eine", "dieRegierung" -> "die Regierung").

The step holds its parameters and applies the splits; how a split is proposed (word frequency) and
confirmed (a case or script seam, the spaced pair in the text or the corpus, a German article
before its noun, a text glued all over) is in `tamis.repair.glue_splitting`; each language's word tables are data in
repair/patterns/glued_words.toml. Figures: docs/repair.md and bench/glued_real.py.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tamis.dedup.partitions import load_json, save_json
from tamis.document import Document
from tamis.repair import glue_splitting as glue
from tamis.steps import CorpusStage, Repair, Repaired, register


@register("repair.glued_words", version=2)
@dataclass(frozen=True)
class SplitGluedWords(Repair):
    """Split words glued by extraction when frequency proposes a split and the text confirms it."""

    min_part_zipf: float = 4.0  # each half at least this common (zipf 4 = 10 per million words)
    min_short_part_zipf: float = 5.5  # halves of 1-2 letters are often abbreviations ("st"): need more
    min_function_zipf: float = 6.0  # one half must be this frequent (articles, prepositions, pronouns)
    min_closed_part_zipf: float = (
        3.5  # next to a closed-class word (a language's `closed_class`), the other half
    )
    min_seam_part_zipf: float = 2.5  # a case seam ("dieRegierung") is strong evidence by itself
    max_occurrences: int = 1  # a token seen twice in one text is a word (names, old spellings)
    max_known_glue_zipf: float = 1.5  # a listed token this rare that is two function words is a glue
    min_known_glue_gap: float = 4.5  # ... or two words that are each this much (zipf) more frequent
    min_capitalised_left_zipf: float = 5.0  # names: "Transome", "Clairefont" stay; "Thiscontrast" splits
    # Languages whose split precision is measured >= 0.9 by bench/repair_quality.py on seeds 1 and 2
    # (de 0.975 / 0.952, en 0.976 / 0.952, fr 0.915 / 0.910). Russian measured 0.898 / 0.789 and
    # Ukrainian 0.35, so they are off until their guards are fixed (set `languages` to try them);
    # languages not measured yet are off too: a wrong split damages good text, a missed one costs little.
    languages: tuple[str, ...] = ("de", "en", "fr")
    #: "словоWord": words of two alphabets glued, split in every language
    script_seams: bool = True
    #: two words with no function word ("highereducation") split when the text writes them apart
    #: and each is at least this common; off (10) by default: on real page text most such tokens
    #: are compounds the page writes both ways ("legbreak", "scenegraph"; bench/glued_real.py `body`)
    min_pair_part_zipf: float = 10.0
    #: ... each half of at least this many letters
    min_pair_part_letters: int = 3
    #: a script seam splits when each half is a word of its alphabet at least this common
    min_script_part_zipf: float = 3.0
    #: next to a closed-class word the other half has at least this many letters
    min_closed_part_letters: int = 3
    #: at a case seam the right half has at least this many letters (camelCase identifiers such as
    #: "feedId" are code), unless it is a one-letter word after a function word ("thatI")
    min_seam_right_letters: int = 3
    #: ... and, when no word list knows it, at least this many (mojibake: "weÆre")
    min_unknown_seam_right_letters: int = 4
    #: a capitalised token with an inner capital splits only after a function word of at least this
    #: many letters ("DieRegierung"; "DeBerry", "ДеБері" are names)
    min_capitalised_seam_left_letters: int = 3
    #: a capitalised token opened by a function word splits only when the rest has at least this
    #: many letters ("Ichwies"; shorter rests make names: "Budmouth")
    min_capitalised_right_letters: int = 4
    #: letter runs shorter than this are never split: shorter glues ("ina") are too ambiguous
    min_letters: int = 4
    #: a stem must be this common to count ("shewa", zipf 1.1, does not make "shewas" its plural)
    min_stem_zipf: float = 1.2
    #: the noisy channel (`channel_split`) looks at listed tokens rarer than this ("cannot", "into"
    #: are words whatever their halves), made of a function word and a word at least this common
    channel_max_zipf: float = 3.5
    channel_function_zipf: float = 6.0
    channel_part_zipf: float = 4.0
    #: a verb prefix or a one-letter left half makes old words too ("unterdes", "adown", "bethink"):
    #: the channel gap is this much wider for them
    channel_old_word_gap: float = 1.0
    #: a listed token rarer than `listed_glue_max_zipf` made of two function words of
    #: `listed_glue_min_half_zipf`+, each at least `listed_glue_gap` more frequent, is a glue web text
    #: repeats ("ofthe" 3.3 vs "of" 7.4 / "the" 7.7; "inden" 2.7 vs "in" 7.2 / "den" 7.0), not a word
    #: ("indem" 5.0, "onto" 4.8, "another" 5.7); measured in bench/repair_quality.py
    listed_glue_gap: float = 4.2
    listed_glue_max_zipf: float = 3.5
    listed_glue_min_half_zipf: float = 6.3
    #: function words are short: the halves tried as one have at most this many letters
    function_max_letters: int = 7
    #: listed words at least this frequent are known harmless from the start; lower values save
    #: decisions but cost each worker more at start than they save (docs/repair.md, glued words speed)
    common_min_zipf: float = 2.0
    #: bounds of the per-language memo (entries): a corpus's rare tokens repeat, its memo must not
    #: grow without end
    memo_max_decisions: int = 200_000
    memo_max_harmless: int = 1_000_000
    #: a text that lost its spaces all over (at least this many unknown tokens that split into a
    #: function word and a word, written once each, and this many per 1000 words) is evidence for
    #: each such split (issue 10 item 4; bench/glued_real.py, docs/repair.md); 0 per 1000 words
    #: would make it frequency alone again, a very high value turns it off
    min_dense_glues: int = 3
    min_dense_glues_per_1000_words: float = 5.0
    #: ... for splits whose halves have this many letters, one of them a closed-class word or a
    #: function word at least this common
    min_dense_part_letters: int = 2
    min_dense_function_zipf: float = 6.3
    #: the spaced pair must occur this often in the corpus to be evidence (`CorpusGluedWords`) ...
    min_corpus_pairs: int = 2
    #: ... and this many times as often as the token written closed ("init", "Orin" are words)
    min_corpus_pair_ratio: float = 10.0
    rules = {
        "split_glued_pair": "two frequent words joined without a space, split (zipf evidence recorded)",
    }

    def setup(self) -> None:
        """Nothing to load eagerly: word lists load per language on first use (cached per process),
        so that `tamis clean` loads only its page's language."""

    def preload(self) -> None:
        """Every covered language's word lists and memo (~1.1 s of CPU for de, en, fr), loaded once
        in the parent instead of once in each worker."""
        for lang in self.languages:
            if glue.lexicon(lang) is not None:
                glue.memo(self, lang).build_hot()

    def repair(self, text: str, doc: Document) -> Repaired:
        return self.split_glues(text, doc.language)

    def split_glues(self, text: str, language: str, pairs: glue.PairCounts | None = None) -> Repaired:
        """The splits of `text` that carry evidence beyond word frequency: a case or script seam, the
        spaced pair elsewhere in the text, a German article before a noun, or (given `pairs`, the
        corpus stage's counts) the spaced pair elsewhere in the corpus."""
        lang = language.split("-")[0].lower()
        spans: list[glue.Span] = []
        evidence: dict[str, str] = {}
        if self.script_seams and not text.isascii():  # the quickest test first
            spans, evidence = glue.script_seam_spans(self, text, lang)
        words = glue.lexicon(lang) if lang in self.languages else None
        if words is not None:
            found, why = glue.glue_spans(self, text, lang, words, pairs)
            spans += found
            evidence.update(why)
        if not spans:
            return Repaired(text)
        result = Repaired.from_spans(text, spans, step=self.name)
        edits = tuple(dataclasses.replace(e, evidence=evidence[e.removed]) for e in result.edits)
        return Repaired(result.text, edits)

    def corpus_counts(self, texts: Iterable[str], language: str) -> Counter[str]:
        """What `CorpusGluedWords` counts over a corpus: its spaced pairs that hold a function word
        ("of the"), and how often it writes closed each token that word frequency proposes to
        split ("ofthe", "init"), all lower-case."""
        lang = language.split("-")[0].lower()
        if lang not in self.languages or glue.lexicon(lang) is None:
            return Counter()
        memo = glue.memo(self, lang)
        keep = glue.pair_words(lang, self.min_function_zipf, self.function_max_letters)
        counts = glue.count_spaced_pairs(texts := list(texts), keep)
        for text in texts:
            for run in glue.proposals(self, text, memo):
                counts[run.lower()] += text.count(run)
        return counts


@register("repair.glued_words_corpus", version=1)
@dataclass(frozen=True)
class CorpusGluedWords(CorpusStage):
    """Split glued words with the corpus as evidence too: a glue splits when the corpus writes its two
    words spaced at least `min_corpus_pairs` times (besides the evidence `repair.glued_words` uses).
    The evidence grows with the corpus; run it after, or instead of, `repair.glued_words`."""

    languages: tuple[str, ...] = SplitGluedWords.languages
    min_corpus_pairs: int = SplitGluedWords.min_corpus_pairs
    min_corpus_pair_ratio: float = SplitGluedWords.min_corpus_pair_ratio

    rules = SplitGluedWords.rules

    def preload(self) -> None:
        self.step().preload()

    def step(self) -> SplitGluedWords:
        return SplitGluedWords(
            languages=self.languages,
            min_corpus_pairs=self.min_corpus_pairs,
            min_corpus_pair_ratio=self.min_corpus_pair_ratio,
        )

    def _language(self, doc: Document) -> str:
        return doc.language.split("-")[0].lower()

    def map_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> None:
        step = self.step()
        texts: dict[str, list[str]] = {}
        for doc in docs:
            texts.setdefault(self._language(doc), []).append(doc.text)
        by_lang = {lang: step.corpus_counts(group, lang) for lang, group in sorted(texts.items())}
        save_json(work_dir / "pairs" / f"{shard:05d}.json", {k: v for k, v in by_lang.items() if v})

    def reduce(self, work_dir: Path, executor: object) -> dict[str, Any]:
        total: dict[str, Counter[str]] = {}
        for path in sorted((work_dir / "pairs").glob("*.json")):
            for lang, counts in load_json(path, {}).items():
                total.setdefault(lang, Counter()).update(counts)
        # spaced pairs seen too rarely to be evidence are dropped; closed tokens stay (the ratio needs them)
        table = {
            lang: {k: v for k, v in counts.items() if v >= self.min_corpus_pairs or " " not in k}
            for lang, counts in total.items()
        }
        save_json(work_dir / "pair_counts.json", table)
        return {"glue_evidence_pairs": sum(len(t) for t in table.values())}

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        table = load_json(work_dir / "pair_counts.json", {})
        step = self.step()
        out = []
        for doc in docs:
            result = step.split_glues(doc.text, doc.language, table.get(self._language(doc), {}))
            if result.edits:
                edits = tuple(dataclasses.replace(e, step=self.name) for e in result.edits)
                doc = doc.replace(text=result.text, edits=doc.edits + edits)
            out.append(doc)
        return out
