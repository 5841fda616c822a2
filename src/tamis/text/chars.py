"""Tables over Unicode code points: which characters a one-character pattern matches.

Signals and normalisations that ask "is this character a letter / digit / punctuation / of this
script" for every character of a page look each code point up in a numpy table instead of
running one pattern scan per class. Each table is built here, once per process, from the
pattern itself (`regex` or `re`), so a table lookup and the pattern always agree, or from the
general categories of the stdlib's `unicodedata` (`category_table`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import regex

from tamis.derived import cached_json

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


def category_table(values: Mapping[str, int], default: int) -> np.ndarray:
    """A uint8 table of every code point: `values` of its general category ("Ll", "Nd", …) as
    the stdlib's `unicodedata` gives it, `default` for the categories `values` leaves out.

    `unicodedata`'s Unicode version is Python's, and `regex`'s `\\p{…}` may follow a later one
    (code points assigned since, a few letters moved between categories), so a table that must
    stay as it was trained (repair.line_features) is built from `unicodedata`.

    >>> table = category_table({"Ll": 1, "Lu": 2}, 0)
    >>> int(table[ord("a")]), int(table[ord("Я")]), int(table[ord("7")])
    (1, 2, 0)
    """
    runs = _category_runs()
    codes = np.array([values.get(category, default) for category in runs["categories"]], dtype=np.uint8)
    return np.repeat(codes, np.diff(np.array([*runs["starts"], CODE_POINTS])))


@functools.cache
def _category_runs() -> dict[str, list[Any]]:
    """Where the general category changes along the code points (~3,000 runs, not 1.1 M
    entries): built once per machine and Unicode version (tamis.derived), ~0.55 s."""

    def runs() -> dict[str, list[Any]]:
        names = sorted({unicodedata.category(chr(c)) for c in range(CODE_POINTS)})
        index = {name: i for i, name in enumerate(names)}
        categories = np.array(
            [index[unicodedata.category(chr(c))] for c in range(CODE_POINTS)], dtype=np.uint8
        )
        starts = np.concatenate([[0], np.flatnonzero(np.diff(categories)) + 1])
        return {"starts": starts.tolist(), "categories": [names[i] for i in categories[starts]]}

    return cached_json("unicode_categories", [Path(__file__).read_bytes()], runs)
