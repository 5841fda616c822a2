# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The per-character loop of annotate/char_classes.count_classes (its Python twin, the reference:
tests/annotate/test_char_classes_kernel.py requires identical counts).

The BMP table is the twin's (bit i set where pattern i matches); characters beyond the BMP are
handed back, in order, for the patterns themselves to count, as the twin does; a lone surrogate
counts as "?", as the twin's "replace" encoding makes it."""

from cpython.unicode cimport PyUnicode_1BYTE_KIND, PyUnicode_DATA, PyUnicode_KIND, PyUnicode_READ
from libc.stdint cimport int64_t, uint8_t


def count_bmp(str text, bytes table, int nbits):
    """(counts per bit of the BMP characters of `text`, the characters beyond the BMP joined);
    `table` is the twin's BMP table as bytes (no buffer to acquire per call)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t i, n = len(text)
    cdef int64_t[256] hist
    cdef int64_t total
    cdef Py_UCS4 ch
    cdef int b, v
    cdef list astral = None
    cdef const uint8_t* bits = <const uint8_t*><char*>table
    if nbits < 0 or nbits > 8 or len(table) < 0x10000:
        raise ValueError("a table of 0x10000 entries and at most 8 classes")
    for v in range(256):
        hist[v] = 0
    if kind == PyUnicode_1BYTE_KIND:
        for i in range(n):
            hist[bits[(<const uint8_t*>data)[i]]] += 1
    else:
        for i in range(n):
            ch = PyUnicode_READ(kind, data, i)
            if ch >= 0x10000:
                if astral is None:
                    astral = []
                astral.append(chr(ch))
                continue
            if 0xD800 <= ch < 0xE000:
                ch = 0x3F  # "?": what the twin's utf-32 "replace" encoding makes of a lone surrogate
            hist[bits[ch]] += 1
    counts = []
    for b in range(nbits):
        total = 0
        for v in range(256):
            if (v >> b) & 1:
                total += hist[v]
        counts.append(total)
    return counts, "".join(astral) if astral is not None else ""
