"""Count the characters of a text that belong to Unicode classes, without scanning it once per class.

Quality and language signals need counts such as "upper-case letters", "digits", "letters",
"Latin" or "Cyrillic". One pattern scan per class costs a pass over the text each; here every
code point of the Basic Multilingual Plane is looked up once in a table built from the same
patterns (so the counts are exactly the patterns'), ASCII text is counted by deleting byte
classes in C, and the rare characters beyond the BMP (emoji, mathematical letters) are matched
by the patterns themselves. The compiled kernel (native/char_classes.pyx) walks the text once
with the same table; `count_classes_python` is its reference twin.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

import numpy as np

from tamis.native import kernel
from tamis.text.chars import matching_code_points


class Pattern(Protocol):
    """A compiled `re` or `regex` pattern matching one character of its class."""

    def findall(self, string: str) -> list[Any]: ...


@cache
def _tables(
    patterns: tuple[Pattern, ...],
) -> tuple[np.ndarray, tuple[bytes, ...], tuple[np.ndarray, ...], np.ndarray]:
    """The BMP table (bit i set where pattern i matches), each pattern's ASCII members, for
    each bit the table values that carry it, and the same as a matrix (value x bit, 0/1: the
    counts per value times it are the counts per class, in one call). Built once per process
    and pattern tuple (ms)."""
    if len(patterns) > 8:
        raise ValueError("at most 8 classes per table")
    table = np.zeros(0x10000, dtype=np.uint8)
    for bit, pattern in enumerate(patterns):
        table[matching_code_points(pattern, 0x10000)] |= 1 << bit
    ascii_members = tuple(bytes(c for c in range(128) if table[c] >> bit & 1) for bit in range(len(patterns)))
    values = np.arange(1 << len(patterns))
    carriers = tuple(np.flatnonzero(values >> bit & 1) for bit in range(len(patterns)))
    matrix = (values[:, None] >> np.arange(len(patterns)) & 1).astype(np.int64)
    return table, ascii_members, carriers, matrix


@cache
def _table_bytes(patterns: tuple[Pattern, ...]) -> bytes:
    """The BMP table of `_tables` as bytes, for the kernel."""
    return _tables(patterns)[0].tobytes()


def count_classes(text: str, patterns: tuple[Pattern, ...]) -> tuple[int, ...]:
    """How many characters of `text` each pattern matches (one character at a time).

    >>> import regex
    >>> count_classes("Übel 42 ΑΒ x٣ 𝐀😀", (regex.compile(r"\\p{Lu}"), regex.compile(r"\\d")))
    (4, 3)
    """
    compiled = kernel("char_classes")
    if compiled is None:
        return count_classes_python(text, patterns)
    return count_with(compiled, text, patterns)


def count_with(compiled: Any, text: str, patterns: tuple[Pattern, ...]) -> tuple[int, ...]:
    """`count_classes` with the compiled kernel already looked up (`kernel("char_classes")`:
    about 1 us a lookup, as much as counting a 300-character text)."""
    # numpy's per-call overhead is most of the cost on the short texts this sees (a 300-character
    # head: ~10 us, the kernel ~1 us); the characters beyond the BMP go to the patterns, as below
    counts, astral = compiled.count_bmp(text, _table_bytes(patterns), len(patterns))
    if astral:
        return tuple(c + sum(map(len, p.findall(astral))) for c, p in zip(counts, patterns, strict=True))
    return tuple(counts)


def count_classes_python(text: str, patterns: tuple[Pattern, ...]) -> tuple[int, ...]:
    """`count_classes` in numpy: the compiled kernel's reference twin."""
    table, ascii_members, carriers, matrix = _tables(patterns)
    if text.isascii():
        raw = text.encode("ascii")
        return tuple(len(raw) - len(raw.translate(None, members)) for members in ascii_members)
    # lone surrogates (from broken input) cannot be encoded: they count as "?"
    points = np.frombuffer(text.encode("utf-32-le", "replace"), dtype=np.uint32)
    if points.max() < 0x10000:  # the common case: one bincount and one product, no mask
        return tuple((np.bincount(table[points], minlength=len(matrix)) @ matrix).tolist())
    astral = points >= 0x10000
    rest = "".join(map(chr, points[astral].tolist()))
    counts = [sum(map(len, p.findall(rest))) for p in patterns]
    per_value = np.bincount(table[points[~astral]], minlength=1 << len(patterns))
    return tuple(c + int(per_value[values].sum()) for c, values in zip(counts, carriers, strict=True))
