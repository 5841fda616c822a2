"""How `repair.glued_words` decides whether a letter run is two words glued together, and where.

Two stages. Word frequency from `wordfreq`, per document language, *proposes* where a letter run
could be two words: the token is not a known word (wordfreq lists words down to zipf ~1, so rare
valid words such as "Teilmobilmachung" are never candidates), or a listed glue ("ofthe": a noisy
channel says its zipf is far below the chance meeting of its halves); one half a function word, and
the pair able to stand side by side (verb prefixes, case government, particles, suffix words,
inflected forms, German nouns, names inside a sentence are guarded against). Then *evidence beyond
frequency* decides (issue 10: on real pages frequency alone split "backglass", the surname "Anasa"
and "in toto"): a case seam beside a function word ("dieRegierung"), a script seam ("словоWord"),
the spaced pair elsewhere in the text ("es eine"), a German article before its capitalised noun
("insbesondereden Bau"), a text that lost its spaces all over ("examsare" beside "mustpass" and
"studentsshould"), or, given the corpus's pair counts, the spaced pair elsewhere in the corpus.

Every function takes the step (`tamis.repair.glued_words.SplitGluedWords`, the frozen dataclass of
all parameters) as `p`, and the language's data (`GlueLanguage`, read from
repair/patterns/glued_words.toml). The context-free part of each decision is remembered per step
and language (`memo`): rare tokens repeat across a corpus. Figures: docs/repair.md, bench/glued_real.py.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from tamis.derived import cached_json
from tamis.native import kernel
from tamis.text.lexicon import frequency_buckets, zipf_by_word, zipf_table

if TYPE_CHECKING:
    from tamis.repair.glued_words import SplitGluedWords

#: a split: (index of the right half, zipf of the left half, zipf of the right half)
Split = tuple[int, float, float]
#: a span to replace: (start, end, replacement, rule)
Span = tuple[int, int, str, str]
#: spaced word pairs counted over a corpus ("left right" -> occurrences), and closed tokens
PairCounts = Mapping[str, int]

#: zipf = log10 of a word's frequency per billion words
_ZIPF_OFFSET = 9.0
#: a letter run (regex's \w minus digits and underscore)
_LETTERS = "[^\\W\\d_]"
#: characters that make a letter run part of a larger token (URL, e-mail, number, file name)
_ATTACHED_BEFORE = frozenset("'’@/.\\-_0123456789")
_ATTACHED_AFTER = frozenset("@/\\-_0123456789(=")  # "(": a function call ("onClick(")
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
#: two letter runs separated by whitespace only (the first one whole): a spaced word pair
_SPACED_PAIR = re.compile(r"(?<![^\W\d_])([^\W\d_]+)\s+(?=([^\W\d_]+))")
_UNSEEN = object()
#: how many of a language's commonest words `Memo.hot` holds (with their capitalised forms, ~1 MB) ...
HOT_WORDS = 20_000
#: ... built when the memo sees this many texts (or by `SplitGluedWords.preload`)
HOT_AFTER_TEXTS = 20

# ---------------------------------------------------------------------------------------------
# Language data (repair/patterns/glued_words.toml)

_TABLES_SOURCE = resources.files("tamis").joinpath("repair/patterns/glued_words.toml").read_text("utf-8")
_TABLES: dict[str, Any] = tomllib.loads(_TABLES_SOURCE)
_ANY_LANGUAGE: dict[str, Any] = _TABLES["any_language"]
#: endings written with an inner capital that belong to the word ("LehrerInnen")
_SEAM_ENDINGS = frozenset(_ANY_LANGUAGE["seam_endings"])
#: a clitic after an apostrophe ("Butwhat's"): the run before it may split
_CLITIC = re.compile(f"(?:{'|'.join(_ANY_LANGUAGE['clitics'])})(?![^\\W\\d_])")
#: the word list a word of each alphabet is looked up in, unless it is the document's own
_ALPHABET_LEXICONS: dict[str, str] = _ANY_LANGUAGE["alphabet_lexicons"]


@dataclass(frozen=True)
class GlueLanguage:
    """One language's glue data; the keys and what each guards against are described in
    repair/patterns/glued_words.toml. A language without a table has none of these guards."""

    one_letter_words: str = ""
    one_letter_end: str = ""
    closed_class: frozenset[str] = frozenset()
    always_capitalised: frozenset[str] = frozenset()
    short_endings: bool = False
    verb_prefixes: frozenset[str] = frozenset()
    joined_adverbs: frozenset[str] = frozenset()
    wrong_case: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    particle_ends: frozenset[str] = frozenset()
    suffix_words: frozenset[str] = frozenset()
    capitalises_nouns: bool = False
    nominalising_auxiliaries: frozenset[str] = frozenset()
    participle: re.Pattern[str] | None = None
    inflections: tuple[str, ...] = ()
    determiners: frozenset[str] = frozenset()
    indefinite_articles: frozenset[str] = frozenset()
    adjective_endings: tuple[str, ...] = ()
    participle_prefixes: tuple[str, ...] = ()
    channel_gap: float | None = None
    listed_glues_checked: bool = False
    respellings: tuple[tuple[str, str], ...] = ()


def _glue_language(table: Mapping[str, Any]) -> GlueLanguage:
    fields = {f.name: f for f in dataclasses.fields(GlueLanguage)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ValueError(f"glued_words.toml: unknown keys {unknown}; known: {sorted(fields)}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        default = fields[key].default
        if key == "wrong_case":
            values[key] = {left: frozenset(rights) for left, rights in value.items()}
        elif key == "participle":
            values[key] = re.compile(value)
        elif key == "respellings":
            values[key] = tuple((old, new) for old, new in value)
        elif isinstance(default, frozenset):
            values[key] = frozenset(value)
        elif isinstance(default, tuple):
            values[key] = tuple(value)
        else:
            values[key] = value
    return GlueLanguage(**values)


_LANGUAGES = {lang: _glue_language(t) for lang, t in _TABLES.items() if lang != "any_language"}
_NO_DATA = GlueLanguage()


def language_data(lang: str) -> GlueLanguage:
    """The glue data of `lang` (ISO 639-1), empty for a language without a table."""
    return _LANGUAGES.get(lang, _NO_DATA)


# ---------------------------------------------------------------------------------------------
# Word lists (wordfreq)


@functools.cache
def _build_lexicon(lang: str) -> dict[str, float] | None:
    """Zipf frequency of every word wordfreq knows in `lang` (None: no word list for it); a word
    spelt the old way (`respellings`: "daß") takes the frequency of the new spelling ("dass")."""
    buckets = frequency_buckets(lang, "best")
    if buckets is None:
        return None
    words = zipf_by_word(buckets)
    for old, new in language_data(lang).respellings:
        for w in [w for w in words if new in w]:
            words.setdefault(w.replace(new, old), words[w])
    return words


def _words_above(lang: str, min_zipf: float) -> list[str]:
    buckets = frequency_buckets(lang, "best") or []
    return [w for bucket in buckets[: round((_ZIPF_OFFSET - min_zipf) * 100) + 1] for w in bucket]


@functools.cache
def _small_lexicon(lang: str) -> dict[str, float]:
    """Zipf of the words wordfreq's small list holds for `lang` (zipf >= 3), or an empty table: the
    full list takes far longer to load and far more memory."""
    return zipf_table(lang, "small") or {}


@functools.cache
def function_words(lang: str, min_zipf: float, max_letters: int = 7) -> frozenset[str]:
    """The words of `lang` at least this frequent and this short (articles, prepositions, pronouns,
    auxiliaries)."""
    return frozenset(w for w, z in (lexicon(lang) or {}).items() if z >= min_zipf and len(w) <= max_letters)


@functools.cache
def pair_words(lang: str, min_function_zipf: float, max_letters: int) -> frozenset[str]:
    """The words one of which every glue split without a seam holds: function words, closed-class words."""
    return function_words(lang, min_function_zipf, max_letters) | language_data(lang).closed_class


@functools.cache
def lexicon(lang: str) -> dict[str, float] | None:
    """Zipf frequency of every word wordfreq knows in `lang` (None: no word list for it); a word
    spelt the old way (`respellings`: "daß") takes the frequency of the new spelling ("dass").

    Kept on disk (tamis.derived) as runs of words of one zipf, in the table's order: reading it
    costs about what wordfreq's own list does, without importing wordfreq (~0.1 s of CPU) or
    the respelling scan (de ~0.09 s); docs/speed.md."""
    from importlib.metadata import version

    from tamis.text import lexicon as lexicon_module

    inputs = [
        lang, version("wordfreq"), Path(__file__).read_bytes(), Path(lexicon_module.__file__).read_bytes(), _TABLES_SOURCE,
    ]  # fmt: skip
    runs = cached_json(f"glued_words-lexicon-{lang}", inputs, lambda: _lexicon_runs(lang))
    if runs is None:
        return None
    words: dict[str, float] = {}
    for zipf, run in runs:  # a run is one string of "\n"-joined words unless a word holds "\n"
        words.update(dict.fromkeys(run.split("\n") if isinstance(run, str) else run, zipf))
    return words


def _lexicon_runs(lang: str) -> list[list[Any]] | None:
    """`_build_lexicon(lang)` as [zipf, words] runs in its order (JSON: words joined by "\n")."""
    words = _build_lexicon(lang)
    if words is None:
        return None
    runs: list[list[Any]] = []
    for word, zipf in words.items():
        if runs and runs[-1][0] == zipf:
            runs[-1][1].append(word)
        else:
            runs.append([zipf, [word]])
    return [[zipf, run if any("\n" in w for w in run) else "\n".join(run)] for zipf, run in runs]


# ---------------------------------------------------------------------------------------------
# Lists derived from the word lists, kept on disk (tamis.derived)


def _derived(
    kind: str, p: SplitGluedWords, lang: str, build: Callable[[], Iterable[str]], *args: Any
) -> frozenset[str]:
    """`build()`, kept on disk (tamis.derived) under what it depends on: wordfreq's version (its word
    lists), the step's fields, the language, the code of the step and of this module, and the word
    tables. Building the lists scans the full word list; loading them is quick (docs/repair.md)."""
    from importlib.metadata import version

    inputs = [
        kind,
        lang,
        repr(args),
        repr(p),
        version("wordfreq"),
        Path(__file__).read_bytes(),
        Path(__file__).with_name("glued_words.py").read_bytes(),
        _TABLES_SOURCE,
    ]
    return frozenset(cached_json(f"glued_words-{kind}-{lang}", inputs, lambda: sorted(build())))


@functools.cache
def common_words(p: SplitGluedWords, lang: str, min_zipf: float = 2.0) -> frozenset[str]:
    """The words of `lang` at least this frequent, lower-case and capitalised: the first, coarse
    test (a token in it is a known word whatever its case). `min_zipf` must not be below the
    step's `max_known_glue_zipf`: rarer listed tokens are tested as glues."""

    def build() -> Iterable[str]:
        common = _words_above(lang, min_zipf)
        # listed, but looked at: "inden", "ofthe"
        glues = listed_glues(p, lang) | channel_glues(p, lang, min_zipf)
        return (w for w in common + [w.capitalize() for w in common] if w.lower() not in glues)

    return _derived("common", p, lang, build, min_zipf)


