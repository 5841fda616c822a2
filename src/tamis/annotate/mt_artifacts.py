"""High-precision traces that a page was machine-translated, each with the span that shows it.

Each check is a pure function of the text, the page language's words (its fluency model, or
wordfreq's frequencies where tamis ships no model: `wordfreq_page`) and the other languages'
models, returning `Artifact`s (issue 12; each fires on a minority of farm
pages, rarely on human pages):

- `foreign_ui_lines`: a short line in another language than the page ("Leave a Reply" on a
  German page): the farm translated the article, not its site template;
- `name_variants`: two spellings of the same rare name within a page ("Ermachanow" /
  "Ermanachow"): MT transliterates a name afresh in every sentence;
- `capitalised_function_words`: a conjunction capitalised mid-sentence ("... Channel 24 Dass
  Putins ..."): segments split and rejoined around a name;
- `foreign_outlet_credits`: an image or source credit naming an outlet in another language
  ("Collage 24 Channel"): the source outlet's own credit, translated word by word;
- `spaces_before_punctuation`: commas, full stops and closing brackets after a space, many
  times in running text ("Tooltip , wenn", "zu beschreiben ."): MT of HTML leaves a space
  where an inline link or tag ended (machine-translated Wikipedia mirrors).

`possible_checks` runs one compiled pass over the text (`tamis.native.mt_artifacts`, where it is
built) that rules out `name_variants`, `capitalised_function_words` and
`spaces_before_punctuation` on the pages where they can find nothing (most pages); the checks
themselves stay in Python, and run as they are wherever the pass lets a page through.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from operator import itemgetter
from typing import Any

import numpy as np
import regex

from tamis.annotate.fluency import FluencyModels
from tamis.derived import cached_array
from tamis.native import kernel
from tamis.text.chars import CODE_POINTS, matching_code_points
from tamis.text.lexicon import has_word_list, top_words, word_frequencies

_WORD = regex.compile(r"[\p{L}\p{M}][\p{L}\p{M}'’-]*")
_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}'’-]*|[^\s\p{L}\p{M}\p{N}]")
_LINE = regex.compile(r"[^\n]+")
_LETTERS = re.compile(r"[^\W\d_]+")
#: a capitalised word of at least MIN_NAME_CHARS letters (spelt out in the pattern)
_CAPITALISED = regex.compile(r"\b\p{Lu}\p{Ll}{5,}\b")
#: a line short enough to be a UI string (MAX_UI_CHARS, spelt out in the pattern; `_short_lines`
#: finds the same lines without it)
_SHORT_LINE = re.compile(r"(?m)^[^\n]{3,60}$")
_SENTENCE_BREAK = frozenset(".!?…:;\"'«»„“”()[]|/•·—–-")

#: a short line has at most this many characters
MAX_UI_CHARS = 60
#: mean unigram cost (nats a word) by which the other language must explain the line better:
#: "Leave a Reply" costs about 8 nats a word more in German than in English
MIN_UI_MARGIN = 3.0
#: a name in `name_variants` is a capitalised word at least this long
MIN_NAME_CHARS = 6
#: letters out of place between two spellings of one name (a typo's swap of neighbours moves 2-3)
MIN_REORDERED = 4
#: a credited outlet word counts as foreign when another language holds it at most at this
#: cost (more often than once in 160,000 words: "channel" in English) and the page language
#: at least MIN_UI_MARGIN higher
MAX_FOREIGN_WORD_COST = 12.0


@dataclass(frozen=True, slots=True)
class Artifact:
    """One trace of machine translation: its rule, where it is, what it shows."""

    rule: str
    start: int  # character offsets in the measured text (-1: in a line an earlier step removed)
    end: int
    text: str
    detail: str

    def as_reason(self) -> dict[str, Any]:
        return {"rule": self.rule, "span": [self.start, self.end], "text": self.text, "detail": self.detail}


#: cost of a word wordfreq does not list (-ln 1e-8; its small lists stop near 1e-6)
WORDFREQ_UNKNOWN_COST = -math.log(1e-8)
#: a language without its own `capitalised_function_words` takes its most frequent words of
#: at least this many letters among wordfreq's top DERIVED_FUNCTION_WORDS: conjunctions,
#: relatives and prepositions ("que", "pero", "che", "się", "jak"), not the one- and two-letter
#: articles and prepositions that open names ("La Paz", "Di Maio", "El Salvador"; two-letter
#: conjunctions such as Polish "że" are lost with them)
DERIVED_FUNCTION_WORDS = 30
MIN_DERIVED_FUNCTION_WORD_CHARS = 3


@dataclass(frozen=True)
class WordfreqUnigrams:
    """-ln P(word) from wordfreq's list: the page words of a language without a fluency model."""

    lang: str
    unknown_cost: float = WORDFREQ_UNKNOWN_COST

    def unigram_costs(self, words: Iterable[str]) -> np.ndarray:
        freqs = word_frequencies(words, self.lang, "small")
        return np.array([-math.log(f) if f > 0 else self.unknown_cost for f in freqs])


