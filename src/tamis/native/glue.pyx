"""Compiled twin of `tamis.repair.glue_splitting.candidate_runs`: the whitespace tokens of a text
that may hold a glued word, and their letter runs, in one pass over the characters.

The Python twin splits the text, builds a set of its tokens, takes two set differences and runs a
regular expression over the joined rest. This kernel reads each character once and skips, without
creating a string, the tokens that hold no letter run of `min_letters`+ letters (nothing in them can
split) and the tokens found in `HotWords` (a table of the language's commonest words, compared
character by character in the text itself); the other tokens are looked up in the `harmless` set as
the twin does. tests/repair/test_glued_kernel.py holds the two identical.
"""

from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc

cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    void *PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, void *data, Py_ssize_t index)

cdef uint64_t _FNV_OFFSET = 14695981039346656037ULL
cdef uint64_t _FNV_PRIME = 1099511628211ULL


cdef inline bint _is_space(Py_UCS4 ch) noexcept:
    """str.split()'s separator (Py_UNICODE_ISSPACE)."""
    cdef unsigned int c = <unsigned int>ch
    if c < 128:
        return c == 32 or 9 <= c <= 13 or 28 <= c <= 31
    return ch.isspace()


cdef inline bint _is_letter(Py_UCS4 ch) noexcept:
    """A character of the regular expression class `[^\\W\\d_]`: alphanumeric, not a decimal digit,
    not the underscore (what `re` calls a word character, less `\\d` and `_`)."""
    cdef unsigned int c = <unsigned int>ch
    if c < 128:
        return 97 <= (c | 32) <= 122
    return ch.isalnum() and not ch.isdecimal()


cdef inline uint64_t _mix(uint64_t h, Py_UCS4 ch) noexcept:
    return (h ^ <uint64_t>ch) * _FNV_PRIME


cdef struct Slot:
    uint64_t hash
    uint32_t start  # of the word in `HotWords.chars`
    uint32_t length  # 0: an empty slot (the empty word is never looked up)


cdef class HotWords:
    """An exact set of words (the commonest of a language) held as code points in one block of
    memory, looked up by a span of a text's own characters: no string is created."""

    cdef Py_UCS4 *chars
    cdef Slot *slots  # open addressing: one cache line holds four slots
    cdef uint64_t mask
    cdef Py_ssize_t count

    def __cinit__(self, words):
        cdef list unique = sorted(w for w in set(words) if w)
        cdef Py_ssize_t total = 0, j, pos = 0, size = 16
        cdef uint64_t h, slot
        cdef str w
        self.count = len(unique)
        for w in unique:
            total += len(w)
        if total >= 2**32:
            raise ValueError("HotWords holds up to 2**32 characters")
        while size < 2 * self.count + 2:
            size *= 2
        self.mask = size - 1
        self.chars = <Py_UCS4 *>malloc((total + 1) * sizeof(Py_UCS4))
        self.slots = <Slot *>calloc(size, sizeof(Slot))
        if not (self.chars and self.slots):
            raise MemoryError()
        for w in unique:
            h = _FNV_OFFSET
            for j in range(len(w)):
                self.chars[pos + j] = w[j]
                h = _mix(h, w[j])
            slot = h & self.mask
            while self.slots[slot].length:
                slot = (slot + 1) & self.mask
            self.slots[slot].hash = h
            self.slots[slot].start = <uint32_t>pos
            self.slots[slot].length = <uint32_t>len(w)
            pos += len(w)

    def __dealloc__(self):
        free(self.chars)
        free(self.slots)

    def __len__(self):
        return self.count

    def __contains__(self, str word):
        cdef uint64_t h = _FNV_OFFSET
        cdef Py_ssize_t j
        if not word:
            return False
        for j in range(len(word)):
            h = _mix(h, word[j])
        return self.holds(PyUnicode_KIND(word), PyUnicode_DATA(word), 0, len(word), h)

    cdef inline bint holds(self, int kind, void *data, Py_ssize_t start, Py_ssize_t end, uint64_t h) noexcept:
        """Whether text[start:end] (its hash `h`) is one of the words."""
        cdef uint64_t slot = h & self.mask
        cdef Py_ssize_t k, n = end - start
        cdef Py_UCS4 *word
        while self.slots[slot].length:
            if self.slots[slot].hash == h and self.slots[slot].length == n:
                word = self.chars + self.slots[slot].start
                for k in range(n):
                    if word[k] != PyUnicode_READ(kind, data, start + k):
                        break
                else:
                    return True
            slot = (slot + 1) & self.mask
        return False


def candidate_runs(str text, set harmless, Py_ssize_t min_letters, HotWords hot=None):
    """(tokens, runs): the distinct whitespace tokens of `text` that hold a letter run of at least
    `min_letters` letters not in `hot` and are not in `harmless`, and the distinct such runs of those
    tokens that are not in `harmless` either. `hot` holds only words of `harmless`."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text)
    cdef Py_ssize_t i = 0, start, j, run_start, run_len
    cdef bint cold  # a letter run long enough, not in `hot`
    cdef uint64_t h
    cdef Py_UCS4 ch
    cdef set rough = set()
    cdef set runs = set()
    cdef set seen = set()
    cdef str token, run
    while i < n:
        ch = PyUnicode_READ(kind, data, i)
        if _is_space(ch):
            i += 1
            continue
        start = i
        run_len = 0
        cold = False
        h = _FNV_OFFSET
        while True:  # the token, one letter run after another
            if i < n:
                ch = PyUnicode_READ(kind, data, i)
            if i < n and not _is_space(ch) and _is_letter(ch):
                run_len += 1
                h = _mix(h, ch)
                i += 1
                continue
            if run_len >= min_letters and not cold:
                cold = hot is None or not hot.holds(kind, data, i - run_len, i, h)
            run_len = 0
            h = _FNV_OFFSET
            if i >= n or _is_space(ch):
                break
            i += 1
        if not cold:
            continue  # every long enough letter run is a common word: nothing here can split
        token = text[start:i]
        if token in seen:
            continue
        seen.add(token)
        if token in harmless:
            continue
        rough.add(token)
        j = start
        while j < i:
            if not _is_letter(PyUnicode_READ(kind, data, j)):
                j += 1
                continue
            run_start = j
            while j < i and _is_letter(PyUnicode_READ(kind, data, j)):
                j += 1
            if j - run_start >= min_letters:
                run = text[run_start:j]
                if run not in harmless:
                    runs.add(run)
    return rough, runs