@functools.cache
def channel_glues(p: SplitGluedWords, lang: str, min_zipf: float = 2.0) -> frozenset[str]:
    """Listed tokens of at least this zipf (as in `common_words`) that `channel_split` splits ("ofthe")."""
    if language_data(lang).channel_gap is None:
        return frozenset()

    def build() -> Iterable[str]:
        words = lexicon(lang) or {}
        return (
            w
            for w in _words_above(lang, min_zipf)
            if words[w] < p.channel_max_zipf and channel_split(p, w, words, lang)
        )

    return _derived("channel", p, lang, build, min_zipf)


@functools.cache
def listed_glues(p: SplitGluedWords, lang: str) -> frozenset[str]:
    """Listed tokens of `lang` that are two very frequent function words and far rarer than either."""
    if not language_data(lang).listed_glues_checked:
        return frozenset()
    return _derived("listed", p, lang, lambda: build_listed_glues(p, lang))


def build_listed_glues(p: SplitGluedWords, lang: str) -> list[str]:
    """What `listed_glues` holds, built from the full word list."""
    words = lexicon(lang) or {}  # with the old spellings: "daßes" is "dasses"
    function = function_words(lang, p.listed_glue_min_half_zipf, p.function_max_letters)
    heads = _ends(function, p.function_max_letters)[1]  # no function word of 2+ letters opens it: no pair
    out = []
    for w, z in words.items():
        if len(w) < p.min_letters or z >= p.listed_glue_max_zipf or w[:2] not in heads or not w.isalpha():
            continue
        # a verb prefix is a preposition here ("inthe", "zuden"): the frequency gap is the evidence
        found = _function_pair(p, w, words, function, lang, prefixes=True)
        if found is None or _inflected(w, words, lang, p.min_stem_zipf):
            continue  # "sieden" (to boil: "siede" + "n") is a verb, not "sie den"
        if min(found[1], found[2]) - z >= p.listed_glue_gap:
            out.append(w)
    return out