@dataclass(frozen=True)
class WordfreqPage:
    """What the artifact checks need of a page language (`lang`, `words.unigram_costs`)
    when tamis ships no fluency model for it: wordfreq's word frequencies."""

    lang: str
    words: WordfreqUnigrams


#: the page language's words, as a fluency model or from wordfreq
PageWords = FluencyModels | WordfreqPage


#: language codes the language identifier gives that wordfreq lists under another name
_WORDFREQ_NAMES = {"no": "nb"}


@cache
def wordfreq_page(lang: str) -> WordfreqPage | None:
    """The wordfreq word source of `lang` (None when wordfreq has no list for it)."""
    listed = _WORDFREQ_NAMES.get(lang, lang)
    if not has_word_list(listed, "small"):
        return None
    return WordfreqPage(lang, WordfreqUnigrams(listed))


@cache
def artifact_tables() -> dict[str, Any]:
    """The shipped artifacts.toml (pure loader, once per process)."""
    return tomllib.loads(resources.files("tamis").joinpath("data/mt/artifacts.toml").read_text("utf-8"))


def _mean_cost(models: PageWords, words: list[str]) -> float:
    return float(models.words.unigram_costs(words).mean())


def _best_other(
    words: list[str], page: PageWords, others: Mapping[str, FluencyModels]
) -> tuple[str, float] | None:
    """The other language that explains `words` best, and by how many nats a word, if by MIN_UI_MARGIN."""
    own = _mean_cost(page, words)
    best: tuple[str, float] | None = None
    for lang, models in others.items():
        if lang == page.lang:
            continue
        margin = own - _mean_cost(models, words)
        if margin >= MIN_UI_MARGIN and (best is None or margin > best[1]):
            best = (lang, margin)
    return best


def _source_models(page: PageWords, others: Mapping[str, FluencyModels]) -> dict[str, FluencyModels]:
    """The models of the languages whose traces count on this page (artifacts.toml: source_languages)."""
    sources = artifact_tables().get("source_languages", ())
    if page.lang in sources and len(sources) == 1:
        return {}  # an English page: no source language to find on it
    return {lang: m for lang, m in others.items() if lang in sources and lang != page.lang}


@cache
def _untranslated_ui() -> frozenset[str]:
    return frozenset(artifact_tables().get("untranslated_ui", ()))


@cache
def _ui_anchors() -> frozenset[str]:
    """The longest run of letters of each `untranslated_ui` string ("reply" of "leave a reply"):
    a text holding one of the strings holds its anchor as a word."""
    return frozenset(max(_LETTERS.findall(key), key=len) for key in _untranslated_ui())


def _ui_key(line: str) -> str:
    """A line as `untranslated_ui` lists it: lower case, single spaces, no end punctuation or bullets.

    >>> _ui_key("  Leave a Reply  ")
    'leave a reply'
    >>> _ui_key("• Related Posts:")
    'related posts'
    """
    return " ".join(line.lower().split()).strip(" .:!?»«•·-–—|>")


#: `_ui_key` of the lines seen (a site's template lines come back on its every page)
_cached_ui_key = lru_cache(maxsize=4096)(_ui_key)


