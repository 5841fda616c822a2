# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled gate of `annotate.mt_artifacts.name_variants`: one pass over the text finds the
capitalised names (`_CAPITALISED`, `\\b\\p{Lu}\\p{Ll}{5,}\\b`) from a table of the classes the
`regex` module gives each code point, and tells whether two different names are spelt with the
same letters. Where none are (almost every page) the check can find nothing; where some are, the
Python check runs as it is, so its artifacts are its own.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t
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


cdef struct Extra:
    # what `page_gates` counts in the same pass: marks after a space, and a capitalised form
    Py_ssize_t spaced
    bint capitalised
    uint64_t first_bits[4]  # the forms' first characters, a bit per low byte


cdef Py_ssize_t _names(
    str text, const uint8_t[::1] classes, Py_ssize_t min_lower, Name* out, Extra* extra=NULL, tuple forms=None
):
    """The capitalised names of `text`, in order, into `out` (room for len(text) // 2 + 1);
    their number. A name starts at an upper-case letter after no word character, goes on with
    at least `min_lower` lower-case letters and ends before no word character (the regex:
    `\\b` on both sides, the lower-case run greedy, so a word character after it is no match).
    With `extra`, each space or tab is looked at as well (`page_gates`): none is inside a name."""
    cdef Py_ssize_t n = len(text), i = 0, j, found = 0
    cdef uint32_t low
    cdef Py_UCS4 nxt
    cdef bint space
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
        if extra != NULL and i + 1 < n:
            # without a branch a space (a fifth of the characters, at no pattern the CPU can
            # predict): the mark after a space counted, the capitalised form looked for only
            # where the character after a space or tab is the first of one
            nxt = PyUnicode_READ(kind, data, i + 1)
            space = ch == u" "
            extra.spaced += space & ((nxt == u",") | (nxt == u".") | (nxt == u")"))
            low = <uint32_t>nxt & 0xFF
            if (
                (space | (ch == u"\t")) & (not extra.capitalised) & (i >= 1)
                & ((extra.first_bits[low >> 6] >> (low & 63)) & 1)
                & (not (space & ((nxt == u",") | (nxt == u".") | (nxt == u")"))))
            ):
                extra.capitalised = _capitalised_form_at(kind, data, n, i + 1, forms)
        after_word = c & WORD
        i += 1
    return found


cdef bint _capitalised_form_at(int kind, void* data, Py_ssize_t n, Py_ssize_t q, tuple forms):
    """Whether one of `forms` starts at `q` (after a space or tab), after a letter or digit
    (at q - 2) and before spaces or tabs and a word character (`re`'s `\\w`)."""
    cdef Py_UCS4 ch = PyUnicode_READ(kind, data, q - 2)
    cdef Py_ssize_t length, k, p
    cdef int form_kind
    cdef void* form_data
    cdef str form
    cdef bint same
    if not ch.isalnum():
        return False
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
            return True
    return False


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
    if names == NULL:
        raise MemoryError()
    try:
        return _respelt(text, names, _names(text, classes, min_lower, names))
    finally:
        free(names)


cdef bint _respelt(str text, Name* names, Py_ssize_t count):
    """Whether two different names of `names` (sorted here) have the same letters."""
    cdef Py_ssize_t k, m, p
    cdef bint differ
    cdef Py_UCS4 a, b
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
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


#: bits of `page_gates` (C constants: the scan's loop tests them per space)
cdef enum:
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
    cdef Extra extra
    cdef Py_ssize_t k, n_firsts = len(firsts)
    cdef int firsts_kind = PyUnicode_KIND(firsts)
    cdef void* firsts_data = PyUnicode_DATA(firsts)
    cdef uint32_t low
    cdef int gates = 0
    cdef Name* names = <Name*>malloc((len(text) // 2 + 1) * sizeof(Name))
    if names == NULL:
        raise MemoryError()
    extra.spaced = 0
    extra.capitalised = False
    extra.first_bits[0] = extra.first_bits[1] = extra.first_bits[2] = extra.first_bits[3] = 0
    for k in range(n_firsts):
        low = <uint32_t>PyUnicode_READ(firsts_kind, firsts_data, k) & 0xFF
        extra.first_bits[low >> 6] |= (<uint64_t>1) << (low & 63)
    try:
        if _respelt(text, names, _names(text, classes, min_lower, names, &extra, forms)):
            gates |= NAMES
    finally:
        free(names)
    if extra.capitalised:
        gates |= CAPITALISED
    if extra.spaced >= min_spaced:
        gates |= SPACED
    return gates


cdef extern from "Python.h":
    const char* PyBytes_AS_STRING(object data)
    Py_ssize_t PyBytes_GET_SIZE(object data)
    int PySet_Contains(object anyset, object key) except -1
    Py_ssize_t PyUnicode_GET_LENGTH(object text)


#: `gate_hits`' table: a byte per (first character's low 6 bits, length up to 63)
DEF GATE_LENGTHS = 64


def gate_table(gate):
    """The quick test of `gate_hits` for the words of `gate`: a byte per (the first character's
    low six bits, the length, 63 for any longer) that some gate word has; a word whose byte is
    0 is no gate word, and only the others are looked up in the set."""
    table = bytearray(64 * GATE_LENGTHS)
    for word in gate:
        if word:
            table[(ord(word[0]) & 63) * GATE_LENGTHS + min(len(word), GATE_LENGTHS - 1)] = 1
        else:
            table[0] = 1
    return bytes(table)


def gate_hits(tuple words, Py_ssize_t limit, frozenset gate, bytes table):
    """The words of `gate` among the first `limit` of `words` (`gate.intersection(words[:limit])`,
    as a set; `()` when there are none, most pages): most words fail the table's quick test on
    their first character and length, so few are hashed and looked up."""
    cdef Py_ssize_t n = min(len(words), limit), i, length
    cdef const uint8_t* quick = <const uint8_t*>PyBytes_AS_STRING(table)
    cdef uint32_t first
    cdef str word
    cdef object found = None
    assert PyBytes_GET_SIZE(table) == 64 * GATE_LENGTHS
    for i in range(n):
        word = words[i]
        length = PyUnicode_GET_LENGTH(word)
        if length == 0:
            first = 0
        else:
            first = <uint32_t>PyUnicode_READ(PyUnicode_KIND(word), PyUnicode_DATA(word), 0) & 63
        if not quick[first * GATE_LENGTHS + (length if length < GATE_LENGTHS else GATE_LENGTHS - 1)]:
            continue
        if PySet_Contains(gate, word):
            if found is None:
                found = set()
            found.add(word)
    return () if found is None else found