# ---------------------------------------------------------------------------------------------
# The per-language memo of context-free decisions


class Memo:
    """Context-free decisions of one step for one language, remembered across documents: the decision
    for a letter run (at a sentence start, inside a sentence) and the letter runs that hold
    no candidate (kept in one set with the common words, for one set difference per document). A pure
    function's cache: the results never depend on what it holds."""

    def __init__(self, p: SplitGluedWords, lang: str) -> None:
        self.p, self.lang = p, lang
        self.words = lexicon(lang) or {}
        # listed words down to the known-glue ceiling: below it a listed token may be a glue, above it
        # only the channel and case seams say so, and `common_words` leaves those out
        self.common = common_words(p, lang, max(p.common_min_zipf, p.max_known_glue_zipf))
        self.harmless: set[str] = set(self.common)
        # the commonest of them (`build_hot`), looked up first by `candidate_runs`; built after a few
        # texts, or by `preload`: for one page (`tamis clean`) it costs more than it saves
        self.hot: frozenset[str] = frozenset()
        self.hot_table: Any = None
        self.texts = 0
        self.decisions: dict[str, tuple | None] = {}

    def build_hot(self) -> None:
        """The `HOT_WORDS` commonest words, capitalised too, as a table the compiled `candidate_runs`
        compares in the text's own characters (most tokens of a text are among them, and the table
        stays in the processor's cache where the large `harmless` set does not): ~0.03 s of CPU."""
        top = itertools.islice(self.words, HOT_WORDS)
        self.hot = frozenset(f for w in top for f in (w, w.capitalize()) if f in self.common)
        self.hot_table = _GLUE_KERNEL.HotWords(self.hot) if _GLUE_KERNEL is not None else self.hot

    def remember_harmless(self, tokens: set[str]) -> None:
        """Whitespace tokens none of whose letter runs splits: harmless as a whole."""
        if len(self.harmless) + len(tokens) >= self.p.memo_max_harmless:
            self.harmless = set(self.common)
        self.harmless.update(tokens)

    def decide(self, run: str) -> tuple | None:
        """(split at a sentence start, split inside a sentence, splits into two words that only a
        spaced pair can confirm), or None when none splits."""
        p, words, lang = self.p, self.words, self.lang
        if len(self.decisions) >= p.memo_max_decisions:
            self.decisions.clear()
        low = run.lower()
        if low not in words and unlisted_whole(p, run, low, words, lang):
            first = None  # the quick way to `decide`'s answer for most rare runs
        else:
            first = decide(p, run, words, lang, mid_sentence=False)
        if first is None:
            pairs = word_pairs(p, run, words, lang)
            if pairs:
                self.decisions[run] = (None, None, pairs)
                return self.decisions[run]
            if len(self.harmless) >= p.memo_max_harmless:
                self.harmless = set(self.common)
            self.harmless.add(run)
            return None
        # inside a sentence the tests are only stricter (a capital there marks a name or a noun)
        inside = decide(p, run, words, lang, mid_sentence=True) if run[0].isupper() else first
        self.decisions[run] = (first, inside, ())
        return self.decisions[run]

    def decision(self, run: str) -> tuple | None:
        """The remembered decision for `run`, decided now if it is new."""
        found = self.decisions.get(run, _UNSEEN)
        return self.decide(run) if found is _UNSEEN else found


@functools.cache
def memo(p: SplitGluedWords, lang: str) -> Memo:
    return Memo(p, lang)


# ---------------------------------------------------------------------------------------------
# Where word frequency proposes a split (context-free)


def decide(
    p: SplitGluedWords, run: str, words: dict[str, float], lang: str, mid_sentence: bool
) -> Split | None:
    """The context-free decision for one letter run: where to split it, or None (the text's own
    evidence, occurrences and attachment, are checked later)."""
    low = run.lower()
    if low in words and run[0].islower() and not run.islower():
        found = _listed_with_inner_capital(p, run, words, lang, mid_sentence)
        if found is not None:
            return found
    if low in words:
        return _listed_glue(p, run, low, words, lang, mid_sentence)
    if unlisted_whole(p, run, low, words, lang):
        return None
    return best_split(p, run, words, lang, mid_sentence=mid_sentence)


def _listed_with_inner_capital(
    p: SplitGluedWords, run: str, words: dict[str, float], lang: str, mid_sentence: bool
) -> Split | None:
    """A listed word written with a capital inside ("derZeit", "einMann", "thatI"): the case seam
    is the evidence, as for an unknown token, when both halves are common (not "confusIng": a word
    with a stray capital) and the left half is not one letter ("iPhone", "eBay")."""
    found = best_split(p, run, words, lang, mid_sentence=mid_sentence)
    if (
        found is not None
        and found[0] >= 2
        and run[found[0]].isupper()
        and (min(found[1], found[2]) >= p.min_part_zipf or found[0] == len(run) - 1)
    ):
        return found
    return None


