"""Split words that extraction glued together ("eseine" -> "es eine", "dieRegierung" -> "die Regierung").

Two stages. Word frequency from `wordfreq`, per document language (`doc.language`; nothing is done
for "und" or a language wordfreq lacks), *proposes* where a letter run could be two words: the token
is not a known word (wordfreq lists words down to zipf ~1, so rare valid words such as
"Teilmobilmachung" are never candidates), or a listed glue ("ofthe": a noisy channel says its zipf is
far below the chance meeting of its halves); one half a function word, and the pair able to stand
side by side (verb prefixes, case government, particles, suffix words, inflected forms, German nouns,
names inside a sentence are guarded against). Then *evidence beyond frequency* decides (issue 10: on
real pages frequency alone split "backglass", the surname "Anasa" and "in toto"): a case seam beside a
function word ("dieRegierung"), a script seam ("словоWord"), the spaced pair elsewhere in the text
("es eine"), a German article before its capitalised noun ("insbesondereden Bau"), or, in the corpus
stage `repair.glued_words_corpus`, the spaced pair elsewhere in the corpus. Each split records the
zipf values and the kind of evidence. Word tables are data (repair/patterns/glued_words.toml);
thresholds are the step's fields. The context-free part of each decision is remembered per language
(rare tokens repeat across a corpus); the text's evidence is checked per document. Figures:
docs/repair.md and bench/glued_real.py.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from tamis.dedup.partitions import load_json, save_json
from tamis.derived import cached_json
from tamis.document import Document
from tamis.steps import CorpusStage, Repair, Repaired, register

#: a letter run (regex's \w minus digits and underscore); boundaries are checked only for the few
#: tokens that are split
_LETTERS = "[^\\W\\d_]"
_ATTACHED_BEFORE = frozenset("'’@/.\\-_0123456789")
_ATTACHED_AFTER = frozenset("@/\\-_0123456789(=")  # "(": a function call ("onClick(")
#: German gender-inclusive endings ("LehrerInnen") are one word with an inner capital
_CLITIC = re.compile(r"(?:s|t|d|m|ll|re|ve)(?![^\W\d_])")
_GENDER_ENDINGS = frozenset(["in", "innen"])
_CASE_SEAM = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})")
_OTHER_ALPHABET = re.compile("[\u0370-\u052f]")  # Greek, Cyrillic
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
_LATIN_RUN = re.compile("[A-Za-z\u00c0-\u024f]+")
#: where the alphabet changes, with four letters of the same alphabet on each side ("себ&amp" stays)
_SCRIPT_SEAM = regex.compile(
    r"(?<=\p{Latin}{4})(?=\p{Cyrillic}{4}|\p{Greek}{4})"
    r"|(?<=\p{Cyrillic}{4})(?=\p{Latin}{4}|\p{Greek}{4})"
    r"|(?<=\p{Greek}{4})(?=\p{Latin}{4}|\p{Cyrillic}{4})"
)
#: spaced word pairs counted over a corpus ("left right" -> occurrences), by `CorpusGluedWords`
PairCounts = Mapping[str, int]
#: the word tables, by table and language: data in repair/patterns/glued_words.toml
_TABLES_SOURCE = resources.files("tamis").joinpath("repair/patterns/glued_words.toml").read_text("utf-8")
_TABLES: dict[str, Any] = tomllib.loads(_TABLES_SOURCE)


def _word_sets_of(table: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    return {key: frozenset(words) for key, words in table.items()}


def _word_sets(table: str) -> dict[str, frozenset[str]]:
    return _word_sets_of(_TABLES[table])


DETERMINERS = _word_sets("determiners")
ONE_LETTER_WORDS: dict[str, str] = _TABLES["one_letter_words"]
CLOSED_CLASS = _word_sets("closed_class")
ALWAYS_CAPITALISED = _word_sets("always_capitalised")
ONE_LETTER_END: dict[str, str] = _TABLES["one_letter_end"]
SHORT_ENDINGS = frozenset(_TABLES["short_endings"]["languages"])
VERB_PREFIXES = _word_sets("verb_prefixes")
JOINED_ADVERBS = _word_sets("joined_adverbs")
_WRONG_CASE = {lang: _word_sets_of(table) for lang, table in _TABLES["wrong_case"].items()}
PARTICLE_ENDS = _word_sets("particle_ends")
SUFFIX_WORDS = _word_sets("suffix_words")
NOUN_CAPITALS = _word_sets("noun_capitals")
_PARTICIPLE = {lang: re.compile(pattern) for lang, pattern in _TABLES["participle"].items()}
INFLECTIONS = {lang: tuple(ends) for lang, ends in _TABLES["inflections"].items()}


@functools.cache
def _buckets(lang: str) -> list[list[str]] | None:
    """wordfreq's list for `lang`: bucket i holds the words of zipf 9 - i/100 (None: no list)."""
    import wordfreq

    if lang not in wordfreq.available_languages(wordlist="best"):
        return None
    return wordfreq.get_frequency_list(lang, wordlist="best")


@functools.cache
def lexicon(lang: str) -> dict[str, float] | None:
    """Zipf frequency of every word wordfreq knows in `lang` (None: no word list for it)."""
    buckets = _buckets(lang)
    if buckets is None:
        return None
    words: dict[str, float] = {}
    for i, bucket in enumerate(buckets):
        words.update(dict.fromkeys(bucket, 9.0 - i / 100))  # a bucket at a time: 0.1 s less than a loop
    if lang == "de":
        # spellings before the 1996 reform ("daß", "muß", "Schloß") are everywhere in older and
        # Swiss-adjacent text; wordfreq lists only "dass", "muss": known words, not glue candidates
        for w in [w for w in words if "ss" in w]:
            words.setdefault(w.replace("ss", "ß"), words[w])
    return words


def _words_above(lang: str, min_zipf: float) -> list[str]:
    buckets = _buckets(lang) or []
    return [w for bucket in buckets[: round((9.0 - min_zipf) * 100) + 1] for w in bucket]


