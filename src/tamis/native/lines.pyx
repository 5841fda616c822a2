# cython: language_level=3
"""Per-character and per-line scans of the repair steps (twins: the `re` patterns they replace,
named in each function; tamis.text.char_scan builds the tables and tells when to use them).

A character class is a table of bits with one entry per code point (`char_scan.class_table`,
built by asking `re` about every code point): the loops below read the text's code points and
look each up, where `re` runs its class test per character in its search loop.
"""

from cpython.unicode cimport PyUnicode_READ, PyUnicode_KIND, PyUnicode_DATA, PyUnicode_GET_LENGTH


def first_in(str text, const unsigned char[:] table, Py_ssize_t start=0):
    """The index of the first character at or after `start` with a non-zero table entry, or -1:
    `pattern.search(text, start)` of a one-character class pattern."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t i
    cdef const unsigned char *s1
    if kind == 1:  # Latin-1 text: the loop the compiler can keep tight
        s1 = <const unsigned char *> data
        for i in range(start, n):
            if table[s1[i]]:
                return i
        return -1
    for i in range(start, n):
        if table[PyUnicode_READ(kind, data, i)]:
            return i
    return -1


def single_or_pair(str text, const unsigned char[:] table):
    """The span of the first character with bit 1, or of a character with bit 2 followed by one
    with bit 4 (whichever starts first), or None: `re`'s
    `[single lead](?:(?<=[single])|(?<=[lead])[continuation])` (repair.unicode)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t i
    cdef unsigned char t
    for i in range(n):
        t = table[PyUnicode_READ(kind, data, i)]
        if t:
            if t & 1:
                return (i, i + 1)
            if t & 2 and i + 1 < n and table[PyUnicode_READ(kind, data, i + 1)] & 4:
                return (i, i + 2)
    return None


