"""Quality signals (Gopher, C4, FineWeb, simple counts), measured once over one shared split.

Every signal is a number stored under a group prefix (`gopher.`, `c4.`, `fineweb.`, `text.`),
so `filter.thresholds` can decide, and re-decide with other thresholds, without measuring
again. Definitions follow datatrove's filters (datatrove/pipeline/filters/*.py, v0.10.1)
unless docs/quality.md lists a difference and its reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import regex

from tamis.annotate.char_classes import count_classes
from tamis.derived import cached_array
from tamis.document import Document
from tamis.native import kernel
from tamis.steps import Annotate, register
from tamis.text.chars import CODE_POINTS, _code_point_text, matching_code_points
from tamis.text.lexicon import gopher_stop_words, stop_words
from tamis.text.segmentation import Segmentation, segment

TOP_NGRAM_SIZES = (2, 3, 4)  # Gopher Table A1: top n-gram character fractions
DUP_NGRAM_SIZES = (5, 6, 7, 8, 9, 10)  # Gopher Table A1: duplicate n-gram character fractions

# C4 (Raffel et al. 2020, §2.2) as implemented by datatrove's C4QualityFilter.
C4_END_PUNCTUATION = (".", "?", "!", '"', "'")
C4_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
C4_POLICY = re.compile("terms of use|privacy policy|cookie policy|uses cookies|use of cookies|use cookies")
#: every C4_POLICY phrase contains one of these
C4_POLICY_HINTS = ("terms of use", "privacy policy", "cookie")
C4_MIN_WORDS_PER_LINE = 3
C4_MAX_WORD_LENGTH = 1000
# spaCy's sentencizer (datatrove's English sentence splitter) starts a sentence at the first
# word after a terminal punctuation token. An ellipsis ("...") is one token and not terminal;
# "3.5" and "x.com" are single tokens, so a boundary needs whitespace after the punctuation.
# Kept lines are joined by NUL for one pass: no part of the pattern may cross a NUL.
# The pattern starts with the terminal mark itself (its two conditions, "not after another
# mark" and "a period not followed by a period", follow as lookarounds): `re` then skips to
# candidate characters instead of trying the pattern at every position, 3x faster; the same
# matches as the lookbehind-first form on 11,376 bench documents.
_TERMINAL = "[.!?։؟۔।。｡]"
SENTENCE_END = re.compile(
    rf"{_TERMINAL}(?<![.!?…]{_TERMINAL})(?!(?<=\.)\.){_TERMINAL}*[^\w\s\x00]*\s+(?=[^\w\x00]*\w)"
)

# FineWeb (Penedo et al. 2024, §3.3) line signals; terminal punctuation as in datatrove.
FINEWEB_STOP_CHARS = (".", "!", "?", "…", "。", "！", "？", "؟", "।", "۔", "։", "‼", "⁉", "⁈", "‽")
FINEWEB_SHORT_LINE = 30  # characters; FineWeb's `short_line_length`

PARAGRAPH_BREAK = re.compile(r"\n{2,}")
LINE_BREAKS = re.compile(r"\n+")

BULLETS = ("•", "-")  # Gopher: lines starting with a bullet point (datatrove's choice of bullets)
ELLIPSES = ("...", "…")

_UPPER = regex.compile(r"\p{Lu}")
_DIGIT = re.compile(r"\d")  # the standard library's \d is Unicode's Nd


def upper_and_digit_counts(text: str) -> tuple[int, int]:
    """How many characters of `text` are upper-case letters, and how many are decimal digits.

    One table lookup per code point (`char_classes`) instead of two pattern scans: the same counts.

    >>> upper_and_digit_counts("Übel 42 ΑΒ x٣ 𝐀😀")
    (4, 3)
    """
    compiled = kernel("quality")
    if compiled is not None:
        upper, digits = compiled.class_counts(text, _upper_digit_table())
        return upper, digits
    upper, digits = count_classes(text, (_UPPER, _DIGIT))
    return upper, digits


@cache
def _upper_digit_table() -> np.ndarray:
    """Every code point's classes for the compiled `upper_and_digit_counts`: bit 1 where `_UPPER`
    matches it, bit 2 where `_DIGIT` does (from the patterns themselves, so the counts agree)."""

    def build() -> np.ndarray:
        table = np.zeros(CODE_POINTS, dtype=np.uint8)
        table[matching_code_points(_UPPER)] |= 1
        table[matching_code_points(_DIGIT)] |= 2
        return table

    return np.asarray(cached_array("upper-digit", [Path(__file__).read_bytes()], build))


def find_duplicates(items: Sequence[str]) -> tuple[int, int]:
    """Count items seen before (and their characters), in order, as Gopher does.

    Every occurrence but the first of each distinct item is a repeat, so the counts are the
    totals minus those of the distinct items: set and sum in C instead of a loop per line.

    >>> find_duplicates(["a", "bb", "a", "bb", "bb"])
    (3, 5)
    """
    distinct = set(items)
    return len(items) - len(distinct), sum(map(len, items)) - sum(map(len, distinct))


def top_ngram_chars(tokens: Sequence[str], n: int) -> int:
    """Characters covered by the most frequent n-gram (joined with spaces) times its count.

    >>> top_ngram_chars(["a", "b", "a", "b", "c"], 2)
    6
    """
    if len(tokens) < n:
        return 0
    counts = Counter(zip(*(tokens[i:] for i in range(n)), strict=False))
    gram, count = counts.most_common(1)[0]
    return (sum(map(len, gram)) + n - 1) * count


def duplicate_ngram_chars(tokens: Sequence[str], n: int) -> int:
    """Characters in n-grams that repeat an earlier n-gram, skipping past each repeat (Gopher).

    >>> duplicate_ngram_chars(["a", "b", "a", "b"], 2)
    2
    """
    seen: set[tuple[str, ...]] = set()
    chars = idx = 0
    last = len(tokens) - n + 1
    while idx < last:
        gram = tuple(tokens[idx : idx + n])
        if gram in seen:
            chars += sum(map(len, gram))
            idx += n
        else:
            seen.add(gram)
            idx += 1
    return chars


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


@cache
def _word_sets(lang: str) -> tuple[Any, Any]:
    """The compiled kernel's sets of `stop_words(lang)` and `gopher_stop_words(lang)`, built once
    per language (derived from the shipped lists alone, so no result depends on what ran before)."""
    compiled = kernel("quality")
    return compiled.WordSet(stop_words(lang)), compiled.WordSet(gopher_stop_words(lang))


def stop_word_counts(u: Segmentation, lang: str) -> tuple[int, int]:
    """How many words are among `stop_words(lang)`, and how many distinct members of
    `gopher_stop_words(lang)` the text uses (-1 for either where the language has no list).

    Compiled: one C loop over the lower-cased words, each hashed once for both sets (a key
    match is checked against the word itself: exact), instead of CPython's string hash per word.
    """
    compiled = kernel("quality")
    if compiled is not None:
        # the cached sets (`stop_words` builds a frozenset at each call: 5 us a page)
        stops, gopher = _word_sets(lang)
        hits, distinct = compiled.stop_word_counts(u.lowered, stops, gopher) if stops or gopher else (0, 0)
    else:
        stops, gopher = stop_words(lang), gopher_stop_words(lang)
        hits = sum(map(stops.__contains__, u.lowered)) if stops else 0
        distinct = len(gopher.intersection(u.lowered)) if gopher else 0
    return (hits if stops else -1), (distinct if gopher else -1)


def text_signals(u: Segmentation, letter_words: int, word_chars: int, stop_hits: int) -> dict[str, float]:
    """The simple text signals; `stop_hits`: `stop_word_counts`' first count (-1: no list)."""
    text = u.text
    n_chars = len(text)
    n_words = len(u.words)
    upper, digits = upper_and_digit_counts(text)
    return {
        "text.char_count": u.full_length,
        "text.word_count": n_words if not u.truncated else round(n_words * u.full_length / max(n_chars, 1)),
        "text.line_count": text.count("\n") + 1 if text else 0,
        "text.mean_word_length": _ratio(word_chars, n_words),
        "text.stop_word_ratio": _ratio(stop_hits, n_words) if stop_hits >= 0 else -1.0,
        # punctuation and symbol tokens among all tokens
        "text.symbol_ratio": _ratio(len(u.tokens) - n_words, len(u.tokens)),
        # upper-case letters among the characters of words
        "text.uppercase_ratio": _ratio(upper, word_chars),
        "text.digit_ratio": _ratio(digits, n_chars),
        "text.non_alpha_word_ratio": _ratio(n_words - letter_words, n_words),
        "text.measured_chars": n_chars,
    }