def _short_lines(text: str) -> list[tuple[int, int, str]]:
    """The matches of `_SHORT_LINE` in `text`, as (start, end, line): its lines of 3 to
    MAX_UI_CHARS characters. Split here, 4x cheaper than the pattern, which tries every
    length from 60 down at the start of each longer line (the same matches: tested)."""
    found = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if 3 <= end - start <= MAX_UI_CHARS:
            found.append((start, end, line))
        start = end + 1
    return found


def foreign_ui_lines(
    text: str,
    page: PageWords,
    others: Mapping[str, FluencyModels],
    removed_lines: Iterable[str] = (),
    words: Iterable[str] | None = None,
) -> list[Artifact]:
    """Template strings left in English on a page in another language ("Leave a Reply"), in the
    text or among the lines an earlier step removed as boilerplate.

    A line counts when it is one of the `untranslated_ui` strings of artifacts.toml and the
    English model explains it better than the page language's by MIN_UI_MARGIN nats a word.
    `words`: the lower-cased words of the text (or more), when the caller has them: a gate
    (any iterable: a sequence is scanned until a gate word, no set need be built).
    """
    sources = _source_models(page, others)
    if not sources:
        return []
    known = _untranslated_ui()
    found: list[Artifact] = []
    # a line that is one of the strings holds its longest word: a page whose words hold none
    # of them (most pages) has no such line, and its lines are not scanned
    scan = words is None or not _ui_anchors().isdisjoint(words)
    candidates = _short_lines(text) if scan else []
    candidates += [(-1, -1, line) for line in removed_lines if len(line) <= MAX_UI_CHARS]
    for start, end, raw in candidates:
        if _cached_ui_key(raw) not in known:
            continue
        words = [w.lower() for w in _WORD.findall(raw)]
        best = _best_other(words, page, sources)
        if best is None:
            continue
        lang, margin = best
        line = raw.strip()
        if start >= 0:
            start += raw.index(line)
            end = start + len(line)
        detail = f"a {lang} template string on a {page.lang} page (+{margin:.1f} nats/word)"
        found.append(Artifact("foreign_ui_line", start, end, line, detail))
    return found


#: the compiled gates of three checks (`possible_checks`; None: not built, or TAMIS_PURE_PYTHON=1)
_NATIVE = kernel("mt_artifacts")
#: the checks `possible_checks` may rule out on a page
GATED_CHECKS = ("name_variants", "capitalised_function_word", "spaces_before_punctuation")


@cache
def name_classes() -> np.ndarray:
    """Per code point, as `regex` (which runs `_CAPITALISED`) classes it: 1 `\\p{Lu}`, 2
    `\\p{Ll}`, 4 `\\w` (what `\\b` looks at), summed; the table the compiled gates read."""

    def build() -> np.ndarray:
        table = np.zeros(CODE_POINTS, dtype=np.uint8)
        for pattern, bit in ((r"\p{Lu}", 1), (r"\p{Ll}", 2), (r"\w", 4)):
            table[matching_code_points(regex.compile(pattern))] |= bit
        return table

    return np.asarray(cached_array("mt-name-classes", [_CAPITALISED.pattern, "1 2 4"], build))