@functools.cache
def common_words(step: SplitGluedWords, lang: str, min_zipf: float = 2.0) -> frozenset[str]:
    """The words of `lang` at least this frequent, lower-case and capitalised: the first, coarse
    test (a token in it is a known word whatever its case). `min_zipf` must not be below the
    step's `max_known_glue_zipf`: rarer listed tokens are tested as glues."""

    def build() -> Iterable[str]:
        common = _words_above(lang, min_zipf)
        # listed, but looked at: "inden", "ofthe"
        glues = listed_glues(step, lang) | channel_glues(step, lang, min_zipf)
        return (w for w in common + [w.capitalize() for w in common] if w.lower() not in glues)

    return _derived("common", step, lang, build, min_zipf)


def _derived(
    kind: str, step: SplitGluedWords, lang: str, build: Callable[[], Iterable[str]], *args: Any
) -> frozenset[str]:
    """`build()`, kept on disk (tamis.derived) under what it depends on: wordfreq's version (its word
    lists), the step's fields, the language, this module and its word tables. Building the glue lists
    from the full word list costs 1-2 s of CPU per language and process; loading them, milliseconds."""
    from importlib.metadata import version

    inputs = [
        kind,
        lang,
        repr(args),
        repr(step),
        version("wordfreq"),
        Path(__file__).read_bytes(),
        _TABLES_SOURCE,
    ]
    return frozenset(cached_json(f"glued_words-{kind}-{lang}", inputs, lambda: sorted(build())))


@functools.cache
def channel_glues(step: SplitGluedWords, lang: str, min_zipf: float = 2.0) -> frozenset[str]:
    """Listed tokens of at least this zipf (as in `common_words`) that `channel_split` splits ("ofthe")."""
    if lang not in CHANNEL_GAP:
        return frozenset()

    def build() -> Iterable[str]:
        words = lexicon(lang) or {}
        return (
            w
            for w in _words_above(lang, min_zipf)
            if words[w] < step.channel_max_zipf and step.channel_split(w, words, lang)
        )

    return _derived("channel", step, lang, build, min_zipf)


#: noisy-channel gap per language (see `SplitGluedWords.channel_split`), as data
CHANNEL_GAP: dict[str, float] = _TABLES["channel_gap"]
#: languages whose listed two-function-word glues were checked by hand, token by token
KNOWN_GLUE_LANGS = frozenset(_TABLES["known_glue"]["languages"])


@functools.cache
def listed_glues(step: SplitGluedWords, lang: str) -> frozenset[str]:
    """Listed tokens of `lang` that are two very frequent function words and far rarer than either."""
    if lang not in KNOWN_GLUE_LANGS:
        return frozenset()
    return _derived("listed", step, lang, lambda: _build_listed_glues(step, lang))


def _build_listed_glues(step: SplitGluedWords, lang: str) -> list[str]:
    words = lexicon(lang) or {}  # with the old "ß" spellings: "daßes" is "dasses"
    function = function_words(lang, step.listed_glue_min_half_zipf, step.function_max_letters)
    heads = _ends(function)[1]  # a token that opens with no function word of 2+ letters is no pair
    out = []
    for w, z in words.items():
        if len(w) < 4 or z >= step.listed_glue_max_zipf or w[:2] not in heads or not w.isalpha():
            continue
        # a verb prefix is a preposition here ("inthe", "zuden"): the frequency gap is the evidence
        found = _function_pair(w, words, function, lang, step.function_max_letters, prefixes=True)
        if found is None or _inflected(w, words, lang, step.min_stem_zipf):
            continue  # "sieden" (to boil: "siede" + "n") is a verb, not "sie den"
        if min(found[1], found[2]) - z >= step.listed_glue_gap:
            out.append(w)
    return out


@functools.cache
def function_words(lang: str, min_zipf: float, max_letters: int = 7) -> frozenset[str]:
    """The words of `lang` at least this frequent and this short (articles, prepositions, pronouns,
    auxiliaries)."""
    return frozenset(w for w, z in (lexicon(lang) or {}).items() if z >= min_zipf and len(w) <= max_letters)


_UNSEEN = object()


class _Memo:
    """Context-free decisions of one step for one language, remembered across documents: the decision
    for a letter run (at a sentence start, inside a sentence) and the letter runs that hold
    no candidate (kept in one set with the common words, for one set difference per document). A pure
    function's cache: the results never depend on what it holds."""

    def __init__(self, step: SplitGluedWords, lang: str) -> None:
        self.step, self.lang = step, lang
        self.words = lexicon(lang) or {}
        # listed words down to the known-glue ceiling: below it a listed token may be a glue, above it
        # only the channel and case seams say so, and `common_words` leaves those out
        self.common = common_words(step, lang, max(step.common_min_zipf, step.max_known_glue_zipf))
        self.token = re.compile(f"{_LETTERS}{{{step.min_letters},}}")
        self.harmless: set[str] = set(self.common)
        self.decisions: dict[str, tuple | None] = {}

    def remember_harmless(self, tokens: set[str]) -> None:
        """Whitespace tokens none of whose letter runs splits: harmless as a whole."""
        if len(self.harmless) + len(tokens) >= self.step.memo_max_harmless:
            self.harmless = set(self.common)
        self.harmless.update(tokens)

    def decide(self, run: str) -> tuple | None:
        """(split at a sentence start, split inside a sentence, splits into two words that only a
        spaced pair can confirm), or None when none splits."""
        if len(self.decisions) >= self.step.memo_max_decisions:
            self.decisions.clear()
        low = run.lower()
        if low not in self.words and self.step.unlisted_whole(run, low, self.words, self.lang):
            first = None  # the quick way to `step.decide`'s answer for most rare runs
        else:
            first = self.step.decide(run, self.words, self.lang, mid_sentence=False)
        if first is None:
            pairs = self.step.word_pairs(run, self.words, self.lang)
            if pairs:
                self.decisions[run] = (None, None, pairs)
                return self.decisions[run]
            if len(self.harmless) >= self.step.memo_max_harmless:
                self.harmless = set(self.common)
            self.harmless.add(run)
            return None
        # inside a sentence the tests are only stricter (a capital there marks a name or a noun)
        inside = (
            self.step.decide(run, self.words, self.lang, mid_sentence=True) if run[0].isupper() else first
        )
        self.decisions[run] = (first, inside, ())
        return self.decisions[run]


