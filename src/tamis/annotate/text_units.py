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

from dataclasses import dataclass
from functools import lru_cache

import regex

#: one token: a number with inner separators, an apostrophe suffix, a word, an ellipsis, or
#: a single other non-space character (punctuation and symbols are tokens of their own).
TOKEN = regex.compile(r"\d+(?:[.,:]\d+)+|(?<=\w)['’]\w+|\w+|\.{3,}|-{2,}|[^\w\s]")
PARAGRAPH_BREAK = regex.compile(r"\n{2,}")
LINE_BREAKS = regex.compile(r"\n+")

#: datatrove's PUNCTUATION set (utils/text.py) minus control characters, used to decide
#: which tokens are "symbols" for the Gopher word counts; kept identical for parity.
PUNCT_CHARS = frozenset(
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"
    "⁈‽‼⁉｡。！？"
)

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
    tokens = tuple(TOKEN.findall(measured))
    words = tuple(t for t in tokens if not _SYMBOL_ONLY.fullmatch(t))
    return TextUnits(measured, len(text), tokens, words, tuple(measured.splitlines()))


_SYMBOL_ONLY = regex.compile("[" + regex.escape("".join(sorted(PUNCT_CHARS))) + "]+")