def glued_marks(str text, const unsigned char[:] table):
    """Indexes of the marks (bit 1) followed by two letters (bit 2) and preceded by two letters,
    or, for "," and ";" (bit 8), by a digit (bit 4): the starts of `re`'s
    `[.!?,;:](?=[^\\W\\d_]{2})(?:(?<=[^\\W\\d_]{2}.)|(?<=\\d[,;]))` (repair.punctuation_spacing)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t i
    cdef unsigned char t
    cdef list found = []
    for i in range(n - 2):
        t = table[PyUnicode_READ(kind, data, i)]
        if not t & 1:
            continue
        if not (table[PyUnicode_READ(kind, data, i + 1)] & 2 and table[PyUnicode_READ(kind, data, i + 2)] & 2):
            continue
        if i >= 2 and table[PyUnicode_READ(kind, data, i - 1)] & 2 and table[PyUnicode_READ(kind, data, i - 2)] & 2:
            found.append(i)
        elif t & 8 and i >= 1 and table[PyUnicode_READ(kind, data, i - 1)] & 4:
            found.append(i)
    return found


def short_lines_where(str text, Py_ssize_t max_chars, object lead, object trail):
    """(index, stripped line) of each line (split at "\\n") whose `str.strip()` is 1 to
    `max_chars` characters long and for which `lead(stripped)` or `trail(stripped)` is not None
    (repair.captions: its scan's `match` and `search`)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t start = 0, end, a, b, line = 0
    cdef Py_UCS4 ch
    cdef list found = []
    while start <= n:
        end = start
        while end < n and PyUnicode_READ(kind, data, end) != 10:
            end += 1
        a = start
        b = end
        while a < b:
            ch = PyUnicode_READ(kind, data, a)
            if not ch.isspace():
                break
            a += 1
        while b > a:
            ch = PyUnicode_READ(kind, data, b - 1)
            if not ch.isspace():
                break
            b -= 1
        if 0 < b - a <= max_chars:
            s = text[a:b]
            if lead(s) is not None or trail(s) is not None:
                found.append((line, s))
        line += 1
        start = end + 1
    return found


def runs_from(str text, const unsigned char[:] table, Py_ssize_t least):
    """Spans of `re`'s `[first][rest]{least-1,}` (table bit 1: first, bit 2: rest; every first
    character is also a rest one), in order: a run of bit-2 characters from a bit-1 character
    on, at least `least` long (repair.pii's `_NUMBER_RUN`)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t i = 0, j
    cdef list found = []
    while i < n:
        if not table[PyUnicode_READ(kind, data, i)] & 1:
            i += 1
            continue
        j = i + 1
        while j < n and table[PyUnicode_READ(kind, data, j)] & 2:
            j += 1
        if j - i >= least:
            found.append((i, j))
        # a later start inside the run ends where it ends, shorter: none can match before j
        i = j
    return found


def sequence_starts(str text, const unsigned char[:] table, bytes bits):
    """The indexes i where text[i + k] has a table bit of bits[k] for every k, in order (where
    `re`'s `[c0][c1]...` matches, overlaps included)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef Py_ssize_t m = len(bits)
    cdef const unsigned char *want = bits
    cdef Py_ssize_t i, k
    cdef list found = []
    for i in range(n - m + 1):
        if not table[PyUnicode_READ(kind, data, i)] & want[0]:
            continue
        for k in range(1, m):
            if not table[PyUnicode_READ(kind, data, i + k)] & want[k]:
                break
        else:
            found.append(i)
    return found


from libc.stdlib cimport malloc, free


cdef class ClassWords:
    """Words as sequences of character classes (each class a `str` of its characters), found
    anywhere in a text: `lines(text)` gives the lines (split at "\\n") where one occurs, as
    `re.search` of the class sequence would find it (tamis.text.prefilter.words_anywhere).

    Each word is entered at one of its positions (`anchors`), by a table of code point ->
    bitmask of the words whose class there holds it (`table`, at most 32 words); the rest of
    the word is then checked class by class. No class may hold "\\n"."""

    cdef Py_UCS4 *chars
    cdef Py_ssize_t *class_start  # class j of all words: chars[class_start[j]:class_start[j + 1]]
    cdef Py_ssize_t *first  # word w: its classes are first[w] .. first[w + 1]
    cdef Py_ssize_t *anchor
    cdef Py_ssize_t n_words
    cdef const unsigned int[:] table

    def __cinit__(self, list words, list anchors, const unsigned int[:] table):
        cdef Py_ssize_t n_classes = sum(len(w) for w in words)
        cdef Py_ssize_t n_chars = sum(len(c) for w in words for c in w)
        self.n_words = len(words)
        self.chars = <Py_UCS4 *> malloc(max(n_chars, 1) * sizeof(Py_UCS4))
        self.class_start = <Py_ssize_t *> malloc((n_classes + 1) * sizeof(Py_ssize_t))
        self.first = <Py_ssize_t *> malloc((self.n_words + 1) * sizeof(Py_ssize_t))
        self.anchor = <Py_ssize_t *> malloc(max(self.n_words, 1) * sizeof(Py_ssize_t))
        if not (self.chars and self.class_start and self.first and self.anchor):
            raise MemoryError()
        cdef Py_ssize_t w = 0, j = 0, c = 0
        for word in words:
            self.first[w] = j
            self.anchor[w] = anchors[w]
            for cls in word:
                self.class_start[j] = c
                for ch in cls:
                    self.chars[c] = ord(ch)
                    c += 1
                j += 1
            w += 1
        self.first[w] = j
        self.class_start[j] = c
        self.table = table

    def __dealloc__(self):
        free(self.chars)
        free(self.class_start)
        free(self.first)
        free(self.anchor)

    def lines(self, str text):
        cdef int kind = PyUnicode_KIND(text)
        cdef void *data = PyUnicode_DATA(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
        cdef Py_ssize_t i, w, j, start, length, p, c
        cdef Py_ssize_t line = 0, last = -1
        cdef unsigned int mask
        cdef Py_UCS4 ch, x
        cdef bint ok, hit
        cdef list found = []
        for i in range(n):
            ch = PyUnicode_READ(kind, data, i)
            if ch == 10:
                line += 1
                continue
            mask = self.table[ch]
            if not mask or line == last:
                continue
            for w in range(self.n_words):
                if not (mask >> w) & 1:
                    continue
                start = i - self.anchor[w]
                length = self.first[w + 1] - self.first[w]
                if start < 0 or start + length > n:
                    continue
                ok = True
                for p in range(length):
                    x = PyUnicode_READ(kind, data, start + p)
                    j = self.first[w] + p
                    hit = False
                    for c in range(self.class_start[j], self.class_start[j + 1]):
                        if self.chars[c] == x:
                            hit = True
                            break
                    if not hit:
                        ok = False
                        break
                if ok:
                    found.append(line)
                    last = line
                    break
        return found