@functools.cache
def _memo(step: SplitGluedWords, lang: str) -> _Memo:
    return _Memo(step, lang)


@register("repair.glued_words", version=2)
@dataclass(frozen=True)
class SplitGluedWords(Repair):
    """Split words glued by extraction when frequency proposes a split and the text confirms it."""

    min_part_zipf: float = 4.0  # each half at least this common (zipf 4 = 10 per million words)
    min_short_part_zipf: float = 5.5  # halves of 1-2 letters are often abbreviations ("st"): need more
    min_function_zipf: float = 6.0  # one half must be this frequent (articles, prepositions, pronouns)
    min_closed_part_zipf: float = 3.5  # next to a closed-class word (`CLOSED_CLASS`), the other half
    min_seam_part_zipf: float = 2.5  # a case seam ("dieRegierung") is strong evidence by itself
    max_occurrences: int = 1  # a token seen twice in one text is a word (names, old spellings)
    max_known_glue_zipf: float = 1.5  # a listed token this rare that is two function words is a glue
    min_known_glue_gap: float = 4.5  # ... or two words that are each this much (zipf) more frequent
    #: a reading as one word ("ab"+"erich") blocks a split unless the split is this much likelier ("aber ich")
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
    #: ... when each half is a word of its alphabet at least this common
    min_script_part_zipf: float = 3.0
    #: letter runs shorter than this are never split: shorter glues ("ina") are too ambiguous
    min_letters: int = 4
    #: a stem must be this common to count ("shewa", zipf 1.1, does not make "shewas" its plural)
    min_stem_zipf: float = 1.2
    #: the noisy channel (`channel_split`) looks at listed tokens rarer than this ("cannot", "into"
    #: are words whatever their halves), made of a function word and a word at least this common
    channel_max_zipf: float = 3.5
    channel_function_zipf: float = 6.0
    channel_part_zipf: float = 4.0
    #: a listed token rarer than `listed_glue_max_zipf` made of two function words of
    #: `listed_glue_min_half_zipf`+, each at least `listed_glue_gap` more frequent, is a glue web text
    #: repeats ("ofthe" 3.3 vs "of" 7.4 / "the" 7.7; "inden" 2.7 vs "in" 7.2 / "den" 7.0), not a word
    #: ("indem" 5.0, "onto" 4.8, "another" 5.7); measured in bench/repair_quality.py
    listed_glue_gap: float = 4.2
    listed_glue_max_zipf: float = 3.5
    listed_glue_min_half_zipf: float = 6.3
    #: function words are short: the halves tried as one have at most this many letters
    function_max_letters: int = 7
    #: listed words at least this frequent are known harmless from the start. 1.5 (the known-glue
    #: ceiling) would spare a cold bench run 22% of its decisions, but costs each worker 0.4 s more
    #: at start (the channel test over 170,000 more German words) than it saves on 10,000 documents
    common_min_zipf: float = 2.0
    #: bounds of the per-language memo (entries): a corpus's rare tokens repeat, its memo must not
    #: grow without end
    memo_max_decisions: int = 200_000
    memo_max_harmless: int = 1_000_000
    #: the spaced pair must occur this often in the corpus to be evidence (`CorpusGluedWords`) ...
    min_corpus_pairs: int = 2
    #: ... and this many times as often as the token written closed ("init", "Orin" are words)
    min_corpus_pair_ratio: float = 10.0
    rules = {
        "split_glued_pair": "two frequent words joined without a space, split (zipf evidence recorded)",
    }

    def setup(self) -> None:
        """Nothing to load eagerly: word lists load per language on first use (cached per process)."""

    def repair(self, text: str, doc: Document) -> Repaired:
        return self.split_glues(text, doc.language)

    def split_glues(self, text: str, language: str, pairs: PairCounts | None = None) -> Repaired:
        """The splits of `text` that carry evidence beyond word frequency: a case or script seam, the
        spaced pair elsewhere in the text, a German article before a noun, or (given `pairs`, the
        corpus stage's counts) the spaced pair elsewhere in the corpus."""
        lang = language.split("-")[0].lower()
        spans: list[tuple[int, int, str, str]] = []
        evidence: dict[str, str] = {}
        if self.script_seams and not text.isascii():  # the quickest test first
            self._script_seam_spans(text, lang, spans, evidence)
        words = lexicon(lang) if lang in self.languages else None
        if words is not None:
            self._glue_spans(text, lang, words, pairs, spans, evidence)
        if not spans:
            return Repaired(text)
        result = Repaired.from_spans(text, spans, step=self.name)
        edits = tuple(dataclasses.replace(e, evidence=evidence[e.removed]) for e in result.edits)
        return Repaired(result.text, edits)

    def _glue_spans(
        self,
        text: str,
        lang: str,
        words: dict[str, float],
        pairs: PairCounts | None,
        spans: list[tuple[int, int, str, str]],
        evidence: dict[str, str],
    ) -> None:
        memo = _memo(self, lang)
        tokens = set(text.split())
        proposals = self.proposals(text, memo, tokens)
        if not proposals:
            return
        context = _Context(text, tokens, lang, pairs, self)
        for token, candidates in proposals.items():
            found_parts: list[str] = []
            split_words = None
            for found in candidates:  # the likeliest split that the text or the corpus confirms
                split_words = _split_again(memo, token, found, found_parts, context)
                if split_words is not None:
                    break
            # a token seen twice in one text is a word of it (a name, an old spelling), not an accident
            if split_words is None or text.count(token) > self.max_occurrences:
                continue
            parts = " ".join(split_words)
            start = text.find(token)
            while start >= 0:
                end = start + len(token)
                whole = not (start and text[start - 1].isalpha()) and not (
                    end < len(text) and text[end].isalpha()
                )
                if whole and not _attached(text, start, end):
                    spans.append((start, end, parts, "split_glued_pair"))
                start = text.find(token, end)
            listed = words.get(token.lower())
            known = "unknown" if listed is None else f"listed={listed:.2f}"
            evidence[token] = f"{token}: {known}; " + "; ".join(found_parts)

    def proposals(
        self, text: str, memo: _Memo, tokens: set[str] | None = None
    ) -> dict[str, list[tuple[int, float, float]]]:
        """The letter runs of `text` that split in some context, with the splits word frequency
        proposes here, likeliest first (none: not in this context); evidence is asked for afterwards."""
        # Whitespace tokens that are not common words, in their own case, then the letter runs inside
        # them that are not known to be harmless (common words, and runs already decided): split, join,
        # findall and set difference run in C; no regex ever scans the whole text (bench/repair_quality.py).
        rough = (tokens if tokens is not None else set(text.split())).difference(memo.harmless)
        if not rough:
            return {}
        runs = set(memo.token.findall(" ".join(rough))).difference(memo.harmless)
        out: dict[str, list[tuple[int, float, float]]] = {}
        for run in runs:
            decision = memo.decisions.get(run, _UNSEEN)
            if decision is _UNSEEN:
                decision = memo.decide(run)
                if decision is None:
                    continue
            # a capitalised token inside a sentence reads as a name or noun (see `best_split`)
            mid_sentence = run[0].isupper() and _mid_sentence(text, run)
            found = decision[1] if mid_sentence else decision[0]
            out[run] = ([found] if found is not None else []) + list(decision[2] if not mid_sentence else ())
        # the tokens none of whose letter runs splits in any context are harmless as a whole ("Haus,",
        # "Tür."): the next text that holds them skips them at the first set difference
        memo.remember_harmless({t for t in rough if not any(run in t for run in out)} if out else rough)
        return out

    def corpus_counts(self, texts: Iterable[str], language: str) -> Counter[str]:
        """What `CorpusGluedWords` counts over a corpus: its spaced pairs that hold a function word
        ("of the"), and how often it writes closed each token that word frequency proposes to
        split ("ofthe", "init"), all lower-case."""
        lang = language.split("-")[0].lower()
        if lang not in self.languages or lexicon(lang) is None:
            return Counter()
        memo = _memo(self, lang)
        keep = _pair_words(lang, self.min_function_zipf, self.function_max_letters)
        counts = count_spaced_pairs(texts := list(texts), keep)
        for text in texts:
            for run in self.proposals(text, memo):
                counts[run.lower()] += text.count(run)
        return counts

    def _script_seam_spans(
        self, text: str, lang: str, spans: list[tuple[int, int, str, str]], evidence: dict[str, str]
    ) -> None:
        """ "словоWord": a word of one alphabet glued to a word of another (Latin, Cyrillic, Greek),
        split in any language when both halves are words of their alphabet, written in one case
        style; a few letters of another alphabet are look-alikes ("разговоpax"), not a word."""
        if not (_OTHER_ALPHABET.search(text) and _LATIN_LETTER.search(text)):
            return  # quick tests first: most texts hold no Cyrillic or Greek letter, or no Latin one
        for token in _latin_seam_runs(text):
            seams = [m.start() for m in _SCRIPT_SEAM.finditer(token)]
            if len(seams) != 1 or text.count(token) > self.max_occurrences:
                continue
            i = seams[0]
            left, right = token[:i], token[i:]
            if left.isupper() != right.isupper() and not right.istitle():
                continue  # "ГОГОЛЬfest": a brand written in two styles
            z = [_alphabet_zipf(half, lang) for half in (left, right)]
            if min(z) < self.min_script_part_zipf:
                continue
            parts = f"{left} {right}"
            start = text.find(token)
            while start >= 0:
                end = start + len(token)
                if not _attached(text, start, end):
                    spans.append((start, end, parts, "split_glued_pair"))
                start = text.find(token, end)
            evidence[token] = f"{token}: {left}={z[0]:.2f} {right}={z[1]:.2f} (script_seam)"

    def decide(
        self, run: str, words: dict[str, float], lang: str, mid_sentence: bool
    ) -> tuple[int, float, float] | None:
        """The context-free decision for one letter run: where to split it, or None (the text's own
        evidence, occurrences and attachment, is checked by `repair`)."""
        low = run.lower()
        function = function_words(lang, self.min_function_zipf, self.function_max_letters)
        if low in words and run[0].islower() and not run.islower():
            # a listed word written with a capital inside ("derZeit", "einMann", "thatI"): the case
            # seam is the evidence, as for an unknown token (not "iPhone", "eBay": one-letter left)
            # both halves common (not "confusIng": a word with a stray capital)
            found = self.best_split(run, words, lang, mid_sentence=mid_sentence)
            if (
                found is not None
                and found[0] >= 2
                and run[found[0]].isupper()
                and (min(found[1], found[2]) >= self.min_part_zipf or found[0] == len(run) - 1)
            ):
                return found
        if low in words:
            # a rare "word" made of a function word and a word is a glue that web text repeats often
            # enough for wordfreq to list it ("atthe", "aufdem", "theworld")
            if run.isupper():
                return None
            found = self.channel_split(low, words, lang)
            if found is not None:
                # a capital inside a sentence marks a name ("Wasa") or a German noun, not this kind of
                # glue; so does a capitalised token ending in a one-letter word ("Longa", "Linda")
                name = run[0].isupper() and (mid_sentence or found[0] == len(run) - 1)
                return None if name else found
            if not (words[low] < self.max_known_glue_zipf or low in listed_glues(self, lang)):
                return None
            found = _function_pair(
                low,
                words,
                function,
                lang,
                self.function_max_letters,
                prefixes=low in listed_glues(self, lang),
            )
            floor = max(self.min_part_zipf, words[low] + self.min_known_glue_gap)
            if (
                found is None
                and words[low] < self.max_known_glue_zipf
                and (not (run.islower() or run.istitle()) or _has_split(low, words, function, floor))
            ):
                # "Ishould", "freefrom", "atime": far rarer than both halves, the same tests
                # as an unknown token
                found = self.best_split(run, words, lang, mid_sentence=mid_sentence)
                if found is not None and min(found[1], found[2]) - words[low] < self.min_known_glue_gap:
                    found = None
            return found
        if self.unlisted_whole(run, low, words, lang):
            return None
        return self.best_split(run, words, lang, mid_sentence=mid_sentence)

    def word_pairs(
        self, run: str, words: dict[str, float], lang: str
    ) -> tuple[tuple[int, float, float], ...]:
        """Splits of a run wordfreq does not list into two words of 3+ letters, each at least
        `min_pair_part_zipf` ("highereducation"), likeliest first: no function word says they are two
        words, so only the spaced pair elsewhere in the text or the corpus can confirm one."""
        low = run.lower()
        if self.min_pair_part_zipf > 9 or low in words or not (run.islower() or run.istitle()):
            return ()
        participle = _PARTICIPLE.get(lang)
        if participle is not None and participle.search(low):
            return ()
        suffix_words = SUFFIX_WORDS.get(lang, frozenset())
        out = []
        for i in range(3, len(low) - 2):
            left, right = low[:i], low[i:]
            z_left, z_right = words.get(left, 0.0), words.get(right, 0.0)
            if min(z_left, z_right) < self.min_pair_part_zipf or right in suffix_words:
                continue
            if max(z_left, z_right) >= self.min_function_zipf:
                continue  # a function word: `best_split` decides ("zumeiner" has a reading as one word)
            if _plausible_pair(left, right, z_left, z_right, self.min_function_zipf, lang):
                out.append((z_left + z_right, i, z_left, z_right))
        return tuple((i, z_left, z_right) for _, i, z_left, z_right in sorted(out, reverse=True))

    def channel_split(self, low: str, words: dict[str, float], lang: str) -> tuple[int, float, float] | None:
        """The split of a listed lower-case token that its own frequency is best explained by, or None.

        Noisy channel: glued text holds "of" + "the" about as often as P(of) * P(the) * P(glue), so a
        glue's own zipf is near z(of) + z(the) - 9 + log10 P(glue), with P(glue) about 1e-3 on the web
        ("ofthe" 3.3 = 7.4 + 7.7 - 9 - 2.8; "inden" 2.7, "itis", "wasa", "theworld"), while a word of
        the language is far more common than its halves' chance meeting ("indem" 5.0 vs 7.2 + 6.8 - 9;
        "onto", "another", "herein"). A listed token at least `CHANNEL_GAP[lang]` below the pair's
        chance meeting is a glue (bench/repair_quality.py, docs/repair.md).

        >>> step = SplitGluedWords()
        >>> step.channel_split("ofthe", lexicon("en"), "en")[0], step.channel_split("indem", lexicon("de"), "de")
        (2, None)
        """
        z = words.get(low)
        gap0 = CHANNEL_GAP.get(lang)
        if gap0 is None or z is None or z >= self.channel_max_zipf or len(low) < 4:
            return None
        if not _has_split(
            low,
            words,
            function_words(lang, self.channel_function_zipf, self.function_max_letters),
            self.channel_part_zipf,
        ):
            return None  # no function word at either end: the quick test first
        participle = _PARTICIPLE.get(lang)
        if participle is not None and participle.search(low):
            return None  # "schauender" is "schauend" + "er", not "schauen der"
        suffix_words = SUFFIX_WORDS.get(lang, frozenset())
        prefixes = VERB_PREFIXES.get(lang, frozenset())
        first = 1 if low[0] in ONE_LETTER_WORDS.get(lang, "") else 2
        last = len(low) if low[-1] in ONE_LETTER_END.get(lang, "") else len(low) - 1
        best = None
        for i in range(first, last):
            left, right = low[:i], low[i:]
            z_left, z_right = words.get(left, 0.0), words.get(right, 0.0)
            if (
                max(z_left, z_right) < self.channel_function_zipf
                or min(z_left, z_right) < self.channel_part_zipf
            ):
                continue
            if right in suffix_words or not _plausible_pair(
                left, right, z_left, z_right, self.channel_function_zipf, lang
            ):
                return None  # a reading as one word of the language: "jahr"+"ein", "an"+"noch"
            # a verb prefix or a one-letter word makes old words as well ("unterdes", "adown", "bethink"):
            # the glue must then be rarer still
            gap = gap0 + (1.0 if left in prefixes or len(left) == 1 else 0.0)
            if z_left + z_right - 9.0 - z >= gap and (best is None or z_left + z_right > best[1] + best[2]):
                best = (i, z_left, z_right)
        return best

    def unlisted_whole(self, run: str, low: str, words: dict[str, float], lang: str) -> bool:
        """Whether a run wordfreq does not list stays whole in any context: written in capitals, or
        without an inner capital (which may mark a seam: "dieRegierung") and failing the
        case-blind first test. Most rare runs of a corpus end here (names, rare words)."""
        return run.isupper() or (
            (run.islower() or run.istitle())
            and not _has_split(
                low,
                words,
                function_words(lang, self.min_function_zipf, self.function_max_letters),
                self.min_part_zipf,
            )
            and not (
                lang in CLOSED_CLASS and _has_split(low, words, CLOSED_CLASS[lang], self.min_closed_part_zipf)
            )
        )

    def best_split(
        self, token: str, words: dict[str, float], lang: str, mid_sentence: bool = False
    ) -> tuple[int, float, float] | None:
        """Where to split `token` (index, zipf of each half), or None when no split is convincing.

        >>> step = SplitGluedWords()
        >>> step.best_split("insbesondereden", lexicon("de"), "de")[0]
        12
        >>> step.best_split("Ermanachow", lexicon("de"), "de") is None
        True
        """
        lower = token.lower()
        seams = {m.start() for m in _CASE_SEAM.finditer(token)}
        capitalised = token[0].isupper()
        one_letter = ONE_LETTER_WORDS.get(lang, "")
        one_end = ONE_LETTER_END.get(lang, "")
        suffix_words = SUFFIX_WORDS.get(lang, frozenset())
        participle = _PARTICIPLE.get(lang)
        if participle is not None and participle.search(lower):
            return None
        best: tuple[float, int, float, float] | None = None
        joined = False
        for i in range(1, len(token)):
            if (i == 1 and lower[0] not in one_letter) or (
                i == len(token) - 1
                and lower[-1] not in one_end
                and not (i in seams and lower[-1] in one_letter)
            ):
                continue  # a one-letter word may close a token only where it is one ("ofa", "thatI")
            if lang in SHORT_ENDINGS and len(token) - i <= 2 and i not in seams:
                continue
            left, right = lower[:i], lower[i:]
            if right in suffix_words and i not in seams:
                continue  # "einigemal": a suffix word
            z_left = words.get(left)
            z_right = words.get(right)
            if z_left is None or z_right is None:
                # at a case seam one known half is enough: "ihrenGeldkasten", "ofGlenmuir"
                if i not in seams or capitalised or len(seams) > 1:
                    continue
                z_left, z_right = z_left or 0.0, z_right or 0.0
            if i not in seams and not _plausible_pair(
                left, right, z_left, z_right, self.min_function_zipf, lang
            ):
                joined = True  # "задивився", "angefesselt", "bergein", "fürder": one word of the language
                continue
            if i in seams:
                # "dieRegierung", "ofGlenmuir": a capital where a new word starts. A capitalised
                # token with an inner capital is a name ("MacStinger", "DeSantis") unless its left
                # half is a function word ("DieRegierung" at a sentence start)
                if capitalised:  # "DieRegierung" splits, "DeBerry" / "ДеБері" are names
                    ok = z_left >= self.min_function_zipf and len(left) >= 3
                else:
                    ok = max(z_left, z_right) >= self.min_seam_part_zipf and (
                        min(z_left, z_right) >= self.min_seam_part_zipf
                        or (len(left) >= 2 and token[i + 1 :].islower() and right not in _GENDER_ENDINGS)
                    )
                # camelCase identifiers ("feedId", "storyID") are code, not glued words; a one-letter
                # word after a function word is not ("thatI", "andI")
                short_word = len(right) == 1 and right in one_letter and z_left >= self.min_function_zipf
                ok = ok and (len(right) >= 3 or short_word) and not token[i + 1 :].isupper()
            else:
                if token[i].isupper() or (token[0].islower() and any(c.isupper() for c in token[1:])):
                    continue  # mixed case elsewhere (brand names, "iPhone"): not a plain glue
                # both halves common, one of them a function word: two content words side by side
                # make a valid compound or derivation more often than a glue ("playfellow")
                ok = max(z_left, z_right) >= self.min_function_zipf and all(
                    z >= (self.min_short_part_zipf if len(part) <= 2 else self.min_part_zipf)
                    for part, z in ((left, z_left), (right, z_right))
                )
                closed = CLOSED_CLASS.get(lang)
                if not ok and closed:
                    if left in closed:
                        ok = z_right >= self.min_closed_part_zipf and len(right) >= 3
                    elif right in closed:
                        ok = z_left >= self.min_closed_part_zipf and len(left) >= 3
                if ok and capitalised and lang in NOUN_CAPITALS:
                    # a capital inside a German sentence marks a noun: "das Dortsein", "der Seinestadt",
                    # "dies gänzliche Sichverlieren" are one word; only a function word closes a glue
                    # ("Pferddes"), and never an auxiliary that nominalises ("Königwerden", "»Bessersein?«")
                    ok = right not in NOUN_CAPITALS[lang] and (
                        not mid_sentence or z_right >= self.min_function_zipf
                    )
                elif ok and capitalised and mid_sentence and left not in ALWAYS_CAPITALISED.get(lang, ()):
                    ok = False  # elsewhere a capital inside a sentence marks a name: "Makepiece", "Goldmore"
                if ok and capitalised:
                    # a capitalised unknown token is often a name ("Budmouth", "Transome"): a function
                    # word must open it ("Ichwies") or close it after a common word ("Baueines")
                    ok = (z_left >= self.min_function_zipf and len(right) >= 4) or (
                        z_right >= self.min_function_zipf and z_left >= self.min_capitalised_left_zipf
                    )
            if ok:
                # the likelier pair of words: "unter meinem" over "unterm einem", "eigentlich ein" over
                # "eigentliche in" (sum of zipf = log of the product of the two frequencies)
                score = z_left + z_right + (20.0 if i in seams else 0.0)
                if best is None or score > best[0]:
                    best = (score, i, z_left, z_right)
        if best is None or (joined and best[1] not in seams):
            # a reading as one word exists ("zu"+"meiner" is blocked as a verb prefix): another split
            # a letter away ("zum einer", "eigentliche in") would only be a worse guess
            return None
        i, z_left, z_right = best[1:]
        # two function words ("daß" + "es"): the right one is a word, not an ending of the left
        both_function = min(z_left, z_right) >= self.min_function_zipf
        if i not in seams and _inflected(
            lower, words, lang, self.min_stem_zipf, left=lower[:i] if both_function else ""
        ):
            return None  # an inflected form of a known word ("schildernden" = "schildernd" + "en")
        return i, z_left, z_right