def name_variants(
    text: str,
    page: PageWords,
    others: Mapping[str, FluencyModels] | None = None,
) -> list[Artifact]:
    """Two spellings of one rare name on a page: the same letters in another order, at least
    MIN_REORDERED letters out of place ("Ermachanow" / "Ermanachow": MT transliterates a name
    afresh in every sentence), both unknown to the page language's model and to the others.

    A typo swaps two neighbours ("Tverdovsky" / "Tverdvosky": 3 letters out of place) and two
    real names one or two letters apart are common ("Bolton" / "Boston"), so neither counts;
    nor do inflections, which differ at the end only."""
    # group capitalised words by their letters: only a group with two spellings is looked up.
    # A first cut by each name's set of letters (C-level maps, no Python loop over the names);
    # in the rare shared sets, the names whose first letter and length another name shares are
    # grouped by their sorted letters
    names = list(set(_CAPITALISED.findall(text)))
    letter_sets = list(map(frozenset, names))  # the same letters have the same set: a cheap first cut
    if len(set(letter_sets)) == len(letter_sets):
        return []  # no two names share their letters (most pages): no counting
    shared_sets = {key for key, n in Counter(letter_sets).items() if n > 1}
    buckets = Counter(zip(map(itemgetter(0), names), map(len, names), strict=True))
    groups: dict[str, set[str]] = {}
    for name, key in zip(names, letter_sets, strict=True):
        if key in shared_sets and buckets[name[0], len(name)] > 1:
            groups.setdefault("".join(sorted(name)), set()).add(name)
    pairs = sorted(sorted(g) for g in groups.values() if len(g) > 1)  # one order in every process
    found: list[Artifact] = []
    for spellings in pairs:
        lowered = [n.lower() for n in spellings]
        known = page.words.unigram_costs(lowered) < page.words.unknown_cost
        for models in (others or {}).values():
            known |= models.words.unigram_costs(lowered) < models.words.unknown_cost
        rare = [n for n, k in zip(spellings, known, strict=True) if not k]
        for i, a in enumerate(rare):
            b = next(
                (b for b in rare[i + 1 :] if sum(x != y for x, y in zip(a, b, strict=True)) >= MIN_REORDERED),
                None,
            )
            if b is None or a[0] != b[0]:
                continue
            first, second = sorted((a, b), key=text.find)
            start = text.find(second)
            detail = "two spellings of one rare name"
            found.append(Artifact("name_variants", start, start + len(second), f"{first} / {second}", detail))
            break
    return found


@cache
def function_words(lang: str) -> tuple[frozenset[str], bool]:
    """The function words never capitalised mid-sentence in `lang`, and whether they were
    derived from wordfreq's top words (artifacts.toml lists conjunctions for a few languages;
    every other language takes its top words, see DERIVED_FUNCTION_WORDS)."""
    listed = artifact_tables().get(lang, {}).get("capitalised_function_words", ())
    if listed:
        return frozenset(listed), False
    top = top_words(lang, DERIVED_FUNCTION_WORDS)
    return frozenset(w for w in top if len(w) >= MIN_DERIVED_FUNCTION_WORD_CHARS and w.isalpha()), True


@cache
def _capitalised_forms(lang: str) -> tuple[tuple[str, ...], str]:
    """The function words of `lang` capitalised, longest first (the pattern's alternatives),
    and their first characters, each once (the compiled gate's quick test)."""
    words = function_words(lang)[0]
    forms = tuple(w[0].upper() + w[1:] for w in sorted(words, key=len, reverse=True))
    return forms, "".join(sorted({form[0] for form in forms}))


@cache
def _capitalised_pattern(lang: str) -> re.Pattern[str] | None:
    """A conjunction of `lang`, capitalised, after a word and a space, before a space and a letter."""
    forms = _capitalised_forms(lang)[0]
    if not forms:
        return None
    # the standard library's `re` (3x faster here than `regex`), starting with the words
    # themselves so that it only stops at their first letters (a lookbehind first made it
    # stop at every character); the word and space before are checked after
    return re.compile(rf"(?:{'|'.join(map(re.escape, forms))})(?=[ \t]+(\w+))")


