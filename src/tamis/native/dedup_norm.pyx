# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The character mapping and whitespace collapse of `tamis.dedup.normalize`, in one pass.

The compiled twin of `normalize._map_chars` followed by `" ".join(text.split())` (per line, or
over the whole text); tests/dedup/test_dedup_norm_kernel.py holds the two identical.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.unicode cimport PyUnicode_4BYTE_KIND, PyUnicode_FromKindAndData
from libc.stdint cimport uint8_t

# `normalize._char_kinds` values
cdef uint8_t PUNCT = 1
cdef uint8_t DIGIT = 2


def map_collapse(str text, const uint8_t[::1] kinds, bint punctuation, bint digits,
                 bint whitespace, bint per_line):
    """`text` with punctuation and symbols made spaces (`punctuation`), decimal digits made "0"
    (`digits`), then, with `whitespace`, every run of white space (as `str.split()` sees it) made
    one space and the ends stripped: of each "\\n"-separated line when `per_line` (the line
    breaks kept), else of the whole text."""
    cdef Py_ssize_t n = len(text)
    cdef Py_ssize_t ncls = kinds.shape[0]
    cdef Py_UCS4* buf = <Py_UCS4*>PyMem_Malloc((n + 1) * sizeof(Py_UCS4))
    if buf == NULL:
        raise MemoryError()
    cdef Py_ssize_t out = 0
    cdef Py_UCS4 ch
    cdef uint8_t kind
    cdef bint pending = False  # a space is owed before the next character of the line
    cdef bint started = False  # the line (or text) has had a character that is not white space
    try:
        for ch in text:
            if <Py_ssize_t>ch < ncls:
                kind = kinds[ch]
                if kind == PUNCT and punctuation:
                    ch = 0x20
                elif kind == DIGIT and digits:
                    ch = 0x30
            if not whitespace:
                buf[out] = ch
                out += 1
            elif per_line and ch == 0x0A:
                buf[out] = ch
                out += 1
                pending = False
                started = False
            elif ch.isspace():
                pending = started
            else:
                if pending:
                    buf[out] = 0x20
                    out += 1
                    pending = False
                buf[out] = ch
                out += 1
                started = True
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, out)
    finally:
        PyMem_Free(buf)