class _Context:
    """What a split may cite beyond word frequency: the text itself, and the corpus's pair counts."""

    def __init__(
        self, text: str, tokens: set[str], lang: str, pairs: PairCounts | None, step: SplitGluedWords
    ) -> None:
        self.text, self.tokens, self.lang, self.pairs = text, tokens, lang, pairs
        self.min_corpus_pairs, self.min_function_zipf = step.min_corpus_pairs, step.min_function_zipf
        self.min_corpus_pair_ratio = step.min_corpus_pair_ratio
        self._lower: str | None = None

    def spaced_pair(self, left: str, right: str) -> bool:
        """Whether the text holds the two (lower-case) words side by side, separated by whitespace only."""
        if not any(form in self.tokens for form in (left, left.capitalize(), left.upper())):
            return False  # the quick test: the left word must stand alone, followed by whitespace
        if self._lower is None:
            self._lower = " ".join(self.text.lower().split())  # one space between any two words
        text, pair = self._lower, f"{left} {right}"
        start = text.find(pair)
        while start >= 0:
            end = start + len(pair)
            if not (start and text[start - 1].isalpha()) and not (end < len(text) and text[end].isalpha()):
                return True
            start = text.find(pair, start + 1)
        return False

    def evidence(self, run: str, found: tuple[int, float, float]) -> str | None:
        """Why `run` splits at `found`, or None when nothing but word frequency says so."""
        i, z_left, z_right = found
        left, right = run[:i].lower(), run[i:].lower()
        # "dieRegierung", "ofGlenmuir": a capital where a new word starts, after or before a
        # function word; two content words with a capital between are code or a brand
        # ("setActive", "weblogUpdates", "easyJet"), a capitalised token with an inner capital a
        # name or a headline ("FirstGov", "CanSurmount"), unless the text writes them apart
        seam = run[0].islower() and run[i - 1].islower() and run[i].isupper() and i >= 2
        # an unknown right half of three letters is mojibake more often than a word ("weÆre")
        known = z_right > 0 or len(run) - i >= 4
        if seam and known and max(z_left, z_right) >= self.min_function_zipf:
            return "case_seam"
        if self.spaced_pair(left, right):
            return "page_pair"  # the text writes "es eine" elsewhere: "eseine" is the same two words
        if self.pairs is not None:
            spaced = self.pairs.get(f"{left} {right}", 0)
            closed = self.pairs.get(left + right, 0)
            if spaced >= self.min_corpus_pairs and spaced >= self.min_corpus_pair_ratio * closed:
                return "corpus_pair"
        if right in DETERMINERS.get(self.lang, ()) and run.islower() and _noun_follows(self.text, run):
            return "article_before_noun"  # "insbesondereden Bau": a German article needs its noun
        return None