def capitalised_function_words(text: str, lang: str) -> list[Artifact]:
    """A conjunction capitalised after a word of the same sentence, outside a title-case run."""
    pattern = _capitalised_pattern(lang)
    if pattern is None:
        return []
    table = artifact_tables().get(lang, {})
    words, derived = function_words(lang)
    max_share = float(table.get("max_capitalised_context", 0.4))
    found: list[Artifact] = []
    for m in pattern.finditer(text):
        start = m.start()
        if start < 2 or text[start - 1] not in " \t" or not text[start - 2].isalnum():
            continue  # not after a word and a space (isalnum: `re`'s \w without "_")
        line_start = text.rfind("\n", 0, start) + 1
        head = text[max(line_start, start - 60) : start].split()
        if not head:
            continue
        before, prev, nxt = (head[-2] if len(head) > 1 else ""), head[-1], m.group(1)
        after_number = prev.isdigit() and before[-1:].isalpha()  # "Channel 24 Dass", not a verse "10 And"
        if not (after_number or (prev.isalpha() and prev.islower() and len(prev) > 1)):
            continue  # a new sentence, a quotation, a list item, a title-case run ("Less Than")
        if len(m.group()) == 1 and not after_number:
            continue  # "получить И падший род": verse run together opens its lines with "И"
        end = m.end()
        if not nxt[0].isalpha() or prev.lower() in words or nxt.lower() in words:
            continue  # "viele Wenn und Aber": conjunctions used as nouns come in pairs
        if derived and not nxt[0].islower():
            continue  # top words open names ("Los Angeles", "Della Francesca"): not a conjunction
        around = head[-3:] + text[end : end + 60].split()[:3]
        if sum(w[0].isupper() for w in around) > max_share * len(around):
            continue  # a headline in title case: "What to Wear to That Wedding"
        context = text[max(line_start, start - 25) : min(_line_end(text, end), end + 25)].strip()
        found.append(Artifact("capitalised_function_word", start, end, m.group(), context))
    return found


@cache
def _markers(lang: str) -> tuple[str, ...]:
    tables = artifact_tables()
    markers = tables.get(lang, {}).get("credit_markers") or tables.get("credit_markers", ())
    return tuple(m.lower() for m in markers)


@cache
def _marker_prefilter(lang: str) -> tuple[str, ...]:
    """The markers one of which a text must hold (lower-cased) for the pattern to be run: a
    marker holding another one is left out ("fotos": where it is, "foto" is too)."""
    markers = _markers(lang)
    return tuple(m for m in markers if not any(o != m and o in m for o in markers))


@cache
def _marker_words(lang: str) -> frozenset[str]:
    """The markers as words (a marker is matched as a whole word: it is one of the text's words)."""
    return frozenset(_markers(lang))


@cache
def gate_words(lang: str) -> frozenset[str]:
    """The words one of which a page in `lang` must hold for `foreign_ui_lines` (a template
    string's longest word) or `foreign_outlet_credits` (a credit marker) to scan its text."""
    return _ui_anchors() | _marker_words(lang)


@cache
def _gate_table(lang: str) -> bytes:
    """`gate_words(lang)`'s quick test for the compiled `gate_hits` (built once a language)."""
    assert _NATIVE is not None
    return bytes(_NATIVE.gate_table(gate_words(lang)))


def gate_hits(words: tuple[str, ...], lang: str, limit: int) -> Collection[str]:
    """The `gate_words(lang)` among the first `limit` of `words` (empty on most pages): one scan
    of the words, whose result gates both `foreign_ui_lines` and `foreign_outlet_credits` (it
    holds a word of either gate exactly when `words` does). The compiled kernel tests each
    word's first character and length before it looks one up; the twin is a set intersection."""
    native = _NATIVE
    if native is None:
        return gate_words(lang).intersection(words[:limit])
    return native.gate_hits(words, limit, gate_words(lang), _gate_table(lang))


@cache
def _agencies() -> frozenset[str]:
    return frozenset(artifact_tables().get("agencies", ()))


@cache
def _marker_pattern(lang: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, _markers(lang)))})\b", re.IGNORECASE)


