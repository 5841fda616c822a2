# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twin of `annotate.machine_translation.python_fluency_features`: the word hashes,
n-gram keys, hash-table probes and the nine aggregate features of a document in one C loop.

Every value is the Python twin's, bit for bit: the hashes are xxh64 of the UTF-8 bytes (what
`xxhash.xxh64_intdigest(word.encode())` gives), the keys and probes are the same uint64/uint32
arithmetic as `fluency._mixed_keys` and `HashTable.longest_hits`, and the float sums add in the
order CPython's `sum()` does (plain left to right before 3.12, Neumaier-compensated from 3.12
on: `_python_sum`), so the features do not move with the kernel or the Python version.
"""

import sys

from cpython.unicode cimport PyUnicode_GET_LENGTH
from libc.math cimport fabs, isfinite, sqrt
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object unicode, Py_ssize_t* size) except NULL
    bint PyUnicode_IS_ASCII(object unicode)
    int PyUnicode_KIND(object unicode)
    void* PyUnicode_DATA(object unicode)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil
    void __builtin_prefetch(const void* address) nogil


cdef uint64_t P1 = 0x9E3779B185EBCA87ULL
cdef uint64_t P2 = 0xC2B2AE3D27D4EB4FULL
cdef uint64_t P3 = 0x165667B19E3779F9ULL
cdef uint64_t P4 = 0x85EBCA77C2B2AE63ULL
cdef uint64_t P5 = 0x27D4EB2F165667C5ULL
#: fluency._MIX, fluency._ORDER_SALT
cdef uint64_t MIX = 0x9E3779B97F4A7C15ULL
cdef uint64_t ORDER_SALT = 0xC2B2AE3D27D4EB4FULL
#: CPython's sum() of floats is compensated (Neumaier) from 3.12 on
cdef bint COMPENSATED_SUM = sys.version_info >= (3, 12)


cdef inline uint64_t _rotl(uint64_t x, int r) noexcept nogil:
    return (x << r) | (x >> (64 - r))


cdef inline uint64_t _read64(const uint8_t* p) noexcept nogil:
    # little-endian, as xxh64 reads its input (the compiler makes one load of it on x86)
    return (<uint64_t>p[0] | (<uint64_t>p[1] << 8) | (<uint64_t>p[2] << 16) | (<uint64_t>p[3] << 24)
            | (<uint64_t>p[4] << 32) | (<uint64_t>p[5] << 40) | (<uint64_t>p[6] << 48)
            | (<uint64_t>p[7] << 56))


cdef inline uint64_t _read32(const uint8_t* p) noexcept nogil:
    return <uint64_t>p[0] | (<uint64_t>p[1] << 8) | (<uint64_t>p[2] << 16) | (<uint64_t>p[3] << 24)


cdef inline uint64_t _round(uint64_t acc, uint64_t lane) noexcept nogil:
    acc += lane * P2
    acc = _rotl(acc, 31)
    return acc * P1


cdef inline uint64_t _merge(uint64_t acc, uint64_t v) noexcept nogil:
    acc ^= _round(0, v)
    return acc * P1 + P4


cdef uint64_t xxh64(const uint8_t* p, Py_ssize_t length) noexcept nogil:
    """XXH64 with seed 0 (the reference algorithm, xxhash.h)."""
    cdef const uint8_t* end = p + length
    cdef uint64_t h, v1, v2, v3, v4
    if length >= 32:
        v1 = P1 + P2
        v2 = P2
        v3 = 0
        v4 = 0 - P1
        while end - p >= 32:
            v1 = _round(v1, _read64(p))
            v2 = _round(v2, _read64(p + 8))
            v3 = _round(v3, _read64(p + 16))
            v4 = _round(v4, _read64(p + 24))
            p += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _merge(h, v1)
        h = _merge(h, v2)
        h = _merge(h, v3)
        h = _merge(h, v4)
    else:
        h = P5
    h += <uint64_t>length
    while end - p >= 8:
        h ^= _round(0, _read64(p))
        h = _rotl(h, 27) * P1 + P4
        p += 8
    if end - p >= 4:
        h ^= _read32(p) * P1
        h = _rotl(h, 23) * P2 + P3
        p += 4
    while p < end:
        h ^= (<uint64_t>p[0]) * P5
        h = _rotl(h, 11) * P1
        p += 1
    h ^= h >> 33
    h *= P2
    h ^= h >> 29
    h *= P3
    h ^= h >> 32
    return h


#: words up to this many characters are encoded on the stack by `_word_hash` (4 bytes each at most)
DEF MAX_STACK_CHARS = 64


cdef int _word_hash(str word, uint64_t* out) except -1:
    """xxh64 of the UTF-8 bytes of `word` into `out`. An ASCII word's characters are its bytes; a
    short non-ASCII word is encoded here on the stack (`PyUnicode_AsUTF8AndSize` would allocate
    and keep a UTF-8 copy on every such word, which nothing else reads); a longer one, or one
    holding a surrogate (which `str.encode` refuses: the error is raised the same way), goes
    through `PyUnicode_AsUTF8AndSize`."""
    cdef uint8_t buffer[4 * MAX_STACK_CHARS]
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(word), i, size = 0
    cdef int kind
    cdef void* data
    cdef uint32_t ch  # a code point (arithmetic on a Py_UCS4 makes it a str)
    cdef const char* utf8
    if PyUnicode_IS_ASCII(word):
        out[0] = xxh64(<const uint8_t*>PyUnicode_DATA(word), n)
        return 0
    if n <= MAX_STACK_CHARS:
        kind = PyUnicode_KIND(word)
        data = PyUnicode_DATA(word)
        for i in range(n):
            ch = PyUnicode_READ(kind, data, i)
            if ch < 0x80:
                buffer[size] = <uint8_t>ch
                size += 1
            elif ch < 0x800:
                buffer[size] = <uint8_t>(0xC0 | (ch >> 6))
                buffer[size + 1] = <uint8_t>(0x80 | (ch & 0x3F))
                size += 2
            elif ch < 0x10000:
                if 0xD800 <= ch <= 0xDFFF:
                    break  # a surrogate: not encodable, let CPython raise
                buffer[size] = <uint8_t>(0xE0 | (ch >> 12))
                buffer[size + 1] = <uint8_t>(0x80 | ((ch >> 6) & 0x3F))
                buffer[size + 2] = <uint8_t>(0x80 | (ch & 0x3F))
                size += 3
            else:
                buffer[size] = <uint8_t>(0xF0 | (ch >> 18))
                buffer[size + 1] = <uint8_t>(0x80 | ((ch >> 12) & 0x3F))
                buffer[size + 2] = <uint8_t>(0x80 | ((ch >> 6) & 0x3F))
                buffer[size + 3] = <uint8_t>(0x80 | (ch & 0x3F))
                size += 4
        else:
            out[0] = xxh64(buffer, size)
            return 0
    utf8 = PyUnicode_AsUTF8AndSize(word, &size)
    out[0] = xxh64(<const uint8_t*>utf8, size)
    return 0


def token_hash(str token):
    """`xxhash.xxh64_intdigest(token.encode())`, as the kernel hashes a word (for the tests)."""
    cdef uint64_t h
    _word_hash(token, &h)
    return h


cdef struct Sum:
    double total
    double compensation


cdef inline void _add(Sum* s, double x) noexcept nogil:
    """One step of CPython's sum() over floats (bltinmodule.c, builtin_sum_impl)."""
    cdef double t
    if COMPENSATED_SUM:
        t = s.total + x
        if fabs(s.total) >= fabs(x):
            s.compensation += (s.total - t) + x
        else:
            s.compensation += (x - t) + s.total
        s.total = t
    else:
        s.total += x