def gopher_quality_signals(
    u: Segmentation, letter_words: int, word_chars: int, gopher_stops: int
) -> dict[str, float]:
    """Gopher's quality signals; `gopher_stops`: `stop_word_counts`' second count (-1: no list)."""
    text, tokens, words, lines = u.text, u.tokens, u.words, u.lines
    n_tokens = len(tokens)
    compiled = kernel("quality")
    if compiled is not None:
        bullets, ellipses = compiled.bullet_and_ellipsis_lines(lines)
    else:
        bullets = sum(1 for s in lines if s.lstrip().startswith(BULLETS))
        ellipses = sum(1 for s in lines if s.rstrip().endswith(ELLIPSES))
    return {
        "gopher.word_count": len(words) if not u.truncated else round(len(words) * u.full_length / len(text)),
        "gopher.mean_word_length": _ratio(word_chars, len(words)),
        "gopher.hash_word_ratio": _ratio(text.count("#"), n_tokens),
        "gopher.ellipsis_word_ratio": _ratio(text.count("...") + text.count("…"), n_tokens),
        "gopher.bullet_line_ratio": _ratio(bullets, len(lines)),
        "gopher.ellipsis_line_ratio": _ratio(ellipses, len(lines)),
        # symbol tokens never contain a letter, so tokens with a letter = words with a letter
        "gopher.alpha_word_ratio": _ratio(letter_words, n_tokens),
        # distinct members of the language's own short list; -1: no list for this language
        "gopher.stop_word_count": gopher_stops,
    }


