"""One segmentation of a text, computed once and shared by every step that reads words or lines.

`segment(text)` is the entry point. It is cached (a small LRU keyed by the text), so every later
step that reads the same text gets the same object: `annotate.quality` splits the text, and
`annotate.machine_translation` (and any other step after it, before a repair changes the text)
reads the split it left. A repair that changes the text gets a new segmentation.

What it holds (computed when first read, then kept):

- ``tokens`` (tuple of str): words and punctuation tokens, in order (`TOKEN`, below);
- ``words``: the tokens that are not punctuation-only (not in `SYMBOL_TOKENS`);
- ``lowered``: the words, `str.lower`-ed (stop words, word frequencies);
- ``lines``: ``text.splitlines()``;
- ``starts``, ``ends`` (int64 arrays): token ``i`` is ``text[starts[i]:ends[i]]``, for steps
  that edit or point into the text;
- ``lengths``, ``token_keys`` (arrays): each token's length and a 64-bit key (equal tokens,
  equal keys), for counting n-grams in numpy;
- ``word_count``, ``word_chars``, ``letter_words``: counts the quality signals need.

How the tokens are found, and why so (measured, docs/speed.md): the text is split at white
space (`str.split`, C); a chunk made only of letters (`str.isalpha`, three chunks in four) is one
token; the others go through `TOKEN`'s compiled pattern (`re`, 2x faster than the `regex`
module here). Every step is C code; what is left in Python is one loop iteration per chunk.
A character-level numpy tokenizer (class table, token starts as boolean masks, the pattern only
for chunks holding digits or several letter runs) gave the same tokens on the 10k bench corpus
but cost 2.6 s against this loop's 1.7 s: at ~2,800 characters a page, a dozen passes over the
characters cost more than one C call per chunk.

Where the compiled kernel `tamis.native.segment` is built (and TAMIS_PURE_PYTHON is not 1), the
same loop runs in C: one pass over the characters finds the chunks, settles the common ones without
a Python call (the pattern still splits the rest), and counts the words, their characters and the
letter words as it goes, and the lower-cased words (a word that lowering would not change is
reused, not copied). `python_tokens`
and the code beside it stay as the reference twin; tests/text/test_segmentation_kernel.py holds
both identical on real and made-up text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, cached_property, lru_cache
from itertools import filterfalse
from pathlib import Path

import numpy as np
import regex

from tamis.derived import cached_array
from tamis.native import kernel
from tamis.text.chars import CODE_POINTS, _code_point_text, matching_code_points

# --- the token pattern ----------------------------------------------------------------------
# How the tokens differ from spaCy's (measured parity in docs/quality.md):
# - punctuation is split off as separate tokens, as spaCy does, so ratios "per word" that
#   count punctuation tokens (Gopher's symbol and alphabetic-word ratios) keep their meaning;
# - numbers keep their inner separators (``3.5``, ``1,000``), as spaCy does;
# - an apostrophe suffix stays one token (``it`` ``'s``; ``don`` ``'t`` where spaCy says
#   ``do`` ``n't``): same token count, one character moved;
# - abbreviations (``Mr.``, ``e.g.``) lose their final period to a separate token; spaCy keeps
#   English exceptions whole. This only moves symbol counts by one token;
# - URLs and e-mail addresses are split at their punctuation (spaCy keeps them whole).

# Word characters: the standard library's \w (2x faster than the `regex` module here) plus the
# combining marks it lacks (Russian stress accents, Indic vowel signs, Arabic and Hebrew points),
# added by block so that "дела́" or "दुनिया" stay one token.
_W = (
    "\\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0963\u0966-\u0dff\u0e00-\u0eff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
# spaCy keeps an initial (J.) and common English abbreviations (Mr., Dr., Jan.) whole, so
# Gopher's per-token ratios count them as one alphabetic word. The lookbehinds only run when a
# word is followed by a period, so they cost little.
_ABBREVIATIONS = [
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "St",
    "Jr",
    "Sr",
    "Prof",
    "vs",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "Mt",
    "Gen",
    "Gov",
    "Inc",
    "Ltd",
    "Co",
    "Corp",
    "Rev",
    "Sen",
    "Rep",
    "Lt",
    "Col",
    "Capt",
    "Sgt",
]
_ABBREVIATED = "|".join(rf"(?<=\b{a}\.)" for a in _ABBREVIATIONS) + r"|(?<=\b[A-Z]\.)"
_TOKEN = (
    r"[^\W\d_]\.[^\W\d_]\.(?:[^\W\d_]\.)*"  # letter-dot runs: e.g. U.S. (one token, as in spaCy)
    "{entity}"
    r"|\d+(?:[.,:]\d+)+"  # numbers keep their inner separators
    rf"|(?<=[{_W}])['’][{_W}]+"  # 's, 've: an apostrophe suffix
    rf"|[{_W}]+(?:\.(?![{_W}.])(?:{_ABBREVIATED}))?"  # a word (with its period if an abbreviation)
    rf"|\.{{3,}}|-{{2,}}|[^{_W}\s]"  # an ellipsis, a dash run, or one other non-space character
)
#: one token
TOKEN = re.compile(_TOKEN.replace("{entity}", ""))
#: ... and a whitespace-free chunk glued by an HTML entity (a&nbsp;b stays one token, as in
#: spaCy). Only used on texts with an "&" (extraction debris, repaired before measuring in the
#: default pipeline): its lookahead costs on every chunk.
TOKEN_WITH_ENTITIES = re.compile(
    _TOKEN.replace("{entity}", rf"|(?<!\S)(?=[^\s&]*[{_W}][.,]?&#?[A-Za-z0-9]+;)\S+")
)
# The same tokens for findall, 18% faster: `re` tries every alternative at every whitespace
# position before moving on; a leading \s* eats the whitespace run inside the match instead.
# The tokens are unchanged: every alternative starts with a non-space character (so none can
# start inside the run) and one of them matches at any non-space character; the lookbehinds
# look at the string, not the match. Measured identical on 11,376 bench documents.
FIND_TOKENS = re.compile(rf"\s*({TOKEN.pattern})")
FIND_TOKENS_WITH_ENTITIES = re.compile(rf"\s*({TOKEN_WITH_ENTITIES.pattern})")

#: datatrove's PUNCTUATION set (utils/text.py) plus the common terminal marks: a token made
#: only of these is a "symbol", not a word, for the Gopher word counts (kept identical for parity).
PUNCT_CHARS = frozenset(
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»⁈‽‼⁉｡"
)
#: every symbol-only token TOKEN can produce (runs longer than 12 count as words: rare, and
#: only moves the Gopher word counts by one)
SYMBOL_TOKENS = PUNCT_CHARS | {c * k for c in "._-" for k in range(2, 13)}
#: a letter, as the `letter_words` count means it (with `str.isalpha`)
HAS_LETTER = regex.compile(r"[^\W\d_]")

# `python_tokens`' shortcut for a chunk that is one run of letters between punctuation marks
# ("word,", "(word", "«word».", "—"): marks that are always a token of their own, whatever
# stands beside them. Not "." (an abbreviation keeps its period, "..." is one token), not "-"
# ("--" is one token), not "&" (entities), not "_" or a combining mark (word characters).
_LONE_MARKS = "".join(
    sorted(
        c for c in PUNCT_CHARS | set("·©®™°§¶†‡•′″‹›") if c not in ".-&" and re.fullmatch(rf"[^{_W}\s]", c)
    )
)
_TRAILING_MARKS = _LONE_MARKS + "."
#: a run of letters that keeps a following period (`_ABBREVIATED`: the listed abbreviations and
#: one capital A-Z), when nothing but punctuation stands before it in its chunk
_KEEPS_PERIOD = frozenset(_ABBREVIATIONS) | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

#: documents longer than this are measured on this prefix (plus exact cheap counts over the
#: whole text): a 50 MB page then costs what a 1 MB page costs. Web pages past 1 MB of text
#: are almost always dumps or lists, and Gopher rejects anything above 100,000 words anyway.
MAX_MEASURED_CHARS = 1_000_000


@cache
def _white_space() -> np.ndarray:
    """`str.isspace` of every code point (what `str.split()` splits at), from the derived-data cache."""

    def build() -> np.ndarray:
        return np.fromiter(map(str.isspace, _code_point_text(CODE_POINTS)), bool, CODE_POINTS)

    return np.asarray(cached_array("white-space", [Path(__file__).read_bytes()], build))


# bits of `_kernel_table` (the same values as in native/segment.pyx)
_LONE, _TRAILING, _PUNCT, _LETTER, _ALPHA, _LOWER_KEEPS = 1, 2, 4, 8, 16, 32


@cache
def _kernel_table() -> np.ndarray:
    """What the compiled tokenizer asks of each code point, as bits: a lone mark, a trailing mark,
    a one-character symbol (PUNCT_CHARS), a letter (HAS_LETTER), `str.isalpha`, and `str.lower`
    leaving it as it is; each from the pattern or the str method itself, so they agree."""

    def build() -> np.ndarray:
        table = np.zeros(CODE_POINTS, dtype=np.uint8)
        table[matching_code_points(HAS_LETTER)] |= _LETTER
        every = _code_point_text(CODE_POINTS)
        table[np.fromiter(map(str.isalpha, every), bool, CODE_POINTS)] |= _ALPHA
        keeps = np.fromiter((c == c.lower() for c in every), bool, CODE_POINTS)
        table[keeps] |= _LOWER_KEEPS
        for chars, bit in ((_LONE_MARKS, _LONE), (_TRAILING_MARKS, _TRAILING), (PUNCT_CHARS, _PUNCT)):
            table[[ord(c) for c in chars]] |= bit
        return table

    return np.asarray(cached_array("segment-kernel", [Path(__file__).read_bytes()], build))


class Segmentation:
    """A text split once into tokens and lines (see the module docstring for the fields)."""

    def __init__(self, text: str) -> None:
        measured = text[:MAX_MEASURED_CHARS]
        self.text = measured  # the measured text (the whole text, or its first MAX_MEASURED_CHARS)
        self.full_length = len(text)  # length of the whole text
        compiled = kernel("segment")
        if compiled is not None:
            # the same tokens, words and counts as below, in one compiled pass (docs/speed.md)
            find = (FIND_TOKENS_WITH_ENTITIES if "&" in measured else FIND_TOKENS).findall
            self.tokens, self.words, lowered, word_chars, letter_words = compiled.tokenize(
                measured, _kernel_table(), find, _KEEPS_PERIOD
            )
            self.__dict__["lowered"] = lowered
            self.__dict__["word_chars"] = word_chars
            self.__dict__["letter_words"] = letter_words
            return
        self.tokens = tuple(python_tokens(measured))
        # a token is a word unless every character is punctuation: TOKEN only makes single-character
        # symbols and runs of dots or dashes, so one set lookup per token (a C-level filter) decides
        self.words = tuple(filterfalse(SYMBOL_TOKENS.__contains__, self.tokens))

    @property
    def truncated(self) -> bool:
        return self.full_length > len(self.text)

    @cached_property
    def lowered(self) -> tuple[str, ...]:
        """The words in lower case."""
        return tuple(map(str.lower, self.words))

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """`text.splitlines()`."""
        return tuple(self.text.splitlines())

    @property
    def word_count(self) -> int:
        return len(self.words)

    @cached_property
    def word_chars(self) -> int:
        """Characters of the words."""
        return sum(map(len, self.words))

    @cached_property
    def letter_words(self) -> int:
        """Words holding a letter (`count_letter_tokens`)."""
        return count_letter_tokens(self.words)

    @cached_property
    def lengths(self) -> np.ndarray:
        """Each token's length (int64)."""
        return np.fromiter(map(len, self.tokens), dtype=np.int64, count=len(self.tokens))

    @cached_property
    def token_keys(self) -> np.ndarray:
        """One uint64 key per token: Python's string hash (computed in C, kept on the string), so
        equal tokens have equal keys; distinct tokens share one with probability ~2^-64."""
        keys = np.fromiter(map(hash, self.tokens), dtype=np.int64, count=len(self.tokens))
        return keys.view(np.uint64)

    @cached_property
    def _offsets(self) -> tuple[np.ndarray, np.ndarray]:
        # the tokens cover the text's non-space characters, in order, one after another
        codes = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        positions = np.flatnonzero(~_white_space()[codes])
        last = np.cumsum(self.lengths) - 1
        return positions[last - self.lengths + 1], positions[last] + 1

    @property
    def starts(self) -> np.ndarray:
        """Where each token starts in `text` (int64)."""
        return self._offsets[0]

    @property
    def ends(self) -> np.ndarray:
        """Where each token ends in `text` (int64, exclusive)."""
        return self._offsets[1]