def _listed_glue(
    p: SplitGluedWords, run: str, low: str, words: dict[str, float], lang: str, mid_sentence: bool
) -> Split | None:
    """A rare listed "word" made of a function word and a word is a glue that web text repeats
    often enough for wordfreq to list it ("atthe", "aufdem", "theworld")."""
    if run.isupper():
        return None
    found = channel_split(p, low, words, lang)
    if found is not None:
        # a capital inside a sentence marks a name ("Wasa") or a German noun, not this kind of
        # glue; so does a capitalised token ending in a one-letter word ("Longa", "Linda")
        name = run[0].isupper() and (mid_sentence or found[0] == len(run) - 1)
        return None if name else found
    listed = listed_glues(p, lang)
    if not (words[low] < p.max_known_glue_zipf or low in listed):
        return None
    function = function_words(lang, p.min_function_zipf, p.function_max_letters)
    found = _function_pair(p, low, words, function, lang, prefixes=low in listed)
    floor = max(p.min_part_zipf, words[low] + p.min_known_glue_gap)
    if (
        found is None
        and words[low] < p.max_known_glue_zipf
        and (not (run.islower() or run.istitle()) or _has_split(p, low, words, function, floor))
    ):
        # "Ishould", "freefrom", "atime": far rarer than both halves, the same tests as an unknown token
        found = best_split(p, run, words, lang, mid_sentence=mid_sentence)
        if found is not None and min(found[1], found[2]) - words[low] < p.min_known_glue_gap:
            found = None
    return found


def word_pairs(p: SplitGluedWords, run: str, words: dict[str, float], lang: str) -> tuple[Split, ...]:
    """Splits of a run wordfreq does not list into two words of `min_pair_part_letters`+ letters,
    each at least `min_pair_part_zipf` ("highereducation"), likeliest first: no function word says
    they are two words, so only the spaced pair elsewhere in the text or the corpus can confirm one."""
    low = run.lower()
    if p.min_pair_part_zipf > _ZIPF_OFFSET or low in words or not (run.islower() or run.istitle()):
        return ()
    data = language_data(lang)
    if data.participle is not None and data.participle.search(low):
        return ()
    shortest = p.min_pair_part_letters
    out = []
    for i in range(shortest, len(low) - shortest + 1):
        left, right = low[:i], low[i:]
        z_left, z_right = words.get(left, 0.0), words.get(right, 0.0)
        if min(z_left, z_right) < p.min_pair_part_zipf or right in data.suffix_words:
            continue
        if max(z_left, z_right) >= p.min_function_zipf:
            continue  # a function word: `best_split` decides ("zumeiner" has a reading as one word)
        if _plausible_pair(left, right, z_left, z_right, p.min_function_zipf, lang):
            out.append((z_left + z_right, i, z_left, z_right))
    return tuple((i, z_left, z_right) for _, i, z_left, z_right in sorted(out, reverse=True))


def channel_split(p: SplitGluedWords, low: str, words: dict[str, float], lang: str) -> Split | None:
    """The split of a listed lower-case token that its own frequency is best explained by, or None.

    Noisy channel: glued text holds "of" + "the" about as often as P(of) * P(the) * P(glue), so a
    glue's own zipf is near z(of) + z(the) - 9 + log10 P(glue), with P(glue) about 1e-3 on the web
    ("ofthe" 3.3 = 7.4 + 7.7 - 9 - 2.8; "inden" 2.7, "itis", "wasa", "theworld"), while a word of
    the language is far more common than its halves' chance meeting ("indem" 5.0 vs 7.2 + 6.8 - 9;
    "onto", "another", "herein"). A listed token at least the language's `channel_gap` below the
    pair's chance meeting is a glue (bench/repair_quality.py, docs/repair.md).

    >>> from tamis.repair.glued_words import SplitGluedWords
    >>> p = SplitGluedWords()
    >>> channel_split(p, "ofthe", lexicon("en"), "en")[0], channel_split(p, "indem", lexicon("de"), "de")
    (2, None)
    """
    z = words.get(low)
    data = language_data(lang)
    if data.channel_gap is None or z is None or z >= p.channel_max_zipf or len(low) < p.min_letters:
        return None
    channel_function = function_words(lang, p.channel_function_zipf, p.function_max_letters)
    if not _has_split(p, low, words, channel_function, p.channel_part_zipf):
        return None  # no function word at either end: the quick test first
    if data.participle is not None and data.participle.search(low):
        return None  # "schauender" is "schauend" + "er", not "schauen der"
    first = 1 if low[0] in data.one_letter_words else 2
    last = len(low) if low[-1] in data.one_letter_end else len(low) - 1
    best = None
    for i in range(first, last):
        left, right = low[:i], low[i:]
        z_left, z_right = words.get(left, 0.0), words.get(right, 0.0)
        if max(z_left, z_right) < p.channel_function_zipf or min(z_left, z_right) < p.channel_part_zipf:
            continue
        if right in data.suffix_words or not _plausible_pair(
            left, right, z_left, z_right, p.channel_function_zipf, lang
        ):
            return None  # a reading as one word of the language: "jahr"+"ein", "an"+"noch"
        # a verb prefix or a one-letter word makes old words as well ("unterdes", "adown", "bethink"):
        # the glue must then be rarer still
        old_word_maker = left in data.verb_prefixes or len(left) == 1
        gap = data.channel_gap + (p.channel_old_word_gap if old_word_maker else 0.0)
        if z_left + z_right - _ZIPF_OFFSET - z >= gap and (
            best is None or z_left + z_right > best[1] + best[2]
        ):
            best = (i, z_left, z_right)
    return best


def unlisted_whole(p: SplitGluedWords, run: str, low: str, words: dict[str, float], lang: str) -> bool:
    """Whether a run wordfreq does not list stays whole in any context: written in capitals, or
    without an inner capital (which may mark a seam: "dieRegierung") and failing the
    case-blind first test. Most rare runs of a corpus end here (names, rare words)."""
    if run.isupper():
        return True
    if not (run.islower() or run.istitle()):
        return False
    function = function_words(lang, p.min_function_zipf, p.function_max_letters)
    closed = language_data(lang).closed_class
    return not _has_split(p, low, words, function, p.min_part_zipf) and not (
        closed and _has_split(p, low, words, closed, p.min_closed_part_zipf)
    )


# ---------------------------------------------------------------------------------------------
# best_split and its evidence tests, one predicate each


