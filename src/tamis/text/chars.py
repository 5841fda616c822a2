"""Tables over Unicode code points: which characters a one-character pattern matches.

Signals and normalisations that ask "is this character a letter / digit / punctuation / of this
script" for every character of a page look each code point up in a numpy table instead of
running one pattern scan per class. Each table is built here, once per process, from the
pattern itself (`regex` or `re`), so a table lookup and the pattern always agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np
import regex

#: one past the last Unicode code point
CODE_POINTS = 0x110000


class OneCharacterPattern(Protocol):
    """A compiled `re` or `regex` pattern that matches one character of its class."""

    pattern: Any
    flags: int


@functools.cache
def every_character(limit: int = CODE_POINTS) -> str:
    """Every code point below `limit` except the surrogates (which no text can hold encoded)."""
    points = np.arange(limit, dtype=np.uint32)
    points = np.concatenate([points[:0xD800], points[0xE000:]])
    return points.tobytes().decode("utf-32-le")


@functools.cache
def _code_point_text(limit: int) -> str:
    """Code point i at index i, below `limit` (surrogates included, so that indexes are code points)."""
    return np.arange(limit, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def matching_code_points(pattern: OneCharacterPattern, limit: int = CODE_POINTS) -> np.ndarray:
    """The code points below `limit` that `pattern` matches (never a surrogate), as indexes.

    Found as runs (`(?:pattern)+`, compiled by the pattern's own module with its flags): a few
    thousand matches instead of one per character.

    >>> import regex
    >>> matching_code_points(regex.compile(r"\\d"), 0x80).tolist()
    [48, 49, 50, 51, 52, 53, 54, 55, 56, 57]
    """
    engine = regex if isinstance(pattern, regex.Pattern) else re
    runs = engine.compile(f"(?:{pattern.pattern})+", pattern.flags)
    found = np.zeros(limit, dtype=bool)
    for m in runs.finditer(_code_point_text(limit)):
        found[m.start() : m.end()] = True
    found[0xD800:0xE000] = False
    return np.flatnonzero(found)


def code_point_table(
    classes: Iterable[tuple[OneCharacterPattern, int]], limit: int = CODE_POINTS
) -> np.ndarray:
    """A uint8 table of `limit` entries: each code point holds the value of the last class whose
    pattern matches it, 0 where none does (the caller makes it read-only when done with it).

    >>> import regex
    >>> table = code_point_table([(regex.compile(r"\\w"), 1), (regex.compile(r"\\d"), 2)], 0x80)
    >>> int(table[ord("a")]), int(table[ord("7")]), int(table[ord("-")])
    (1, 2, 0)
    """
    table = np.zeros(limit, dtype=np.uint8)
    for pattern, value in classes:
        table[matching_code_points(pattern, limit)] = value
    return table