_MIX = np.uint64(1099511628211)  # FNV-1a 64-bit prime: combines token hashes into n-gram keys


def _ngram_keys(hashes: np.ndarray, n: int) -> np.ndarray:
    """One 64-bit key per n-gram position (token-hash polynomial; collisions ~ 2^-64)."""
    m = len(hashes) - n + 1
    keys = hashes[:m].copy()
    for j in range(1, n):
        keys = keys * _MIX + hashes[j : m + j]
    return keys


def _members(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which `keys` are in the sorted array `table` (np.isin's answer, in three calls instead of
    its set-up: 2x faster on the few tied n-grams of a page)."""
    at = table.searchsorted(keys)
    np.minimum(at, table.size - 1, out=at)
    return table[at] == keys


def _most_common(keys: np.ndarray) -> tuple[int, int]:
    """How often the most frequent key occurs, and where it first occurs (ties: the key seen
    first wins, as with `Counter.most_common`); (1, 0) when every key is distinct.

    A page has a few hundred tokens, so numpy's per-call cost, not the sort, is what this
    costs: array methods instead of their module-level wrappers (`np.diff`, `np.flatnonzero`,
    `np.argmax`), and the tied runs read from their starts instead of a cumulative sum.
    """
    ordered = np.sort(keys)
    m = ordered.size
    edges = np.empty(m + 1, dtype=bool)
    edges[0] = edges[m] = True
    np.not_equal(ordered[1:], ordered[:-1], out=edges[1:m])
    starts = edges.nonzero()[0]  # where each run of equal keys starts, and m
    runs = starts[1:] - starts[:-1]
    count = int(runs.max())
    if count == 1:
        return 1, 0
    best = ordered[starts[:-1][runs == count]]
    first = keys == best[0] if best.size == 1 else _members(keys, best)
    return count, int(first.argmax())


#: above this many keys, `_recurring` marks them through one argsort; below, a sort and lookups
_MARK_BY_ARGSORT = 1000


def _recurring(keys: np.ndarray) -> np.ndarray:
    """Positions (ascending) of the keys that occur more than once.

    Two ways, the same positions, chosen by size because their costs cross: a few hundred keys
    (a bench page's n-grams) are sorted and then looked up in the repeated ones (`searchsorted`,
    and a page without a repeat stops after the sort); thousands (a real page with repeated
    menus) are argsorted once and the runs marked back in place, as the lookups into a big
    table miss the cache (realpages dev: 0.31 s against 0.65; bench corpus: 0.18 against 0.22).
    """
    if keys.size <= _MARK_BY_ARGSORT:
        ordered = np.sort(keys)
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        return _members(keys, repeated).nonzero()[0] if repeated.size else np.empty(0, dtype=np.intp)
    order = keys.argsort()
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    mark = np.zeros(keys.size, dtype=bool)
    mark[1:] = same
    mark[:-1] |= same  # both ends of each equal pair
    recurring = np.empty(keys.size, dtype=bool)
    recurring[order] = mark
    return recurring.nonzero()[0]


def repetition_chars(
    tokens: Sequence[str], hashes: np.ndarray | None = None
) -> tuple[dict[int, int], dict[int, int]]:
    """Gopher's top n-gram chars (n=2..4) and duplicate n-gram chars (n=5..10), on integer keys.

    Same results as `top_ngram_chars` and `duplicate_ngram_chars` (a test checks it on real
    documents), with each n-gram as one 64-bit key computed in numpy instead of a tuple of
    strings: counting and set lookups on ints are 2-3x cheaper. Characters are summed only
    for the few n-grams that count, not as prefix sums over every token.
    """
    top = dict.fromkeys(TOP_NGRAM_SIZES, 0)
    dup = dict.fromkeys(DUP_NGRAM_SIZES, 0)
    if len(tokens) < 2:
        return top, dup
    # uint64 arrays wrap around silently (numpy warns of overflow only for scalars): no errstate
    if hashes is None:  # one key per token (`Segmentation.token_keys`)
        hashes = np.fromiter(map(hash, tokens), dtype=np.int64, count=len(tokens)).view(np.uint64)
    repeats = True  # whether some (n-1)-gram occurs twice: if none does, no n-gram can
    keys = hashes
    for n in TOP_NGRAM_SIZES:
        if len(tokens) < n:
            continue
        i, count = 0, 1  # all distinct: the first n-gram wins the tie, as in Counter
        if repeats:
            keys = _ngram_keys(hashes, n) if n == 2 else keys[:-1] * _MIX + hashes[n - 1 :]
            count, i = _most_common(keys)
            repeats = count > 1
        top[n] = (sum(map(len, tokens[i : i + n])) + n - 1) * count
    if not repeats:
        return top, dup  # no repeated 4-gram: no repeated 5..10-gram either
    # positions whose (n-1)-gram recurs: an n-gram can recur only where its prefix does
    positions: np.ndarray | None = None
    for n in DUP_NGRAM_SIZES:
        if len(tokens) < n:
            break
        keys = keys[:-1] * _MIX + hashes[n - 1 :]  # from the (n-1)-gram keys: _ngram_keys(hashes, n)
        if positions is not None:
            positions = positions[positions < keys.size]
        sub = keys if positions is None else keys[positions]
        found = _recurring(sub)
        if not found.size:
            break  # no repeated n-gram, hence no repeated longer one either
        positions = found if positions is None else positions[found]
        # Gopher's scan replayed over the recurring positions alone, with the same skip-ahead
        seen: set[int] = set()
        chars = idx = 0
        # only the recurring positions' keys as Python ints (not the whole array's)
        for pos, key in zip(positions.tolist(), keys[positions].tolist(), strict=True):
            if pos < idx:
                continue  # inside an n-gram already counted as a duplicate
            if key in seen:
                chars += sum(map(len, tokens[pos : pos + n]))
                idx = pos + n
            else:
                seen.add(key)
                idx = pos + 1
        dup[n] = chars
    return top, dup


def split_paragraphs(text: str) -> list[str]:
    """`PARAGRAPH_BREAK.split(text)`, by `str.split` where no run of three line breaks makes
    that differ (a run of exactly two is the only separator then): 4x faster.

    >>> split_paragraphs("a\\n\\nb\\nc"), split_paragraphs("a\\n\\n\\nb")
    (['a', 'b\\nc'], ['a', 'b'])
    """
    return PARAGRAPH_BREAK.split(text) if "\n\n\n" in text else text.split("\n\n")


def split_lines(text: str) -> list[str]:
    """`LINE_BREAKS.split(text)` (split at runs of line breaks), by `str.split`: the empty
    pieces between two line breaks dropped, the first and the last piece kept. 4x faster.

    >>> split_lines("\\na\\n\\nb\\n") == LINE_BREAKS.split("\\na\\n\\nb\\n") == ["", "a", "b", ""]
    True
    """
    parts = text.split("\n")
    if len(parts) < 3:
        return parts
    return [parts[0], *filter(None, parts[1:-1]), parts[-1]]


def line_repeats(
    text: str,
) -> tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int, int], int]:
    """What Gopher's and FineWeb's repeated-line signals count, as the compiled `line_repeats`
    returns it: (paragraphs, repeats, repeat chars) of `split_paragraphs(text.strip())`; the same
    of `split_lines(text)`; (lines, ending in a FineWeb stop mark, short, repeat chars) of FineWeb's
    non-blank lines; and the line breaks.

    Compiled: one pass of C over the text, the pieces as spans (no strings), their repeats found
    on 64-bit keys with every key match checked against the characters (exact).

    >>> line_repeats("a\\n\\nb.\\na\\n\\nb.\\na")
    ((3, 1, 4), (5, 3, 4), (5, 2, 5, 4), 6)
    """
    compiled = kernel("quality")
    if compiled is not None:
        return compiled.line_repeats(text, "".join(FINEWEB_STOP_CHARS), FINEWEB_SHORT_LINE)
    paragraphs = split_paragraphs(text.strip())
    lines = split_lines(text)
    fineweb = [line for line in text.split("\n") if line.strip()]
    return (
        (len(paragraphs), *find_duplicates(paragraphs)),
        (len(lines), *find_duplicates(lines)),
        (
            len(fineweb),
            sum(1 for s in fineweb if s.endswith(FINEWEB_STOP_CHARS)),
            sum(1 for s in fineweb if len(s) <= FINEWEB_SHORT_LINE),
            find_duplicates(fineweb)[1],
        ),
        text.count("\n"),
    )


def gopher_repetition_signals(
    u: Segmentation, repeats: tuple[tuple[int, int, int], tuple[int, int, int]]
) -> dict[str, float]:
    """Gopher's repetition signals; `repeats`: the first two parts of `line_repeats(u.text)`."""
    n_chars = len(u.text)
    out: dict[str, float] = {}
    (paragraphs, n, chars), (lines, n_lines, line_chars) = repeats
    out["gopher.dup_para_fraction"] = _ratio(n, paragraphs)
    out["gopher.dup_para_char_fraction"] = _ratio(chars, n_chars)
    out["gopher.dup_line_fraction"] = _ratio(n_lines, lines)
    out["gopher.dup_line_char_fraction"] = _ratio(line_chars, n_chars)
    compiled = kernel("quality")
    if compiled is not None:  # the same counts, on the kernel's own token keys
        top, dup = compiled.repetition_chars(u.tokens)
    else:
        top, dup = repetition_chars(u.tokens, u.token_keys)
    for n in TOP_NGRAM_SIZES:
        out[f"gopher.top_{n}gram_char_fraction"] = _ratio(top[n], n_chars)
    for n in DUP_NGRAM_SIZES:
        out[f"gopher.dup_{n}gram_char_fraction"] = _ratio(dup[n], n_chars)
    return out


#: the phrases `c4_signals` looks for in the lower-cased text before it looks at each line
_C4_PHRASES = tuple(p.encode("ascii") for p in ("{", "lorem ipsum", "javascript", *C4_POLICY_HINTS))


@cache
def _ascii_lower_table() -> np.ndarray:
    """Each code point's lower case where `str.lower` makes it one ASCII character, else 0 (for
    the compiled look for `_C4_PHRASES`: the Kelvin sign K is "k"; "İ", which lowers to "i" and a
    combining dot, is 0: no phrase ends with "i", so none can match across it)."""
    if any(p.endswith(b"i") or b"\0" in p for p in _C4_PHRASES):
        raise AssertionError("the compiled phrase look-up is only exact for phrases not ending in 'i'")

    def build() -> np.ndarray:
        lowered = map(str.lower, _code_point_text(CODE_POINTS))
        return np.fromiter(
            (ord(c) if len(c) == 1 and c < "\x80" else 0 for c in lowered), np.uint8, CODE_POINTS
        )

    return np.asarray(cached_array("ascii-lower", [Path(__file__).read_bytes()], build))


def c4_signals(u: Segmentation) -> dict[str, float]:
    """C4's line rules as counts of lines each rule would drop, and its document rules."""
    no_punct = too_few_words = long_word = javascript = policy = 0
    lorem = curly = 0
    kept_lines: list[str] = []
    compiled = kernel("quality")
    if compiled is not None:  # the same look at the text and loop over the lines, compiled
        keywords = compiled.lower_has_phrase(u.text, _ascii_lower_table(), _C4_PHRASES)
        counts = compiled.c4_lines(
            u.lines, keywords, C4_CITATION.sub, C4_POLICY.search, C4_MAX_WORD_LENGTH, C4_MIN_WORDS_PER_LINE
        )
        no_punct, too_few_words, long_word, javascript, policy, lorem, curly, kept, ends = counts
        return _c4_counts(u, no_punct, too_few_words, long_word, javascript, policy, lorem, curly, kept, ends)
    # most pages have none of C4's phrases: one look at the whole text spares a lower() per line
    low = u.text.lower()
    # (a substring every C4_POLICY phrase holds: 3x cheaper than the pattern; lines are then
    # checked with the pattern itself)
    keywords = (
        "{" in low
        or "lorem ipsum" in low
        or "javascript" in low
        or any(map(low.__contains__, C4_POLICY_HINTS))
    )
    for raw in u.lines:
        line = raw.strip()
        if len(line) > C4_MAX_WORD_LENGTH and any(len(w) > C4_MAX_WORD_LENGTH for w in line.split()):
            long_word += 1
            continue
        if "[" in line:
            line = C4_CITATION.sub("", line)
        if not line.endswith(C4_END_PUNCTUATION) or line.endswith("..."):
            no_punct += 1
            continue
        # words counted before citations are removed, as datatrove does; at most 3 are needed
        if len(raw.split(None, C4_MIN_WORDS_PER_LINE)) < C4_MIN_WORDS_PER_LINE:
            too_few_words += 1
            continue
        if keywords:  # the page has one of the phrases somewhere: look in this line
            lowered = line.lower()
            if "lorem ipsum" in lowered:
                lorem = 1
            if "javascript" in lowered:
                javascript += 1
                continue
            if "{" in line:
                curly = 1
            if C4_POLICY.search(lowered):
                policy += 1
                continue
        kept_lines.append(line)
    # one sentence per kept line plus the boundaries inside it, counted in one pass: NUL between
    # lines is neither a word nor a space, so no boundary can span two lines
    ends = len(SENTENCE_END.findall("\x00".join(kept_lines)))
    return _c4_counts(
        u, no_punct, too_few_words, long_word, javascript, policy, lorem, curly, len(kept_lines), ends
    )


def _c4_counts(
    u: Segmentation,
    no_punct: int,
    too_few_words: int,
    long_word: int,
    javascript: int,
    policy: int,
    lorem: int,
    curly: int,
    kept: int,
    sentence_ends: int,
) -> dict[str, float]:
    sentences = kept + sentence_ends
    return {
        "c4.line_count": len(u.lines),
        "c4.lines_no_terminal_punct": no_punct,
        "c4.lines_too_few_words": too_few_words,
        "c4.lines_long_word": long_word,
        "c4.lines_javascript": javascript,
        "c4.lines_policy": policy,
        "c4.lines_kept": kept,
        "c4.sentence_count": sentences,
        "c4.lorem_ipsum": lorem,
        "c4.curly_bracket": curly,
    }


def fineweb_signals(u: Segmentation, lines: tuple[int, int, int, int], newlines: int) -> dict[str, float]:
    """FineWeb's line signals; `lines` and `newlines`: the last two parts of `line_repeats(u.text)`."""
    n, punct, short, dup_chars = lines
    return {
        "fineweb.line_count": n,
        "fineweb.line_punct_ratio": _ratio(punct, n),
        "fineweb.short_line_ratio": _ratio(short, n),
        "fineweb.dup_line_char_ratio": _ratio(dup_chars, len(u.text) - newlines),
        "fineweb.newline_word_ratio": _ratio(newlines, len(u.tokens)),
    }


@register("annotate.quality", version=1)
@dataclass(frozen=True)
class MeasureQuality(Annotate):
    """Measure Gopher, C4, FineWeb and simple text signals over one shared split of the text."""

    rules = {}
    requires = ("language",)
    provides = (
        "text.char_count", "text.word_count", "text.line_count", "text.mean_word_length",
        "text.stop_word_ratio", "text.symbol_ratio", "text.uppercase_ratio", "text.digit_ratio",
        "text.non_alpha_word_ratio", "text.measured_chars",
        "gopher.word_count", "gopher.mean_word_length", "gopher.hash_word_ratio",
        "gopher.ellipsis_word_ratio", "gopher.bullet_line_ratio", "gopher.ellipsis_line_ratio",
        "gopher.alpha_word_ratio", "gopher.stop_word_count",
        "gopher.dup_para_fraction", "gopher.dup_para_char_fraction", "gopher.dup_line_fraction",
        "gopher.dup_line_char_fraction",
        *(f"gopher.top_{n}gram_char_fraction" for n in TOP_NGRAM_SIZES),
        *(f"gopher.dup_{n}gram_char_fraction" for n in DUP_NGRAM_SIZES),
        "c4.line_count", "c4.lines_no_terminal_punct", "c4.lines_too_few_words", "c4.lines_long_word",
        "c4.lines_javascript", "c4.lines_policy", "c4.lines_kept", "c4.sentence_count",
        "c4.lorem_ipsum", "c4.curly_bracket",
        "fineweb.line_count", "fineweb.line_punct_ratio", "fineweb.short_line_ratio",
        "fineweb.dup_line_char_ratio", "fineweb.newline_word_ratio",
    )  # fmt: skip

    def measure(self, doc: Document) -> dict[str, Any]:
        return measure_all(doc.text, doc.language)


def measure_all(text: str, lang: str) -> dict[str, Any]:
    """Every quality signal of `text` judged as language `lang` (pure; used by the step and bench)."""
    u = segment(text)
    out: dict[str, Any] = {}
    letter_words = u.letter_words
    word_chars = u.word_chars
    stop_hits, gopher_stops = stop_word_counts(u, lang)
    out.update(text_signals(u, letter_words, word_chars, stop_hits))
    out.update(gopher_quality_signals(u, letter_words, word_chars, gopher_stops))
    paragraphs, lines, fineweb, newlines = line_repeats(u.text)
    out.update(gopher_repetition_signals(u, (paragraphs, lines)))
    out.update(c4_signals(u))
    out.update(fineweb_signals(u, fineweb, newlines))
    return out