def best_split(
    p: SplitGluedWords, token: str, words: dict[str, float], lang: str, mid_sentence: bool = False
) -> Split | None:
    """Where to split `token` (index, zipf of each half), or None when no split is convincing.

    >>> from tamis.repair.glued_words import SplitGluedWords
    >>> best_split(SplitGluedWords(), "insbesondereden", lexicon("de"), "de")[0]
    12
    >>> best_split(SplitGluedWords(), "Ermanachow", lexicon("de"), "de") is None
    True
    """
    lower = token.lower()
    data = language_data(lang)
    if data.participle is not None and data.participle.search(lower):
        return None
    seams = {m.start() for m in _CASE_SEAM.finditer(token)}
    capitalised = token[0].isupper()
    best: tuple[float, int, float, float] | None = None
    joined = False  # some split point reads as one word of the language
    for i in range(1, len(token)):
        at_seam = i in seams
        if not _one_letter_halves_are_words(lower, i, at_seam, data):
            continue
        if not at_seam and _right_half_is_an_ending(lower, i, data):
            continue
        left, right = lower[:i], lower[i:]
        z_left, z_right = words.get(left), words.get(right)
        if z_left is None or z_right is None:
            if not (at_seam and _one_known_half_is_enough(capitalised, seams)):
                continue
            z_left, z_right = z_left or 0.0, z_right or 0.0
        if at_seam:
            ok = _seam_splits_into_words(p, token, i, left, right, z_left, z_right, data)
        elif not _plausible_pair(left, right, z_left, z_right, p.min_function_zipf, lang):
            joined = True  # "задивився", "angefesselt", "bergein", "fürder": one word of the language
            continue
        elif _mixed_case_elsewhere(token, i):
            continue
        else:
            ok = _plain_split_into_words(p, token, left, right, z_left, z_right, mid_sentence, data)
        if ok:
            score = _split_score(z_left, z_right, at_seam)
            if best is None or score > best[0]:
                best = (score, i, z_left, z_right)
    if best is None or (joined and best[1] not in seams):
        # a reading as one word exists ("zu"+"meiner" is blocked as a verb prefix): another split
        # a letter away ("zum einer", "eigentliche in") would only be a worse guess
        return None
    i, z_left, z_right = best[1:]
    if i not in seams and _inflected_form_of_a_word(p, lower, i, z_left, z_right, words, lang):
        return None
    return i, z_left, z_right


def _one_letter_halves_are_words(lower: str, i: int, at_seam: bool, data: GlueLanguage) -> bool:
    """A one-letter half only where the language has such a word: opening the token ("abook"), or
    closing it ("ofa"; at a case seam any one-letter word: "thatI")."""
    if i == 1 and lower[0] not in data.one_letter_words:
        return False
    return not (
        i == len(lower) - 1
        and lower[-1] not in data.one_letter_end
        and not (at_seam and lower[-1] in data.one_letter_words)
    )


def _right_half_is_an_ending(lower: str, i: int, data: GlueLanguage) -> bool:
    """A right half that is an ending rather than a word: two letters in a language whose short words
    are also case endings ("сестрину"), or a suffix word ("einigemal")."""
    return (data.short_endings and len(lower) - i <= 2) or lower[i:] in data.suffix_words


def _one_known_half_is_enough(capitalised: bool, seams: set[int]) -> bool:
    """At the one case seam of a lower-case token one known half is enough: "ihrenGeldkasten",
    "ofGlenmuir"."""
    return not capitalised and len(seams) <= 1


def _mixed_case_elsewhere(token: str, i: int) -> bool:
    """A capital inside the token away from the split (brand names, "iPhone"): not a plain glue."""
    return token[i].isupper() or (token[0].islower() and any(c.isupper() for c in token[1:]))


def _seam_splits_into_words(
    p: SplitGluedWords,
    token: str,
    i: int,
    left: str,
    right: str,
    z_left: float,
    z_right: float,
    data: GlueLanguage,
) -> bool:
    """Whether a case seam ("dieRegierung", "ofGlenmuir": a capital where a new word starts) splits
    `token` (lower-case halves `left`, `right`) into two words rather than marking a name or code."""
    if token[0].isupper():
        # a capitalised token with an inner capital is a name ("MacStinger", "DeBerry", "ДеБері")
        # unless its left half is a function word ("DieRegierung" at a sentence start)
        words = z_left >= p.min_function_zipf and len(left) >= p.min_capitalised_seam_left_letters
    else:
        words = max(z_left, z_right) >= p.min_seam_part_zipf and (
            min(z_left, z_right) >= p.min_seam_part_zipf
            or (len(left) >= 2 and token[i + 1 :].islower() and right not in _SEAM_ENDINGS)
        )
    return words and _seam_right_half_is_a_word(p, token, i, right, z_left, data)


def _seam_right_half_is_a_word(
    p: SplitGluedWords, token: str, i: int, right: str, z_left: float, data: GlueLanguage
) -> bool:
    """camelCase identifiers ("feedId", "storyID") are code, not glued words: the right half has
    three letters or more, not all capitals, unless it is a one-letter word after a function word
    ("thatI", "andI")."""
    short_word = len(right) == 1 and right in data.one_letter_words and z_left >= p.min_function_zipf
    return (len(right) >= p.min_seam_right_letters or short_word) and not token[i + 1 :].isupper()


def _plain_split_into_words(
    p: SplitGluedWords,
    token: str,
    left: str,
    right: str,
    z_left: float,
    z_right: float,
    mid_sentence: bool,
    data: GlueLanguage,
) -> bool:
    """Whether a split of `token` with no case seam gives two words (lower-case `left`, `right`)
    that can stand side by side."""
    if not (
        _function_word_and_common_word(p, left, right, z_left, z_right)
        or _closed_class_word_and_word(p, left, right, z_left, z_right, data)
    ):
        return False
    if not token[0].isupper():
        return True
    if data.capitalises_nouns:
        if not _capitalised_noun_may_end_here(p, right, z_right, mid_sentence, data):
            return False
    elif mid_sentence and left not in data.always_capitalised:
        return False  # elsewhere a capital inside a sentence marks a name: "Makepiece", "Goldmore"
    return _function_word_opens_or_closes_capitalised(p, left, right, z_left, z_right)


def _function_word_and_common_word(
    p: SplitGluedWords, left: str, right: str, z_left: float, z_right: float
) -> bool:
    """Both halves common, one of them a function word: two content words side by side make a
    valid compound or derivation more often than a glue ("playfellow"); halves of one or two
    letters are often abbreviations ("st"), so they must be commoner."""
    return max(z_left, z_right) >= p.min_function_zipf and all(
        z >= (p.min_short_part_zipf if len(part) <= 2 else p.min_part_zipf)
        for part, z in ((left, z_left), (right, z_right))
    )