def _split_again(
    memo: _Memo, run: str, found: tuple[int, float, float], evidence: list[str], context: _Context
) -> list[str] | None:
    """The words of a letter run split at `found`, each half split again where it is a glue itself:
    a token glued twice ("waswithmy", "seinwieSie") is three words. Halves follow a word, so they
    take the decision made inside a sentence; `evidence` collects the zipf values and the evidence
    of every split. None when the first split has no evidence beyond frequency (a half without
    evidence stays whole)."""
    i, z_left, z_right = found
    why = context.evidence(run, found)
    if why is None:
        return None
    left, right = run[:i], run[i:]
    evidence.append(f"{left}={z_left:.2f} {right}={z_right:.2f} ({why})")
    words: list[str] = []
    for half in (left, right):
        decision = None
        if len(half) >= memo.step.min_letters and half not in memo.harmless:
            decision = memo.decisions.get(half, _UNSEEN)
            if decision is _UNSEEN:
                decision = memo.decide(half)
        again = None
        if decision is not None and decision[1] is not None:
            again = _split_again(memo, half, decision[1], evidence, context)
        words += again if again is not None else [half]
    return words


#: the word list a word of each alphabet is looked up in, unless it is the document's own
_ALPHABET_LEXICON = {"Latin": "en", "Cyrillic": "ru", "Greek": "el"}