#: texts whose segmentation `segment` keeps: at least a batch of `pipeline.process_all`
#: (STEP_BATCH, 256), which takes each step over the whole batch before the next, so that
#: `annotate.machine_translation` finds the split `annotate.quality` made of each text of the
#: batch (with 4, it split every text again: 0.06 ms a document, docs/speed.md "mt2")
CACHED_SEGMENTATIONS = 320


@lru_cache(maxsize=CACHED_SEGMENTATIONS)
def segment(text: str) -> Segmentation:
    """The segmentation of `text` (a pure function: the small cache lets every later step that
    reads the same text reuse it; a repair that changes the text gets a new one).

    >>> s = segment("It's 3.5 km -- far.\\nYes!")
    >>> s.tokens
    ('It', "'s", '3.5', 'km', '--', 'far', '.', 'Yes', '!')
    >>> s.words, s.lines
    (('It', "'s", '3.5', 'km', 'far', 'Yes'), ("It's 3.5 km -- far.", 'Yes!'))
    >>> s.starts[:3].tolist(), s.ends[:3].tolist()
    ([0, 2, 5], [2, 4, 8])
    """
    return Segmentation(text)


def python_tokens(text: str) -> list[str]:
    """`TOKEN`'s tokens of `text`, whitespace chunk by chunk.

    Three chunks in four are all letters and so exactly one token (25% faster than one
    findall over the text). The tokens are the same: no token spans whitespace, and the
    pattern's lookbehinds only look at word characters and word boundaries, which whitespace
    ends just as the chunk's start does.

    Of the other chunks, four in five are a run of letters with punctuation before or after it
    ("word,", "word.", "«word»"): split by `str.strip` (`_LONE_MARKS`: each mark is a token, the
    letters one token; a period after an abbreviation stays on it, as `_ABBREVIATED` says),
    2-3x cheaper than the pattern. Only the rest (digits, inner marks, "...") go through it.
    """
    find = (FIND_TOKENS_WITH_ENTITIES if "&" in text else FIND_TOKENS).findall
    tokens: list[str] = []
    append, extend = tokens.append, tokens.extend
    for chunk in text.split():
        if chunk.isalpha():
            append(chunk)
            continue
        left = chunk.lstrip(_LONE_MARKS)
        core = left.rstrip(_TRAILING_MARKS)
        if not core.isalpha():
            extend(find(chunk) if left else chunk)  # only lone marks: one token each
            continue
        if left is not chunk:
            extend(chunk[: len(chunk) - len(left)])
        tail = left[len(core) :]
        if not tail:
            append(core)
        elif ".." in tail:  # "...": one token; "word..": its own rules
            extend(find(left))
        elif tail[0] == "." and core in _KEEPS_PERIOD:  # "Mr." or "J.": one token
            append(core + ".")
            extend(tail[1:])
        else:
            append(core)
            extend(tail)
    return tokens


def is_symbol(token: str) -> bool:
    """True when every character of the token is punctuation (datatrove's `non_symbol_words` test).

    >>> is_symbol("..."), is_symbol("a.")
    (True, False)
    """
    return all(ch in PUNCT_CHARS for ch in token)


def count_letter_tokens(tokens: Sequence[str]) -> int:
    """How many tokens contain a letter.

    Most tokens are all letters and are settled by `str.isalpha` in a C-level filter; only
    the rest (numbers, symbols, mixed tokens) get a regex test.

    >>> count_letter_tokens(("a1", "2", ".", "Ωx", "'s", "3.5"))
    3
    """
    rest = list(filterfalse(str.isalpha, tokens))
    return len(tokens) - len(rest) + sum(map(bool, map(HAS_LETTER.search, rest)))