def _closed_class_word_and_word(
    p: SplitGluedWords, left: str, right: str, z_left: float, z_right: float, data: GlueLanguage
) -> bool:
    """Next to a closed-class word (never part of a compound) a less common word of three letters
    or more is enough ("sodreadfully", "Cassandrahad")."""
    closed = data.closed_class
    if left in closed:
        return z_right >= p.min_closed_part_zipf and len(right) >= p.min_closed_part_letters
    if right in closed:
        return z_left >= p.min_closed_part_zipf and len(left) >= p.min_closed_part_letters
    return False


def _capitalised_noun_may_end_here(
    p: SplitGluedWords, right: str, z_right: float, mid_sentence: bool, data: GlueLanguage
) -> bool:
    """Where nouns are capitalised, a capitalised token is a noun: "das Dortsein", "der Seinestadt",
    "dies gänzliche Sichverlieren" are one word. Inside a sentence only a function word closes a
    glue ("Pferddes"), and never an auxiliary that nominalises ("Königwerden", "»Bessersein?«")."""
    return right not in data.nominalising_auxiliaries and (not mid_sentence or z_right >= p.min_function_zipf)


def _function_word_opens_or_closes_capitalised(
    p: SplitGluedWords, left: str, right: str, z_left: float, z_right: float
) -> bool:
    """A capitalised unknown token is often a name ("Budmouth", "Transome"): a function word must
    open it ("Ichwies") or close it after a common word ("Baueines")."""
    return (z_left >= p.min_function_zipf and len(right) >= p.min_capitalised_right_letters) or (
        z_right >= p.min_function_zipf and z_left >= p.min_capitalised_left_zipf
    )


def _split_score(z_left: float, z_right: float, at_seam: bool) -> float:
    """The likelier pair of words ranks higher: "unter meinem" over "unterm einem", "eigentlich ein"
    over "eigentliche in" (a sum of zipf is the log of the product of the two frequencies); a
    split at a case seam outranks every other (a zipf sum stays below 20)."""
    return z_left + z_right + (20.0 if at_seam else 0.0)


def _inflected_form_of_a_word(
    p: SplitGluedWords, lower: str, i: int, z_left: float, z_right: float, words: dict[str, float], lang: str
) -> bool:
    """An inflected form of a known word ("schildernden" = "schildernd" + "en"). With two function
    words ("daß" + "es") the right one is a word, not an ending of the left."""
    both_function = min(z_left, z_right) >= p.min_function_zipf
    return _inflected(lower, words, lang, p.min_stem_zipf, left=lower[:i] if both_function else "")


def _inflected(lower: str, words: dict[str, float], lang: str, min_stem_zipf: float, left: str = "") -> bool:
    """Whether a lower-case token is a known word plus an inflection ending ("schildernd" + "en"),
    other than the split's own left half (in "daß"+"es" the "es" is a word, not an ending)."""
    return any(
        words.get(lower[: -len(end)], 0.0) >= min_stem_zipf and lower[: -len(end)] != left
        for end in language_data(lang).inflections
        if lower.endswith(end)
    )