def _latin_seam_runs(text: str) -> set[str]:
    """The letter runs of `text` in which Latin letters meet Cyrillic or Greek ones: the Latin runs
    (few in a Cyrillic text) whose neighbour is a letter of the other alphabets, widened to the
    whole run (one C scan; a regular expression that looks for the meeting itself is 20x slower)."""
    runs = set()
    n = len(text)
    for m in _LATIN_RUN.finditer(text):
        start, end = m.span()
        if (start and _OTHER_ALPHABET.match(text, start - 1)) or (
            end < n and _OTHER_ALPHABET.match(text, end)
        ):
            while start and text[start - 1].isalpha():
                start -= 1
            while end < n and text[end].isalpha():
                end += 1
            runs.add(text[start:end])
    return runs


def _alphabet_zipf(word: str, lang: str) -> float:
    """Zipf of a one-alphabet word in the document's language, else in its alphabet's main language."""
    alphabet = (
        "Latin" if _LATIN_LETTER.match(word) else "Greek" if "\u0370" <= word[0] <= "\u03ff" else "Cyrillic"
    )
    low = word.lower()
    return max(_small_lexicon(lang).get(low, 0.0), _small_lexicon(_ALPHABET_LEXICON[alphabet]).get(low, 0.0))


@functools.cache
def _small_lexicon(lang: str) -> dict[str, float]:
    """Zipf of the words wordfreq's small list holds for `lang` (zipf >= 3; ~0.1 s to load, where the
    full list takes 1-2 s and far more memory), or an empty table."""
    import wordfreq

    if lang not in wordfreq.available_languages(wordlist="small"):
        return {}
    return {w: math.log10(f) + 9.0 for w, f in wordfreq.get_frequency_dict(lang, wordlist="small").items()}


