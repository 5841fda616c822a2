"""Put back the space that extraction lost after punctuation between two words.

Pages whose paragraphs, list items or sentences sat in separate elements come out of careless
extractors as "nach Kasachstan.Für den Präsidenten" or "zwei Tage,danach": the space after the
sentence end or comma was markup, not text. The repair inserts one space, only where both sides
are words of a cased script (Latin, Cyrillic, Greek, ...) written as prose writes them:

- after ``.``, ``!`` or ``?``: a lower-case letter ends the word before (two letters or more, so
  "z.B.", "U.S." and other initialisms stay) and a capitalised word follows ("Für", "Dr.Müller"
  becomes "Dr. Müller", which is right too);
- after ``,``, ``;`` or ``:``: a word of two letters or more on each side, the one after in lower
  case or capitalised; after ``,`` or ``;`` also a number before a lower-case word ("2027,grâce").

Never inside anything that is not prose: a whitespace-delimited chunk holding a digit, a slash,
``@``, ``=``, ``_``, brackets or other code and address characters, ``www.``, a second inner
punctuation mark ("example.co.Uk", "a,b,c"), or a word with an inner capital after the mark
("Console.WriteLine") is left as it is. Scripts without case (Chinese, Arabic, ...) are never
touched: their sentences need no space after the mark.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text.char_scan import class_table, lines_kernel

# a mark between two letters: the stdlib pattern skips in C to the marks; the look-ahead comes
# first because most marks are followed by a space, which fails it at once (both assertions look
# from the same place, so their order changes no match; docs/repair-speed.md)
_CANDIDATE = re.compile(r"[.!?,;:](?=[^\W\d_]{2})(?:(?<=[^\W\d_]{2}.)|(?<=\d[,;]))")
_WHITESPACE = re.compile(r"\s")
_LETTERS_END = re.compile(r"[^\W\d_]+\Z")
_LETTERS_START = re.compile(r"[^\W\d_]+")
_SENTENCE_END = frozenset(".!?")
_INNER_MARKS = frozenset(".!?,;:")
_NO_DIGITS = str.maketrans("", "", "0123456789")
#: domain endings: "Newsfeed.Com" is an address, not two sentences
_DOMAIN_ENDINGS = frozenset(
    ["com", "net", "org", "info", "io", "de", "ru", "ua", "uk", "fr", "kz", "eu", "gov"]
)
_GENDER_ENDINGS = frozenset(["in", "innen"])
#: characters of addresses, code, markup and numbers: a chunk holding one is not prose
_NOT_PROSE = frozenset('/\\@=_#<>{}[]()|~^*+$%&"`0123456789')  # not the apostrophe: "d'État.Le"


@register("repair.punctuation_spacing", version=1)
@dataclass(frozen=True)
class SpaceAfterPunctuation(Repair):
    """Insert the space lost after a sentence end or comma between two words ("Kasachstan.Für")."""

    rules = {
        "space_after_sentence_end": "a space inserted after . ! or ? between a word and a capitalised word",
        "space_after_comma": "a space inserted after , ; or : between two words",
    }

    def setup(self) -> None:
        if lines_kernel() is not None:
            _candidate_table()

    def repair(self, text: str, doc: Document) -> Repaired:
        spans: list[tuple[int, int, str, str]] = []
        for pos in candidates(text):
            rule = _rule_at(text, pos)
            if rule is not None:
                spans.append((pos + 1, pos + 1, " ", rule))
        if not spans:
            return Repaired(text)
        return Repaired.from_spans(text, spans, step=self.name)


@functools.cache
def _candidate_table() -> object:
    """The classes of `_CANDIDATE` as bits for the kernel's `glued_marks`."""
    return class_table([(r"[.!?,;:]", 1), (r"[^\W\d_]", 2), (r"\d", 4), (r"[,;]", 8)])


def candidates(text: str) -> list[int]:
    """Where `_CANDIDATE` matches: in the kernel (~3x faster) when it is built.

    >>> candidates("Kasachstan.Für 2027,grâce x.y")
    [10, 19]
    """
    k = lines_kernel()
    if k is None:
        return [m.start() for m in _CANDIDATE.finditer(text)]
    return k.glued_marks(text, _candidate_table())


def _rule_at(text: str, pos: int) -> str | None:
    """The rule that inserts a space after the mark at `pos`, or None when it stays glued.

    >>> _rule_at("nach Kasachstan.Für den", 15), _rule_at("siehe example.com heute", 13)
    ('space_after_sentence_end', None)
    >>> _rule_at("zwei Tage,danach flog", 9), _rule_at("Console.WriteLine(x)", 7)
    ('space_after_comma', None)
    """
    start = max(text.rfind(" ", 0, pos), text.rfind("\n", 0, pos), text.rfind("\t", 0, pos)) + 1
    after = _WHITESPACE.search(text, pos)
    end = after.start() if after else len(text)
    chunk = text[start:end]
    if text[pos - 1].isdigit():
        # a number before a comma: "d'ici 2027,grâce" (never "3,5": a digit follows there)
        right = _LETTERS_START.match(text, pos + 1, end)
        rest = chunk.replace(text[pos], " ", 1)
        ok = (
            right is not None
            and right.group().islower()
            and _NOT_PROSE.isdisjoint(rest.translate(_NO_DIGITS))
        )
        return "space_after_comma" if ok and "www." not in chunk.lower() else None
    if not _NOT_PROSE.isdisjoint(chunk) or "www." in chunk.lower():
        return None
    # one mark inside the chunk (marks ending it, as in "Kasachstan.Für.", do not count)
    if sum(ch in _INNER_MARKS for ch in chunk.rstrip(".!?,;:…")) != 1:
        return None
    left = _LETTERS_END.search(text, start, pos)
    right = _LETTERS_START.match(text, pos + 1, end)
    if left is None or right is None:
        return None
    before, word = left.group(), right.group()
    if not before[-1].islower() or len(before) < 2 or len(word) < 2:
        return None
    if text[pos] in _SENTENCE_END:
        # a capitalised word: "Für", not "FÜR" (an acronym or code) nor "WriteLine"
        if text[pos] == "." and word.lower() in _DOMAIN_ENDINGS:
            return None
        return "space_after_sentence_end" if word[0].isupper() and word[1:].islower() else None
    if text[pos] == ":" and word in _GENDER_ENDINGS:
        return None  # German gender-inclusive forms: "Mitarbeiter:innen" is one word
    if word.islower() or (word[0].isupper() and word[1:].islower()):
        return "space_after_comma"
    return None