def _function_pair(
    p: SplitGluedWords,
    token: str,
    words: dict[str, float],
    function: frozenset[str],
    lang: str,
    prefixes: bool = False,
) -> Split | None:
    """Split of a lowercased token into two function words of 2+ letters ("atthe" -> at|the),
    unless the left one is a verb prefix ("unterdes", "annoch") or the right one a suffix word."""
    data = language_data(lang)
    n, max_letters = len(token), p.function_max_letters
    # both halves are function words, of at most `max_letters` letters each
    for i in range(max(2, n - max_letters), min(n - 1, max_letters + 1)):
        left, right = token[:i], token[i:]
        if (
            left in function
            and right in function
            and right not in data.suffix_words
            and (prefixes or left not in data.verb_prefixes)
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
    ("zuden", "inthe"; not in Slavic languages), and only when the case fits ("für der" is not
    German: "fürder" stays). A separable particle after a content word ("bergein", "himmelan") is
    one word too.
    """
    data = language_data(lang)
    if right in data.wrong_case.get(left, ()):
        return False
    if left in data.joined_adverbs:
        return False
    if (
        left in data.indefinite_articles
        and right.endswith(data.adjective_endings)
        and not right.startswith(data.participle_prefixes)
    ):
        return True  # article + adjective ("ein wichtiger", "ein neues"): no verb form ends so
    if left in data.verb_prefixes and (z_right < min_function or data.short_endings):
        return False  # Slavic prefixes join function words too: "за"+"від" is "завід" (a plant)
    # a particle after a content word ("bergein") or after another particle ("vorauf", "hinzu")
    return not (right in data.particle_ends and (z_left < min_function or left in data.verb_prefixes))


def _has_split(
    p: SplitGluedWords, token: str, words: dict[str, float], function: frozenset[str], floor: float
) -> bool:
    """Whether a lowercased token splits into a function word and a word of zipf >= floor
    (the case-blind first test; `best_split` decides). Function words are short: only the
    lengths of the function words that share the token's first (last) two letters are tried."""
    n = len(token)
    one, heads, tails = _ends(function, p.function_max_letters)
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
    function: frozenset[str], max_letters: int
) -> tuple[frozenset[str], dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """The one-letter words of a function-word set, and the lengths (2 to `max_letters`) of its words
    by their first and by their last two letters: what `_has_split` tries."""
    heads: dict[str, set[int]] = {}
    tails: dict[str, set[int]] = {}
    for w in function:
        if 2 <= len(w) <= max_letters:
            heads.setdefault(w[:2], set()).add(len(w))
            tails.setdefault(w[-2:], set()).add(len(w))
    one = frozenset(w for w in function if len(w) == 1)
    return (
        one,
        {k: tuple(sorted(v)) for k, v in heads.items()},
        {k: tuple(sorted(v)) for k, v in tails.items()},
    )


# ---------------------------------------------------------------------------------------------
# Evidence beyond frequency, from the text and the corpus


class Context:
    """What a split may cite beyond word frequency: the text itself, and the corpus's pair counts."""

    def __init__(
        self,
        p: SplitGluedWords,
        text: str,
        tokens: set[str],
        lang: str,
        pairs: PairCounts | None,
        words: Mapping[str, float],
        glue_dense: bool = False,
    ) -> None:
        self.p, self.text, self.tokens, self.lang, self.pairs = p, text, tokens, lang, pairs
        self.words, self.glue_dense = words, glue_dense
        self.closed_class = language_data(lang).closed_class
        self._lower: str | None = None

    def spaced_pair(self, left: str, right: str) -> bool:
        """Whether the text holds the two (lower-case) words side by side, separated by whitespace only."""
        if not any(form in self.tokens for form in (left, left.capitalize(), left.upper())):
            return False  # the quick test: the left word must stand alone, followed by whitespace
        if self._lower is None:
            self._lower = " ".join(self.text.lower().split())  # one space between any two words
        return _holds_whole(self._lower, f"{left} {right}")

    def corpus_pair(self, left: str, right: str) -> bool:
        """Whether the corpus writes the pair apart often enough, and far more often than closed
        ("init", "Orin" are words)."""
        if self.pairs is None:
            return False
        spaced = self.pairs.get(f"{left} {right}", 0)
        closed = self.pairs.get(left + right, 0)
        return spaced >= self.p.min_corpus_pairs and spaced >= self.p.min_corpus_pair_ratio * closed

    def evidence(self, run: str, found: Split) -> str | None:
        """Why `run` splits at `found`, or None when nothing but word frequency says so."""
        i, z_left, z_right = found
        left, right = run[:i].lower(), run[i:].lower()
        if _case_seam_beside_function_word(self.p, run, i, z_left, z_right):
            return "case_seam"
        if self.spaced_pair(left, right):
            return "page_pair"  # the text writes "es eine" elsewhere: "eseine" is the same two words
        if self.corpus_pair(left, right):
            return "corpus_pair"
        if right in language_data(self.lang).determiners and run.islower() and _noun_follows(self.text, run):
            return "article_before_noun"  # "insbesondereden Bau": a German article needs its noun
        if (
            self.glue_dense
            and _plain_unknown(run, self.words)
            and min(len(left), len(right)) >= self.p.min_dense_part_letters
            and (max(z_left, z_right) >= self.p.min_dense_function_zipf or {left, right} & self.closed_class)
        ):
            # the text lost spaces all over: one more unknown token made of a very common function
            # word or a closed-class word and a word is a glue ("examsare"); a one-letter half is
            # more often a name ("Anasa"), a less common half a compound ("backglass": "back" 6.04)
            return "glue_dense_text"
        return None


def _case_seam_beside_function_word(
    p: SplitGluedWords, run: str, i: int, z_left: float, z_right: float
) -> bool:
    """ "dieRegierung", "ofGlenmuir": a capital where a new word starts, after or before a function
    word; two content words with a capital between are code or a brand ("setActive",
    "weblogUpdates", "easyJet"), a capitalised token with an inner capital a name or a headline
    ("FirstGov", "CanSurmount"), unless the text writes them apart. An unknown right half of three
    letters is mojibake more often than a word ("weÆre")."""
    seam = run[0].islower() and run[i - 1].islower() and run[i].isupper() and i >= 2
    known = z_right > 0 or len(run) - i >= p.min_unknown_seam_right_letters
    return seam and known and max(z_left, z_right) >= p.min_function_zipf


def _holds_whole(text: str, phrase: str) -> bool:
    """Whether `text` holds `phrase` with no letter right before or after it."""
    start = text.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        if not (start and text[start - 1].isalpha()) and not (end < len(text) and text[end].isalpha()):
            return True
        start = text.find(phrase, start + 1)
    return False


def _noun_follows(text: str, run: str) -> bool:
    """Whether the word after the (first) occurrence of `run` is capitalised: a noun, in German."""
    i = text.find(run) + len(run)
    after = text[i : i + 2]
    return len(after) == 2 and after[0] == " " and after[1].isupper()


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


# ---------------------------------------------------------------------------------------------
# Finding the splits of one text


def candidate_runs(
    text: str, harmless: set[str], min_letters: int, hot: frozenset[str] | None = None
) -> tuple[set[str], set[str]]:
    """(tokens, runs): the distinct whitespace tokens of `text` that hold a letter run of at least
    `min_letters` letters not in `hot` and are not in `harmless`, and the distinct such runs of those
    tokens that are not in `harmless` either. `hot` (a language's commonest words) holds only words
    of `harmless`, so the runs are the same whatever it holds; it lets the compiled twin (the
    `tamis.native.glue` kernel) skip most tokens without creating a string. The reference twin: split,
    join, findall and set difference run in C; no regex ever scans the whole text."""
    run = _letter_runs(min_letters)
    rough = set(text.split()).difference(harmless)
    if not rough:
        return rough, set()
    runs = set(run.findall(" ".join(rough))).difference(harmless)
    hot = hot or frozenset()
    return {t for t in rough if not hot.issuperset(run.findall(t))}, runs


@functools.cache
def _letter_runs(min_letters: int) -> re.Pattern[str]:
    return re.compile(f"{_LETTERS}{{{min_letters},}}")


_GLUE_KERNEL = kernel("glue")
#: the compiled twin when it is built (tamis.native), else the Python reference
_candidate_runs = _GLUE_KERNEL.candidate_runs if _GLUE_KERNEL is not None else candidate_runs


def proposals(p: SplitGluedWords, text: str, memo: Memo) -> dict[str, list[Split]]:
    """The letter runs of `text` that split in some context, with the splits word frequency
    proposes here, likeliest first (none: not in this context); evidence is asked for afterwards."""
    # Whitespace tokens that are not common words, in their own case, then the letter runs inside
    # them that are not known to be harmless (common words, and runs already decided).
    memo.texts += 1
    if memo.texts == HOT_AFTER_TEXTS:
        memo.build_hot()
    rough, runs = _candidate_runs(text, memo.harmless, p.min_letters, memo.hot_table)
    if not rough:
        return {}
    out: dict[str, list[Split]] = {}
    for run in runs:
        decision = memo.decision(run)
        if decision is None:
            continue
        # a capitalised token inside a sentence reads as a name or noun (see `best_split`)
        mid_sentence = run[0].isupper() and _mid_sentence(text, run)
        found = decision[1] if mid_sentence else decision[0]
        out[run] = ([found] if found is not None else []) + list(decision[2] if not mid_sentence else ())
    # the tokens none of whose letter runs splits in any context are harmless as a whole ("Haus,",
    # "Tür."): the next text that holds them skips them at the first set difference
    # (a comprehension per split run: the few runs times the tokens, without a generator per token)
    memo.remember_harmless(rough.difference([t for run in out for t in rough if run in t]) if out else rough)
    return out


def _split_again(
    memo: Memo, run: str, found: Split, evidence: list[str], context: Context
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
        if len(half) >= memo.p.min_letters and half not in memo.harmless:
            decision = memo.decision(half)
        again = None
        if decision is not None and decision[1] is not None:
            again = _split_again(memo, half, decision[1], evidence, context)
        words += again if again is not None else [half]
    return words


def _whole_spans(text: str, token: str, parts: str, whole_word: bool) -> list[Span]:
    """A span replacing each occurrence of `token` by `parts`, except where it is attached to a larger
    token (and, with `whole_word`, where letters touch it)."""
    spans = []
    start = text.find(token)
    while start >= 0:
        end = start + len(token)
        whole = not whole_word or (
            not (start and text[start - 1].isalpha()) and not (end < len(text) and text[end].isalpha())
        )
        if whole and not _attached(text, start, end):
            spans.append((start, end, parts, "split_glued_pair"))
        start = text.find(token, end)
    return spans


def _glue_dense(
    p: SplitGluedWords,
    text: str,
    proposed: Mapping[str, list[Split]],
    words: Mapping[str, float],
    n_words: int,
) -> bool:
    """Whether the text lost the spaces between its words all over (lines or markup joined without a
    space): at least `min_dense_glues` tokens that no word list knows, with no capital inside and
    each written once, that word
    frequency splits into a function word and a word, and at least `min_dense_glues_per_1000_words`.
    In clean text such tokens are rare and scattered (bench/glued_real.py: none of the clean corpora's
    documents reaches the default limits); in a text glued at every line end they are everywhere."""
    n = sum(
        1
        for run, found in proposed.items()
        if found and _plain_unknown(run, words) and text.count(run) <= p.max_occurrences
    )
    return n >= p.min_dense_glues and 1000 * n >= p.min_dense_glues_per_1000_words * n_words


def _plain_unknown(run: str, words: Mapping[str, float]) -> bool:
    """A run no word list knows, without a capital inside (camelCase code and brands such as
    "setActive", "easyJet", "FirstGov" are not lost spaces)."""
    return (run.islower() or run.istitle()) and run.lower() not in words


def glue_spans(
    p: SplitGluedWords, text: str, lang: str, words: dict[str, float], pairs: PairCounts | None
) -> tuple[list[Span], dict[str, str]]:
    """The splits of `text` in a language with a word list, and each split token's evidence."""
    spans: list[Span] = []
    evidence: dict[str, str] = {}
    language_memo = memo(p, lang)
    proposed = proposals(p, text, language_memo)
    if not proposed:
        return spans, evidence  # most texts: no token to look at further
    whitespace_tokens = text.split()
    tokens = set(whitespace_tokens)
    dense = _glue_dense(p, text, proposed, words, len(whitespace_tokens))
    context = Context(p, text, tokens, lang, pairs, words, dense)
    for token, candidates in proposed.items():
        found_parts: list[str] = []
        split_words = None
        for found in candidates:  # the likeliest split that the text or the corpus confirms
            split_words = _split_again(language_memo, token, found, found_parts, context)
            if split_words is not None:
                break
        # a token seen twice in one text is a word of it (a name, an old spelling), not an accident
        if split_words is None or text.count(token) > p.max_occurrences:
            continue
        spans += _whole_spans(text, token, " ".join(split_words), whole_word=True)
        listed = words.get(token.lower())
        known = "unknown" if listed is None else f"listed={listed:.2f}"
        evidence[token] = f"{token}: {known}; " + "; ".join(found_parts)
    return spans, evidence


# ---------------------------------------------------------------------------------------------
# Script seams ("словоWord"), in any language


def script_seam_spans(p: SplitGluedWords, text: str, lang: str) -> tuple[list[Span], dict[str, str]]:
    """ "словоWord": a word of one alphabet glued to a word of another (Latin, Cyrillic, Greek),
    split in any language when both halves are words of their alphabet, written in one case
    style; a few letters of another alphabet are look-alikes ("разговоpax"), not a word."""
    spans: list[Span] = []
    evidence: dict[str, str] = {}
    if not (_OTHER_ALPHABET.search(text) and _LATIN_LETTER.search(text)):
        return (
            spans,
            evidence,
        )  # quick tests first: most texts hold no Cyrillic or Greek letter, or no Latin one
    for token in _latin_seam_runs(text):
        seams = [m.start() for m in _SCRIPT_SEAM.finditer(token)]
        if len(seams) != 1 or text.count(token) > p.max_occurrences:
            continue
        i = seams[0]
        left, right = token[:i], token[i:]
        if left.isupper() != right.isupper() and not right.istitle():
            continue  # "ГОГОЛЬfest": a brand written in two styles
        z = [_alphabet_zipf(half, lang) for half in (left, right)]
        if min(z) < p.min_script_part_zipf:
            continue
        spans += _whole_spans(text, token, f"{left} {right}", whole_word=False)
        evidence[token] = f"{token}: {left}={z[0]:.2f} {right}={z[1]:.2f} (script_seam)"
    return spans, evidence


def _latin_seam_runs(text: str) -> set[str]:
    """The letter runs of `text` in which Latin letters meet Cyrillic or Greek ones: the Latin runs
    (few in a Cyrillic text) whose neighbour is a letter of the other alphabets, widened to the
    whole run (one C scan; a regular expression that looks for the meeting itself is far slower)."""
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
    return max(_small_lexicon(lang).get(low, 0.0), _small_lexicon(_ALPHABET_LEXICONS[alphabet]).get(low, 0.0))


# ---------------------------------------------------------------------------------------------
# Corpus evidence


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