def _noun_follows(text: str, run: str) -> bool:
    """Whether the word after the (first) occurrence of `run` is capitalised: a noun, in German."""
    i = text.find(run) + len(run)
    after = text[i : i + 2]
    return len(after) == 2 and after[0] == " " and after[1].isupper()


def _inflected(lower: str, words: dict[str, float], lang: str, min_stem_zipf: float, left: str = "") -> bool:
    """Whether a lower-case token is a known word plus an inflection ending ("schildernd" + "en"),
    other than the split's own left half (in "daß"+"es" the "es" is a word, not an ending)."""
    return any(
        words.get(lower[: -len(end)], 0.0) >= min_stem_zipf and lower[: -len(end)] != left
        for end in INFLECTIONS.get(lang, ())
        if lower.endswith(end)
    )


def _function_pair(
    token: str,
    words: dict[str, float],
    function: frozenset[str],
    lang: str,
    max_letters: int,
    prefixes: bool = False,
) -> tuple[int, float, float] | None:
    """Split of a lowercased token into two function words of 2+ letters ("atthe" -> at|the),
    unless the left one is a verb prefix ("unterdes", "annoch") or the right one a suffix word."""
    suffix_words = SUFFIX_WORDS.get(lang, frozenset())
    n = len(token)
    # both halves are function words, of at most `max_letters` letters each
    for i in range(max(2, n - max_letters), min(n - 1, max_letters + 1)):
        left, right = token[:i], token[i:]
        if (
            left in function
            and right in function
            and right not in suffix_words
            and (prefixes or left not in VERB_PREFIXES.get(lang, ()))
            and _plausible_pair(left, right, words[left], words[right], 0.0 if prefixes else 99.0, lang)
        ):
            return i, words[left], words[right]
    return None