cdef inline double _result(Sum* s) noexcept nogil:
    if COMPENSATED_SUM and s.compensation != 0.0 and isfinite(s.compensation):
        return s.total + s.compensation
    return s.total


def fluency_aggregates(
    tuple lowered,
    tuple words,
    tuple tokens,
    Py_ssize_t max_words,
    Py_ssize_t token_window,
    const uint16_t[::1] cells,
    uint32_t mask,
    const double[::1] cost_of,
    int order,
    uint64_t bos,
):
    """The nine features of `machine_translation.FEATURES`, in that order, over the first
    `max_words` of `lowered` (the caller has checked there are enough) and the first
    `token_window` tokens; `cells`, `mask`: the word model's `HashTable`; `cost_of`: its
    `NgramModel._cost_of`; `bos`: the hash of the padding before the first word."""
    cdef Py_ssize_t n = min(len(lowered), max_words)
    cdef Py_ssize_t i, j, size, n_tokens, length_sum = 0, capitalised = 0
    cdef Py_ssize_t trigram_hits = 0, unknown = 0, commas = 0, sentence_ends = 0
    cdef const char* data
    cdef uint64_t* hashes = <uint64_t*>malloc(max(n, 1) * sizeof(uint64_t))
    cdef uint32_t* keys = <uint32_t*>malloc(max(n * order, 1) * sizeof(uint32_t))
    cdef uint64_t key, previous
    cdef uint32_t stored, wanted, cell, found, best
    cdef double cost, mean, variance
    cdef Sum costs = Sum(0.0, 0.0)
    cdef Sum squares = Sum(0.0, 0.0)
    cdef Py_UCS4 ch
    cdef object word
    if hashes == NULL or keys == NULL:
        free(hashes)
        free(keys)
        raise MemoryError()
    try:
        for i in range(n):
            word = lowered[i]
            _word_hash(word, &hashes[i])
            length_sum += PyUnicode_GET_LENGTH(word)
            ch = (<str>words[i])[0]
            capitalised += ch.isupper()
        # the chained key of each order ending at each word (fluency._mixed_keys, one column a
        # word), its table cell asked for at once: the probes below then find most cells in the
        # cache (a document's 360 probes are cache misses in a table of megabytes)
        for i in range(n):
            key = hashes[i]
            for j in range(order):
                if j > 0:
                    previous = hashes[i - j] if i >= j else bos
                    key = key * MIX + previous
                    key ^= key >> 29
                stored = <uint32_t>(((key ^ (ORDER_SALT * <uint64_t>(j + 1))) * MIX) >> 32)
                keys[i * order + j] = stored
                __builtin_prefetch(&cells[stored & mask])
        for i in range(n):
            # HashTable.longest_hits: the highest order held wins
            best = 0
            for j in range(order):
                stored = keys[i * order + j]
                wanted = max(stored >> 24, <uint32_t>1) << 8
                cell = cells[stored & mask] ^ wanted
                found = cell if cell < 256 else (cells[(stored & mask) ^ 1] ^ wanted)
                if found < 256:
                    best = found | (<uint32_t>(j + 1) << 8)
            cost = cost_of[best]
            _add(&costs, cost)
            _add(&squares, cost * cost)
            if best >> 8 == 3:
                trigram_hits += 1
            elif best == 0:
                unknown += 1
    finally:
        free(hashes)
        free(keys)
    n_tokens = min(len(tokens), token_window)
    for i in range(n_tokens):
        word = tokens[i]
        if PyUnicode_GET_LENGTH(word) != 1:
            continue
        ch = (<str>word)[0]
        if ch == u",":
            commas += 1
        elif ch == u"." or ch == u"!" or ch == u"?" or ch == u"…":
            sentence_ends += 1
    mean = _result(&costs) / n
    variance = _result(&squares) / n - mean * mean
    if 0.0 > variance:
        variance = 0.0
    return (
        mean,
        sqrt(variance),
        trigram_hits / <double>n,
        unknown / <double>n,
        commas / <double>n_tokens,
        n_tokens / <double>max(sentence_ends, 1),
        len(set(lowered[:n])) / <double>n,
        length_sum / <double>n,
        capitalised / <double>n,
    )
