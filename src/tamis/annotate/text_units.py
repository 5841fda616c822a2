"""Words, lines and paragraphs of a text, split once and shared by every quality signal group.

datatrove tokenises the same text again in each filter with spaCy's English tokenizer
(86% of its filtering time). tamis splits a document once, with one compiled regular
expression that works for every script, and hands the same lists to the Gopher, C4,
FineWeb and simple-count signal groups.

How the tokens differ from spaCy's (measured parity in docs/quality.md):

- punctuation is split off as separate tokens, as spaCy does, so ratios "per word" that
  count punctuation tokens (Gopher's symbol and alphabetic-word ratios) keep their meaning;
- numbers keep their inner separators (``3.5``, ``1,000``), as spaCy does;
- an apostrophe suffix stays one token (``it`` ``'s``; ``don`` ``'t`` where spaCy says
  ``do`` ``n't``): same token count, one character moved;
- abbreviations (``Mr.``, ``e.g.``) lose their final period to a separate token; spaCy keeps
  English exceptions whole. This only moves symbol counts by one token;
- URLs and e-mail addresses are split at their punctuation (spaCy keeps them whole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse

import regex

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
#: one token (see the module docstring for how tokens compare with spaCy's)
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
_FIND_TOKENS = re.compile(rf"\s*({TOKEN.pattern})")
_FIND_TOKENS_WITH_ENTITIES = re.compile(rf"\s*({TOKEN_WITH_ENTITIES.pattern})")
PARAGRAPH_BREAK = re.compile(r"\n{2,}")
LINE_BREAKS = re.compile(r"\n+")

#: datatrove's PUNCTUATION set (utils/text.py) plus the common terminal marks: a token made
#: only of these is a "symbol", not a word, for the Gopher word counts (kept identical for parity).
PUNCT_CHARS = frozenset(
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»⁈‽‼⁉｡"
)
#: every symbol-only token TOKEN can produce (runs longer than 12 count as words: rare, and
#: only moves the Gopher word counts by one)
SYMBOL_TOKENS = PUNCT_CHARS | {c * k for c in "._-" for k in range(2, 13)}
_HAS_LETTER = regex.compile(r"[^\W\d_]")

#: documents longer than this are measured on this prefix (plus exact cheap counts over the
#: whole text): a 50 MB page then costs what a 1 MB page costs. Web pages past 1 MB of text
#: are almost always dumps or lists, and Gopher rejects anything above 100,000 words anyway.
MAX_MEASURED_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class TextUnits:
    """A text split into the units every signal group needs, computed once."""

    text: str  # the measured text (the whole text, or its first MAX_MEASURED_CHARS)
    full_length: int  # length of the whole text
    tokens: tuple[str, ...]  # words and punctuation tokens, in order
    words: tuple[str, ...]  # tokens with at least one character outside PUNCT_CHARS
    lowered: tuple[str, ...]  # the words in lower case (stop words, word frequencies)
    lines: tuple[str, ...]  # text.splitlines()

    @property
    def truncated(self) -> bool:
        return self.full_length > len(self.text)


def is_symbol(token: str) -> bool:
    """True when every character of the token is punctuation (datatrove's `non_symbol_words` test).

    >>> is_symbol("..."), is_symbol("a.")
    (True, False)
    """
    return all(ch in PUNCT_CHARS for ch in token)


@lru_cache(maxsize=4)
def split_text(text: str) -> TextUnits:
    """Split `text` once (a pure function: the small cache lets later steps reuse the split).

    >>> u = split_text("It's 3.5 km -- far.\\nYes!")
    >>> u.tokens
    ('It', "'s", '3.5', 'km', '--', 'far', '.', 'Yes', '!')
    >>> u.words
    ('It', "'s", '3.5', 'km', 'far', 'Yes')
    """
    measured = text[:MAX_MEASURED_CHARS]
    tokens = tuple(_tokens(measured))
    # a token is a word unless every character is punctuation: TOKEN only makes single-character
    # symbols and runs of dots or dashes, so one set lookup per token (a C-level filter) decides
    words = tuple(filterfalse(SYMBOL_TOKENS.__contains__, tokens))
    lowered = tuple(map(str.lower, words))
    return TextUnits(measured, len(text), tokens, words, lowered, tuple(measured.splitlines()))


def _tokens(text: str) -> list[str]:
    """TOKEN's tokens of `text`, whitespace chunk by chunk.

    Three chunks in four are all letters and so exactly one token; only the others go
    through the pattern (25% faster than one findall over the text). The tokens are the
    same: no token spans whitespace, and the pattern's lookbehinds only look at word
    characters and word boundaries, which whitespace ends just as the chunk's start does.
    """
    find = (_FIND_TOKENS_WITH_ENTITIES if "&" in text else _FIND_TOKENS).findall
    tokens: list[str] = []
    append, extend = tokens.append, tokens.extend
    for chunk in text.split():
        if chunk.isalpha():
            append(chunk)
        else:
            extend(find(chunk))
    return tokens


def count_letter_tokens(tokens: tuple[str, ...]) -> int:
    """How many tokens contain a letter.

    Most tokens are all letters and are settled by `str.isalpha` in a C-level filter; only
    the rest (numbers, symbols, mixed tokens) get a regex test.

    >>> count_letter_tokens(("a1", "2", ".", "Ωx", "'s", "3.5"))
    3
    """
    rest = list(filterfalse(str.isalpha, tokens))
    return len(tokens) - len(rest) + sum(1 for t in rest if _HAS_LETTER.search(t))
