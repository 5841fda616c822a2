# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The string loops of annotate/language.py: the head's line breaks joined, and the paragraphs
sampled for `language_mix`. The Python twins (language._NEWLINES.sub,
language._sample_paragraphs) are the reference: tests/annotate/test_char_classes_kernel.py
requires identical results."""

from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND, PyUnicode_READ
from libc.stdint cimport uint8_t


cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil


def join_lines(str text, bytes space):
    """`_NEWLINES.sub(" ", text)`: every run of `\\s` characters that holds a line feed becomes one
    space (the pattern's greedy `\\s*` takes the whole run around its line feeds). `space` is 1 at
    each BMP code point `\\s` matches (`regex`'s own table); no astral character is white space."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef const uint8_t* is_space = <const uint8_t*><char*>space
    cdef Py_ssize_t n = len(text), i = 0, start, last = 0
    cdef Py_UCS4 ch
    cdef bint feed
    cdef list parts = None
    if len(space) < 0x10000:
        raise ValueError("a table of 0x10000 entries")
    while i < n:
        ch = PyUnicode_READ(kind, data, i)
        if ch >= 0x10000 or not is_space[ch]:
            i += 1
            continue
        start = i
        feed = False
        while i < n:
            ch = PyUnicode_READ(kind, data, i)
            if ch >= 0x10000 or not is_space[ch]:
                break
            feed = feed or ch == 0x0A
            i += 1
        if feed:
            if parts is None:
                parts = []
            parts.append(text[last:start])
            parts.append(" ")
            last = i
    if parts is None:
        return text
    parts.append(text[last:n])
    return "".join(parts)


cdef inline Py_ssize_t round_half_even(Py_ssize_t num, Py_ssize_t den) noexcept:
    """Python's round(num / den) for num >= 0, den > 0 (exact: the float quotient of small ints is)."""
    cdef Py_ssize_t q = num // den, r = num % den
    if 2 * r > den or (2 * r == den and q & 1):
        q += 1
    return q


def sample_paragraphs(str text, Py_ssize_t max_paragraphs, Py_ssize_t min_chars, Py_ssize_t max_scan):
    """`language._sample_paragraphs`: the lines of text[:max_scan] are walked once, from the
    first to the last one looked at, instead of split into strings."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t end = min(len(text), max_scan), j, lines = 1
    cdef Py_ssize_t k, i, last = -1, cur = 0, pos = 0, line_end, a, b
    cdef list picked = []
    for j in range(end):
        if PyUnicode_READ(kind, data, j) == 0x0A:
            lines += 1
    for k in range(max_paragraphs):
        i = max(round_half_even(k * (lines - 1), max(max_paragraphs - 1, 1)), last + 1)
        while True:
            if i >= lines:
                return picked if len(picked) >= 2 else []
            # move to the start of line i (lines only ever move forward)
            while cur < i:
                while PyUnicode_READ(kind, data, pos) != 0x0A:
                    pos += 1
                pos += 1
                cur += 1
            line_end = pos
            while line_end < end and PyUnicode_READ(kind, data, line_end) != 0x0A:
                line_end += 1
            a = pos
            b = line_end
            while a < b and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a)):
                a += 1
            while b > a and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1)):
                b -= 1
            if b - a >= min_chars:
                break
            i += 1
        picked.append(text[a:b])
        last = i
    return picked if len(picked) >= 2 else []