def foreign_outlet_credits(
    text: str,
    page: PageWords,
    others: Mapping[str, FluencyModels],
    words: Iterable[str] | None = None,
) -> list[Artifact]:
    """An image or source credit whose outlet name holds a common word of another language.

    The outlet is the run of up to four capitalised words or numbers after a credit marker
    ("Collage 24 Channel"); photo agencies and platforms named in every language do not count.
    `words`: the lower-cased words of the text (or more), when the caller has them: a gate
    (any iterable: a sequence is scanned until a gate word, no set need be built).
    """
    if not text:
        return []  # most pages have no caption
    if words is not None:
        if _marker_words(page.lang).isdisjoint(words):
            return []  # most pages: no credit marker at all, and the pattern is not run
    elif not any(marker in text.lower() for marker in _marker_prefilter(page.lang)):
        return []
    others = _source_models(page, others)
    if not others:
        return []
    agencies = _agencies()
    found: list[Artifact] = []
    for hit in _marker_pattern(page.lang).finditer(text):
        outlet = []
        for token in list(_TOKEN.finditer(text, hit.end(), _line_end(text, hit.end())))[:4]:
            word = token.group()
            if word in (":", "©"):
                continue
            if not (word[0].isupper() or word[0].isdigit()):
                break
            outlet.append(token)
        names = [t.group().lower() for t in outlet if t.group()[0].isalpha()]
        names = [n for n in names if n not in agencies]
        if not names:
            continue
        own = page.words.unigram_costs(names)
        for name, cost in zip(names, own, strict=True):
            elsewhere = min(
                (float(m.words.unigram_costs([name])[0]) for lang, m in others.items() if lang != page.lang),
                default=float("inf"),
            )
            if elsewhere <= MAX_FOREIGN_WORD_COST and cost - elsewhere >= MIN_UI_MARGIN:
                start, end = hit.start(), outlet[-1].end()
                detail = f"'{name}' is a common word of another language, not of {page.lang}"
                found.append(Artifact("foreign_outlet_credit", start, end, text[start:end], detail))
                break
    return found


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


#: a line holds running text (not a menu) from this many words on
MIN_SENTENCE_LINE_WORDS = 12
#: marks after a space a page needs, and their rate per word of running text: on the 2,228
#: human pages of realpages dev, 5 English pages (0.2%) reach both, no German one; three of
#: four machine-translated Wikipedia mirror pages do (5-29 marks, 2-14%; docs/quality.md).
#: ";" ":" "!" "?" are left out: French typography spaces them.
MIN_SPACED_MARKS = 5
MIN_SPACED_RATE = 0.015
_SPACED_MARK = re.compile(r"\w [,.)](?=\s|$)")


def spaces_before_punctuation(text: str) -> list[Artifact]:
    """Many commas, full stops or closing brackets after a space in the long lines of a page."""
    if text.count(" ,") + text.count(" .") + text.count(" )") < MIN_SPACED_MARKS:
        return []  # fewer in the whole text than the long lines need (most pages): no line scan
    marks: list[int] = []
    words = 0
    for line in _LINE.finditer(text):
        n = line.group().count(" ") + 1
        if n < MIN_SENTENCE_LINE_WORDS:
            continue
        words += n
        marks.extend(line.start() + m.start() + 1 for m in _SPACED_MARK.finditer(line.group()))
    if len(marks) < MIN_SPACED_MARKS or len(marks) < MIN_SPACED_RATE * words:
        return []
    first = marks[0]
    context = text[max(0, first - 20) : first + 2].split("\n")[-1]
    detail = f"{len(marks)} marks after a space in {words} words of running text"
    return [Artifact("spaces_before_punctuation", first, first + 2, context, detail)]


def possible_checks(text: str, lang: str) -> tuple[str, ...]:
    """The checks of GATED_CHECKS that can find an artifact in `text`: the compiled kernel's
    one pass over the text rules out those that cannot (on most pages, all three: no two names
    spelt with the same letters, no capitalised conjunction after a word and a space, fewer
    marks after a space than `spaces_before_punctuation` needs); without it, all of them."""
    native = _NATIVE
    if native is None:
        return GATED_CHECKS
    forms, firsts = _capitalised_forms(lang)
    gates = native.page_gates(text, name_classes(), MIN_NAME_CHARS - 1, forms, firsts, MIN_SPACED_MARKS)
    if gates == 0:
        return ()  # most pages
    return tuple(check for bit, check in zip((1, 2, 4), GATED_CHECKS, strict=True) if gates & bit)


@cache
def checks_for(lang: str) -> tuple[str, ...]:
    """The artifact checks that can fire on a page in `lang` (`mt.evidence`)."""
    sources = artifact_tables().get("source_languages", ())
    foreign = lang not in sources or len(sources) > 1
    return tuple(
        rule
        for rule, applies in (
            ("foreign_ui_line", foreign),
            ("name_variants", True),
            ("capitalised_function_word", bool(function_words(lang)[0])),
            ("foreign_outlet_credit", foreign and bool(_markers(lang))),
            ("spaces_before_punctuation", True),
        )
        if applies
    )
