"""Character-class scans in compiled code (tamis.native.lines), with their `re` twins.

A scan that skips to the characters of one class, or to a place where two or three classes
meet, is one `re` search loop in C; the kernel runs the same loop over the text's code points
with one look-up per character in a table of bits (`class_table`), ~3x faster (docs/speed.md).
Each table is built from the patterns themselves (`re` is asked about every code point), so the
kernel and the pattern agree by construction; tests/text/test_char_scan.py compares both on real
and made-up text. Without the kernel (`TAMIS_PURE_PYTHON=1`, no compiler) the steps use the patterns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from tamis.derived import cached_array
from tamis.native import kernel
from tamis.text.chars import CODE_POINTS, _code_point_text


def class_table(classes: Iterable[tuple[str, int]], engine: Any = re) -> np.ndarray:
    """A read-only uint8 table of every code point (surrogates included): the OR of the bits of
    the one-character patterns (no flags) that match it, as `engine` (`re` or `regex`, the
    module of the patterns the table stands for: their `\\d`, `\\w` differ) matches them.
    Built once per machine and Python / `regex` / Unicode version (tamis.derived, memory-mapped:
    ~0.02-0.06 s to build each, which `tamis clean` would pay on every page).

    >>> t = class_table([("[a-c]", 1), ("[b-d]", 2)])
    >>> [int(t[ord(c)]) for c in "abcde"]
    [1, 3, 3, 2, 0]
    """
    classes = list(classes)

    def build() -> np.ndarray:
        every = _code_point_text(CODE_POINTS)
        table = np.zeros(CODE_POINTS, dtype=np.uint8)
        for pattern, bit in classes:
            found = np.zeros(CODE_POINTS, dtype=bool)
            # runs: a few thousand matches, not one per character
            for m in engine.finditer(f"(?:{pattern})+", every):
                found[m.start() : m.end()] = True
            table[found] |= bit
        return table

    inputs = [repr(classes), engine.__name__, Path(__file__).read_bytes()]
    table = cached_array("char_scan", inputs, build)
    if table.flags.writeable:  # built here and not stored (no cache folder): read-only all the same
        table.flags.writeable = False
    return table


@functools.cache
def lines_kernel() -> object | None:
    """The compiled module (tamis.native.lines), or None: the callers then use their `re` twins."""
    return kernel("lines")
