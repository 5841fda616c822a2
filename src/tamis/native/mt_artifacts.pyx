# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled gate of `annotate.mt_artifacts.name_variants`: one pass over the text finds the
capitalised names (`_CAPITALISED`, `\\b\\p{Lu}\\p{Ll}{5,}\\b`) from a table of the classes the
`regex` module gives each code point, and tells whether two different names are spelt with the
same letters. Where none are (almost every page) the check can find nothing; where some are, the
Python check runs as it is, so its artifacts are its own.
"""

from libc.stdint cimport uint8_t, uint64_t
from libc.stdlib cimport free, malloc, qsort


cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    void* PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil

#: bits of the class table (mt_artifacts._name_classes)
cdef uint8_t UPPER = 1  # \p{Lu}
cdef uint8_t LOWER = 2  # \p{Ll}
cdef uint8_t WORD = 4  # \w, what \b looks at


cdef struct Name:
    uint64_t signature  # the same for two names spelt with the same letters
    Py_ssize_t start
    Py_ssize_t length


cdef inline uint64_t _mix(uint64_t x) noexcept nogil:
    # splitmix64's finaliser: a letter's share of the signature
    x += 0x9E3779B97F4A7C15ULL
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL
    return x ^ (x >> 31)


cdef int _by_signature(const void* a, const void* b) noexcept nogil:
    cdef uint64_t x = (<const Name*>a).signature, y = (<const Name*>b).signature
    return (x > y) - (x < y)


cdef Py_ssize_t _names(str text, const uint8_t[::1] classes, Py_ssize_t min_lower, Name* out):
    """The capitalised names of `text`, in order, into `out` (room for len(text) // 2 + 1);
    their number. A name starts at an upper-case letter after no word character, goes on with
    at least `min_lower` lower-case letters and ends before no word character (the regex:
    `\\b` on both sides, the lower-case run greedy, so a word character after it is no match)."""
    cdef Py_ssize_t n = len(text), i = 0, j, found = 0
    cdef bint after_word = False
    cdef uint8_t c
    cdef uint64_t signature
    cdef Py_UCS4 ch
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    while i < n:
        ch = PyUnicode_READ(kind, data, i)
        c = classes[ch]
        if c & UPPER and not after_word:
            signature = _mix(ch)
            j = i + 1
            while j < n:
                ch = PyUnicode_READ(kind, data, j)
                c = classes[ch]
                if not c & LOWER:
                    break
                signature += _mix(ch)
                j += 1
            # c: the class of the character after the run (when there is one)
            if j - i - 1 >= min_lower and (j == n or not c & WORD):
                out[found].signature = signature + _mix(<uint64_t>(j - i) << 32)
                out[found].start = i
                out[found].length = j - i
                found += 1
            ch = PyUnicode_READ(kind, data, j - 1)
            after_word = classes[ch] & WORD
            i = j
            continue
        after_word = c & WORD
        i += 1
    return found


def capitalised_names(str text, const uint8_t[::1] classes, Py_ssize_t min_lower):
    """The names `_names` finds, as strings (what `_CAPITALISED.findall(text)` gives: tested)."""
    cdef Name* names = <Name*>malloc((len(text) // 2 + 1) * sizeof(Name))
    cdef Py_ssize_t k, count
    if names == NULL:
        raise MemoryError()
    try:
        count = _names(text, classes, min_lower, names)
        return [text[names[k].start : names[k].start + names[k].length] for k in range(count)]
    finally:
        free(names)


def has_respelt_names(str text, const uint8_t[::1] classes, Py_ssize_t min_lower):
    """Whether two different capitalised names of `text` are spelt with the same letters (the
    same multiset: a sum of one mixed value a letter). False: `name_variants` finds nothing."""
    cdef Name* names = <Name*>malloc((len(text) // 2 + 1) * sizeof(Name))
    cdef Py_ssize_t k, m, count, p
    cdef bint differ
    cdef Py_UCS4 a, b
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    if names == NULL:
        raise MemoryError()
    try:
        count = _names(text, classes, min_lower, names)
        if count < 2:
            return False
        qsort(names, count, sizeof(Name), _by_signature)
        for k in range(count - 1):
            m = k + 1
            while m < count and names[m].signature == names[k].signature:
                # the same signature: the same name again, or (to check) another spelling
                differ = names[m].length != names[k].length
                p = 0
                while not differ and p < names[k].length:
                    a = PyUnicode_READ(kind, data, names[k].start + p)
                    b = PyUnicode_READ(kind, data, names[m].start + p)
                    differ = a != b
                    p += 1
                if differ:
                    return True
                m += 1
        return False
    finally:
        free(names)


#: bits of `page_gates`
NAMES = 1
CAPITALISED = 2
SPACED = 4


def page_gates(
    str text,
    const uint8_t[::1] classes,
    Py_ssize_t min_lower,
    tuple forms,
    str firsts,
    Py_ssize_t min_spaced,
):
    """Which of three artifact checks can find something in `text`, as bits (a check whose bit
    is off finds nothing; one whose bit is on runs as it is):

    - NAMES: two capitalised names spelt with the same letters (`has_respelt_names`);
    - CAPITALISED: one of `forms` (the capitalised function words; `firsts` their first
      characters) after a letter or digit and a space or tab, before spaces or tabs and a word
      character (`re`'s `\\w`: `capitalised_function_words` keeps no other match);
    - SPACED: at least `min_spaced` commas, full stops or closing brackets after a space (what
      `spaces_before_punctuation` counts before it looks at lines).
    """
    cdef int gates = NAMES if has_respelt_names(text, classes, min_lower) else 0
    cdef Py_ssize_t n = len(text), q, p, k, length, spaced = 0
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef int form_kind, firsts_kind = PyUnicode_KIND(firsts)
    cdef void* form_data
    cdef void* firsts_data = PyUnicode_DATA(firsts)
    cdef Py_ssize_t n_firsts = len(firsts)
    cdef Py_UCS4 ch, first
    cdef str form
    cdef bint same
    for q in range(1, n):
        ch = PyUnicode_READ(kind, data, q - 1)
        if ch != u" " and ch != u"\t":
            continue
        first = PyUnicode_READ(kind, data, q)
        if ch == u" " and (first == u"," or first == u"." or first == u")"):
            spaced += 1
            continue
        if gates & CAPITALISED or q < 2:
            continue
        same = False
        for k in range(n_firsts):
            if PyUnicode_READ(firsts_kind, firsts_data, k) == first:
                same = True
                break
        if not same:
            continue  # no form starts with this character (most words)
        ch = PyUnicode_READ(kind, data, q - 2)
        if not ch.isalnum():
            continue
        for form in forms:
            length = len(form)
            if length == 0 or q + length >= n:
                continue
            form_kind = PyUnicode_KIND(form)
            form_data = PyUnicode_DATA(form)
            same = True
            for k in range(length):
                if PyUnicode_READ(form_kind, form_data, k) != PyUnicode_READ(kind, data, q + k):
                    same = False
                    break
            if not same:
                continue
            p = q + length
            while p < n:
                ch = PyUnicode_READ(kind, data, p)
                if ch != u" " and ch != u"\t":
                    break
                p += 1
            if p > q + length and p < n and (ch.isalnum() or ch == u"_"):
                gates |= CAPITALISED
                break
    if spaced >= min_spaced:
        gates |= SPACED
    return gates