def _plausible_pair(
    left: str, right: str, z_left: float, z_right: float, min_function: float, lang: str
) -> bool:
    """Whether two lower-case words could stand side by side as a glue rather than form one word.

    A verb prefix or compound-forming adverb on the left ("an"+"gefesselt", "viel"+"gefeiert",
    "за"+"дивився") joins a content word into one word: split only before a function word
    ("zuden", "inthe"; not in Slavic languages), and only when the case fits ("für der" is not German: "fürder" stays).
    A separable particle after a content word ("bergein", "himmelan") is one word too.
    """
    if right in _WRONG_CASE.get(lang, {}).get(left, ()):
        return False
    if left in JOINED_ADVERBS.get(lang, ()):
        return False
    if lang == "de" and left == "ein" and right.endswith(("er", "es")) and not right.startswith("ge"):
        return True  # article + adjective ("ein wichtiger", "ein neues"): no verb form ends so
    if left in VERB_PREFIXES.get(lang, ()) and (z_right < min_function or lang in SHORT_ENDINGS):
        return False  # Slavic prefixes join function words too: "за"+"від" is "завід" (a plant)
    # a particle after a content word ("bergein") or after another particle ("vorauf", "hinzu")
    particles = PARTICLE_ENDS.get(lang, ())
    return not (right in particles and (z_left < min_function or left in VERB_PREFIXES.get(lang, ())))


def _mid_sentence(text: str, token: str) -> bool:
    """Whether the (first) occurrence of `token` follows a word inside a sentence rather than
    opening a sentence, line or quotation."""
    i = text.find(token)
    before = text[max(0, i - 3) : i].rstrip(" ")
    return (bool(before) and before[-1].isalnum()) or before[-1:] in (",", ";")


def _attached(text: str, start: int, end: int) -> bool:
    """True when the letter run is part of a larger token (URL, e-mail, number, hyphenated or
    apostrophe word, file name): such runs are never split."""
    if start > 0 and text[start - 1] in _ATTACHED_BEFORE:
        return True
    if end < len(text):
        after = text[end]
        if after in _ATTACHED_AFTER:
            return True
        if after in "'’":
            # "agoin'", "objectin’": dialect with an elided letter; a clitic after the apostrophe
            # ("Butwhat's", "Whydon't", "theCaptain's") belongs to the last word only
            return not _CLITIC.match(text, end + 1)
        if after == "." and end + 1 < len(text) and text[end + 1].isalpha():
            return True
    return False


def _has_split(token: str, words: dict[str, float], function: frozenset[str], floor: float) -> bool:
    """Whether a lowercased token splits into a function word and a word of zipf >= floor
    (the case-blind first test; `best_split` decides). Function words are short: at most 7
    letters are tried at each end, and only the lengths of the function words that share the
    token's first (last) two letters."""
    n = len(token)
    one, heads, tails = _ends(function)
    if n > 1 and one:
        if token[0] in one and words.get(token[1:], 0.0) >= floor:
            return True
        if token[-1] in one and words.get(token[:-1], 0.0) >= floor:
            return True
    for i in heads.get(token[:2], ()):
        if i < n and token[:i] in function and words.get(token[i:], 0.0) >= floor:
            return True
    for i in tails.get(token[-2:], ()):
        if i < n and token[n - i :] in function and words.get(token[: n - i], 0.0) >= floor:
            return True
    return False


@functools.cache
def _ends(
    function: frozenset[str],
) -> tuple[frozenset[str], dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """The one-letter words of a function-word set, and the lengths (2-7) of its words by their
    first and by their last two letters: what `_has_split` tries."""
    heads: dict[str, set[int]] = {}
    tails: dict[str, set[int]] = {}
    for w in function:
        if 2 <= len(w) <= 7:
            heads.setdefault(w[:2], set()).add(len(w))
            tails.setdefault(w[-2:], set()).add(len(w))
    one = frozenset(w for w in function if len(w) == 1)
    return (
        one,
        {k: tuple(sorted(v)) for k, v in heads.items()},
        {k: tuple(sorted(v)) for k, v in tails.items()},
    )


#: two letter runs separated by whitespace only (the first one whole): a spaced word pair
_SPACED_PAIR = re.compile(r"(?<![^\W\d_])([^\W\d_]+)\s+(?=([^\W\d_]+))")


def count_spaced_pairs(texts: Iterable[str], keep: Container[str] | None = None) -> Counter[str]:
    """Occurrences of each spaced pair of words ("of the") in `texts`, lower-case, keyed "left right";
    with `keep`, only pairs with a word in it (the function words every glue but a seam holds).

    >>> count_spaced_pairs(["Of the two, one of THE best."])
    Counter({'of the': 2, 'the two': 1, 'one of': 1, 'the best': 1})
    """
    counts: Counter[str] = Counter()
    for text in texts:
        pairs = _SPACED_PAIR.findall(text.lower())
        if keep is None:
            counts.update(f"{a} {b}" for a, b in pairs)
        else:
            counts.update(f"{a} {b}" for a, b in pairs if a in keep or b in keep)
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

    def reduce(self, work_dir: Path, workers: int) -> dict[str, Any]:
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


@functools.cache
def _pair_words(lang: str, min_function_zipf: float, max_letters: int) -> frozenset[str]:
    """The words one of which every glue split without a seam holds: function words, closed-class words."""
    return function_words(lang, min_function_zipf, max_letters) | CLOSED_CLASS.get(lang, frozenset())
