# cython: language_level=3
"""Compiled twins of `tamis.annotate.quality`'s per-document loops: Gopher's repetition n-gram
counts (`top_ngram_chars`, `duplicate_ngram_chars`) and the character-class counts
(`upper_and_digit_counts`). `tests/annotate/test_quality_kernel.py` holds them identical to the
Python twins.

Also the stop-word counts (`WordSet`, `stop_word_counts`) and the repeated lines and paragraphs
with FineWeb's line counts (`line_repeats`): spans and keys in C, every key match checked against
the characters, so those counts are exact.

The n-grams are counted on 64-bit keys, as the numpy twin (`repetition_chars`) does: each token's
key is a hash of its code points, an n-gram's key combines its tokens' keys, and two distinct
n-grams share a key with probability ~2^-64 (then, and only then, a count could differ).
"""

from libc.stdint cimport uint64_t, int64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memset

cdef extern from "Python.h":
    int PyUnicode_KIND(object o)
    void* PyUnicode_DATA(object o)
    unsigned int PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil  # a code point

cdef uint64_t MIX = 1099511628211ULL  # FNV-1a 64-bit prime, as in the numpy twin
cdef uint64_t FNV_OFFSET = 14695981039346656037ULL

TOP_NGRAM_SIZES = (2, 3, 4)
DUP_NGRAM_SIZES = (5, 6, 7, 8, 9, 10)


cdef inline uint64_t finish(uint64_t x) nogil:
    """splitmix64's finaliser: every bit of the key depends on every bit of the hash."""
    x ^= x >> 30
    x *= 0xBF58476D1CE4E5B9ULL
    x ^= x >> 27
    x *= 0x94D049BB133111EBULL
    x ^= x >> 31
    return x


cdef struct Table:
    uint64_t* keys
    int64_t* first  # where the key first occurs; -1: an empty slot
    int64_t* count
    uint64_t mask
    int shift


cdef int table_init(Table* t, Py_ssize_t items) except -1:
    cdef int bits = 4
    while (<Py_ssize_t>1 << bits) < 2 * items:
        bits += 1
    cdef Py_ssize_t size = <Py_ssize_t>1 << bits
    t.mask = size - 1
    t.shift = 64 - bits
    t.keys = <uint64_t*>malloc(size * sizeof(uint64_t))
    t.first = <int64_t*>malloc(size * sizeof(int64_t))
    t.count = <int64_t*>malloc(size * sizeof(int64_t))
    if not t.keys or not t.first or not t.count:
        raise MemoryError()
    return 0


cdef void table_clear(Table* t) noexcept nogil:
    memset(t.first, 0xFF, (t.mask + 1) * sizeof(int64_t))  # every slot -1


cdef void table_free(Table* t) noexcept nogil:
    free(t.keys)
    free(t.first)
    free(t.count)


cdef inline Py_ssize_t table_slot(Table* t, uint64_t key) nogil:
    """The slot holding `key`, or the empty slot where it goes (linear probing)."""
    cdef uint64_t s = (key * 0x9E3779B97F4A7C15ULL) >> t.shift
    while t.first[s] != -1 and t.keys[s] != key:
        s = (s + 1) & t.mask
    return s


def repetition_chars(tuple tokens):
    """Gopher's top n-gram chars (n=2..4) and duplicate n-gram chars (n=5..10): what
    `top_ngram_chars` and `duplicate_ngram_chars` give, as `repetition_chars` returns them."""
    top = dict.fromkeys(TOP_NGRAM_SIZES, 0)
    dup = dict.fromkeys(DUP_NGRAM_SIZES, 0)
    cdef Py_ssize_t n_tok = len(tokens), i, j, m, idx, best_first, n
    if n_tok < 2:
        return top, dup
    cdef uint64_t* hashes = <uint64_t*>malloc(n_tok * sizeof(uint64_t))
    cdef uint64_t* keys = <uint64_t*>malloc(n_tok * sizeof(uint64_t))
    cdef int64_t* lengths = <int64_t*>malloc(n_tok * sizeof(int64_t))
    cdef Table table
    table.keys = NULL
    table.first = NULL
    table.count = NULL
    cdef str token
    cdef int kind
    cdef void* data
    cdef uint64_t h, key
    cdef int64_t best, chars, length
    cdef Py_ssize_t s
    cdef bint repeats = True
    try:
        if not hashes or not keys or not lengths:
            raise MemoryError()
        table_init(&table, n_tok)
        for i in range(n_tok):
            token = tokens[i]
            kind = PyUnicode_KIND(token)
            data = PyUnicode_DATA(token)
            length = len(token)
            h = FNV_OFFSET
            for j in range(length):
                h = (h ^ PyUnicode_READ(kind, data, j)) * MIX
            hashes[i] = finish(h ^ <uint64_t>length)
            lengths[i] = length
            keys[i] = hashes[i]
        # keys[i] holds the key of the (n-1)-gram at i; each size extends them by one token
        for n in range(2, 11):
            if n_tok < n:
                break
            m = n_tok - n + 1
            for i in range(m):
                keys[i] = keys[i] * MIX + hashes[i + n - 1]
            if n <= 4:
                best, best_first = 1, 0  # all distinct: the first n-gram wins, as in Counter
                if repeats:
                    table_clear(&table)
                    for i in range(m):
                        s = table_slot(&table, keys[i])
                        if table.first[s] == -1:
                            table.keys[s] = keys[i]
                            table.first[s] = i
                            table.count[s] = 1
                        else:
                            table.count[s] += 1
                            # ties: the n-gram seen first wins (Counter.most_common)
                            if table.count[s] > best or (
                                table.count[s] == best and table.first[s] < best_first
                            ):
                                best, best_first = table.count[s], table.first[s]
                    repeats = best > 1
                chars = n - 1
                for j in range(best_first, best_first + n):
                    chars += lengths[j]
                top[n] = chars * best
                continue
            if not repeats:
                break  # no repeated (n-1)-gram: no repeated n-gram either
            # Gopher's scan: a repeat counts its characters and is skipped past
            table_clear(&table)
            chars = 0
            idx = 0
            repeats = False
            while idx < m:
                s = table_slot(&table, keys[idx])
                if table.first[s] != -1:
                    repeats = True
                    for j in range(idx, idx + n):
                        chars += lengths[j]
                    idx += n
                else:
                    table.keys[s] = keys[idx]
                    table.first[s] = idx
                    idx += 1
            dup[n] = chars
    finally:
        free(hashes)
        free(keys)
        free(lengths)
        table_free(&table)
    return top, dup


def class_counts(str text, const unsigned char[::1] table):
    """How many characters of `text` carry bit 1, and how many bit 2, of `table` (one entry per
    code point: `count_classes` of the patterns the table was built from)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t i, n = len(text), first = 0, second = 0
    cdef unsigned char bits
    for i in range(n):
        bits = table[PyUnicode_READ(kind, data, i)]
        first += bits & 1
        second += (bits >> 1) & 1
    return first, second


cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch) nogil


cdef inline bint is_word(unsigned int ch) noexcept nogil:
    """`re`'s \\w for str patterns."""
    return ch == 0x5F or Py_UNICODE_ISALNUM(ch)


cdef inline bint is_terminal(unsigned int ch) noexcept nogil:
    """quality._TERMINAL: [.!?։؟۔।。｡]"""
    return (ch == 0x2E or ch == 0x21 or ch == 0x3F or ch == 0x589 or ch == 0x61F or ch == 0x6D4
            or ch == 0x964 or ch == 0x3002 or ch == 0xFF61)


cdef Py_ssize_t sentence_ends(int kind, void* data, Py_ssize_t start, Py_ssize_t end) noexcept:
    """`len(SENTENCE_END.findall(text[start:end]))`, the pattern's matches replayed by hand:
    a terminal mark not after [.!?…] (and a period not before a period), the run of
    [^\\w\\s\\x00] characters after it, at least one white space, then some word character
    before the next NUL (the lookahead). A match ends after its white space; the next search
    starts there, a failed one at the next character, as `findall` does."""
    cdef Py_ssize_t count = 0, p = start, r, j
    cdef unsigned int ch, prev
    while p < end:
        ch = PyUnicode_READ(kind, data, p)
        if not is_terminal(ch):
            p += 1
            continue
        if p > start:
            prev = PyUnicode_READ(kind, data, p - 1)
            if prev == 0x2E or prev == 0x21 or prev == 0x3F or prev == 0x2026:
                p += 1
                continue
        if ch == 0x2E and p + 1 < end and PyUnicode_READ(kind, data, p + 1) == 0x2E:
            p += 1
            continue
        r = p + 1  # the marks and symbols after it
        while r < end:
            ch = PyUnicode_READ(kind, data, r)
            if ch == 0 or is_word(ch) or Py_UNICODE_ISSPACE(ch):
                break
            r += 1
        if r == end or not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, r)):
            p += 1
            continue
        while r < end and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, r)):
            r += 1
        j = r  # the lookahead: a word character before any NUL
        while j < end:
            ch = PyUnicode_READ(kind, data, j)
            if ch == 0 or is_word(ch):
                break
            j += 1
        if j < end and PyUnicode_READ(kind, data, j) != 0:
            count += 1
            p = r
        else:
            p += 1
    return count


cdef inline void strip_span(int kind, void* data, Py_ssize_t n, Py_ssize_t* start, Py_ssize_t* end) noexcept:
    """`str.strip()`'s bounds: white space as `str.split()` means it."""
    cdef Py_ssize_t s = 0, e = n
    while s < e and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, s)):
        s += 1
    while e > s and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e - 1)):
        e -= 1
    start[0] = s
    end[0] = e


def bullet_and_ellipsis_lines(tuple lines):
    """How many lines start with a bullet ("•", "-") after their leading white space, and how many
    end with an ellipsis ("...", "…") before their trailing white space (Gopher's line ratios)."""
    cdef Py_ssize_t bullets = 0, ellipses = 0, s, e, n
    cdef int kind
    cdef void* data
    cdef str line
    cdef unsigned int ch
    for line in lines:
        kind = PyUnicode_KIND(line)
        data = PyUnicode_DATA(line)
        strip_span(kind, data, len(line), &s, &e)
        if s == e:
            continue
        ch = PyUnicode_READ(kind, data, s)
        if ch == 0x2022 or ch == 0x2D:
            bullets += 1
        ch = PyUnicode_READ(kind, data, e - 1)
        if ch == 0x2026 or (
            ch == 0x2E and e - s >= 3
            and PyUnicode_READ(kind, data, e - 2) == 0x2E and PyUnicode_READ(kind, data, e - 3) == 0x2E
        ):
            ellipses += 1
    return bullets, ellipses


cdef inline bint ends_c4(int kind, void* data, Py_ssize_t s, Py_ssize_t e) noexcept:
    """`line.endswith(C4_END_PUNCTUATION) and not line.endswith("...")` for line = text[s:e]."""
    if e <= s:
        return False
    cdef unsigned int ch = PyUnicode_READ(kind, data, e - 1)
    if ch == 0x2E:
        return not (e - s >= 3 and PyUnicode_READ(kind, data, e - 2) == 0x2E
                    and PyUnicode_READ(kind, data, e - 3) == 0x2E)
    return ch == 0x3F or ch == 0x21 or ch == 0x22 or ch == 0x27


def c4_lines(tuple lines, bint keywords, object remove_citations, object find_policy,
             Py_ssize_t max_word_length, Py_ssize_t min_words):
    """The loop of `c4_signals` over the lines: (no_punct, too_few_words, long_word, javascript,
    policy, lorem, curly, kept lines, sentence boundaries inside the kept lines). `remove_citations` and `find_policy` are C4_CITATION.sub
    and C4_POLICY.search, called only on the lines that need them, as in the Python twin."""
    cdef Py_ssize_t no_punct = 0, too_few = 0, long_word = 0, javascript = 0, policy = 0
    cdef Py_ssize_t s, e, i, run, words, n
    cdef bint lorem = False, curly = False, bracket, space, long_run
    cdef int kind, lkind
    cdef void* data
    cdef void* ldata
    cdef str raw, line, lowered
    cdef unsigned int ch
    cdef Py_ssize_t kept = 0, sentences = 0
    for raw in lines:
        kind = PyUnicode_KIND(raw)
        data = PyUnicode_DATA(raw)
        n = len(raw)
        strip_span(kind, data, n, &s, &e)
        if e - s > max_word_length:  # a white-space-separated word longer than the limit?
            run = 0
            long_run = False
            for i in range(s, e):
                if Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
                    run = 0
                else:
                    run += 1
                    if run > max_word_length:
                        long_run = True
                        break
            if long_run:
                long_word += 1
                continue
        bracket = False
        for i in range(s, e):
            if PyUnicode_READ(kind, data, i) == 0x5B:  # "["
                bracket = True
                break
        line = None
        if bracket:
            line = remove_citations("", raw[s:e])
            lkind = PyUnicode_KIND(line)
            ldata = PyUnicode_DATA(line)
            if not ends_c4(lkind, ldata, 0, len(line)):
                no_punct += 1
                continue
        elif not ends_c4(kind, data, s, e):
            no_punct += 1
            continue
        # words counted before citations are removed, as datatrove does; at most min_words needed
        words = 0
        space = True
        for i in range(n):
            if Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
                space = True
            elif space:
                space = False
                words += 1
                if words >= min_words:
                    break
        if words < min_words:
            too_few += 1
            continue
        if keywords:  # the page has one of the phrases somewhere: look in this line
            if line is None:
                line = raw[s:e]
            lowered = line.lower()
            if "lorem ipsum" in lowered:
                lorem = True
            if "javascript" in lowered:
                javascript += 1
                continue
            if "{" in line:
                curly = True
            if find_policy(lowered) is not None:
                policy += 1
                continue
        kept += 1
        # the kept line's sentence boundaries, on the line as it stands (citations removed)
        if line is None:
            sentences += sentence_ends(kind, data, s, e)
        else:
            sentences += sentence_ends(PyUnicode_KIND(line), PyUnicode_DATA(line), 0, len(line))
    return no_punct, too_few, long_word, javascript, policy, int(lorem), int(curly), kept, sentences


cdef extern from "string.h":
    void* memmem(const void* haystack, size_t haystacklen, const void* needle, size_t needlelen) nogil


def lower_has_phrase(str text, const unsigned char[::1] table, tuple phrases):
    """Whether `text.lower()` holds one of the ASCII `phrases`, without lowering the text: each
    code point maps to its lower-case ASCII character (`table`, from `str.lower` itself) or to 0
    where its lower case is not one ASCII character. That is exact for phrases that hold no NUL
    and do not end with "i": U+0130 lowers to "i" and a combining dot, which no such phrase can
    match across."""
    cdef Py_ssize_t n = len(text), i
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef bytes phrase
    if n == 0:
        return False
    cdef unsigned char* mapped = <unsigned char*>malloc(n)
    if not mapped:
        raise MemoryError()
    try:
        for i in range(n):
            mapped[i] = table[PyUnicode_READ(kind, data, i)]
        for phrase in phrases:
            if memmem(mapped, n, <const char*>phrase, len(phrase)) != NULL:
                return True
        return False
    finally:
        free(mapped)


# --- stop words: a set of words probed with C keys -------------------------------------------

cdef inline uint64_t word_key(int kind, void* data, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """The 64-bit key of text[a:b] (FNV-1a over the code points, then `finish`)."""
    cdef uint64_t h = FNV_OFFSET
    cdef Py_ssize_t j
    for j in range(a, b):
        h = (h ^ PyUnicode_READ(kind, data, j)) * MIX
    return finish(h ^ <uint64_t>(b - a))


cdef inline bint same_text(int kind, void* data, Py_ssize_t a, Py_ssize_t b, str other) noexcept:
    """text[a:b] == other, code point by code point (whatever the two strings' kinds)."""
    cdef Py_ssize_t n = b - a, j
    if len(other) != n:
        return False
    cdef int okind = PyUnicode_KIND(other)
    cdef void* odata = PyUnicode_DATA(other)
    for j in range(n):
        if PyUnicode_READ(kind, data, a + j) != PyUnicode_READ(okind, odata, j):
            return False
    return True


cdef class WordSet:
    """A fixed set of words (a language's stop words), built once, probed from C: a key match is
    checked against the word itself, so membership is exact (no reliance on the 64-bit key)."""
    cdef tuple words
    cdef uint64_t* keys
    cdef Py_ssize_t* index  # which word the slot holds; -1: empty
    cdef uint64_t mask
    cdef int shift

    def __cinit__(self, words):
        self.words = tuple(sorted(set(words)))
        cdef Py_ssize_t n = len(self.words), i, size
        cdef int bits = 4
        while (<Py_ssize_t>1 << bits) < 4 * n:
            bits += 1
        size = <Py_ssize_t>1 << bits
        self.mask = size - 1
        self.shift = 64 - bits
        self.keys = <uint64_t*>malloc(size * sizeof(uint64_t))
        self.index = <Py_ssize_t*>malloc(size * sizeof(Py_ssize_t))
        if not self.keys or not self.index:
            raise MemoryError()
        for i in range(size):
            self.index[i] = -1
        cdef str w
        cdef uint64_t key, s
        for i in range(n):
            w = self.words[i]
            key = word_key(PyUnicode_KIND(w), PyUnicode_DATA(w), 0, len(w))
            s = (key * 0x9E3779B97F4A7C15ULL) >> self.shift
            while self.index[s] != -1:
                s = (s + 1) & self.mask
            self.keys[s] = key
            self.index[s] = i

    def __dealloc__(self):
        free(self.keys)
        free(self.index)

    def __len__(self):
        return len(self.words)

    cdef inline Py_ssize_t find(self, int kind, void* data, Py_ssize_t n, uint64_t key) noexcept:
        """The index among the words of the `n` code points at `data` (key `key`), or -1."""
        cdef Py_ssize_t at
        cdef uint64_t s = (key * 0x9E3779B97F4A7C15ULL) >> self.shift
        while True:
            at = self.index[s]
            if at == -1:
                return -1
            if self.keys[s] == key and same_text(kind, data, 0, n, <str>self.words[at]):
                return at
            s = (s + 1) & self.mask


def stop_word_counts(tuple lowered, WordSet stops, WordSet gopher):
    """(how many of `lowered` are in `stops`, how many distinct members of `gopher` occur in
    `lowered`): `sum(map(stops.__contains__, lowered))` and `len(gopher.intersection(lowered))`."""
    cdef Py_ssize_t hits = 0, distinct = 0, at, n, g = len(gopher.words)
    cdef str w
    cdef int kind
    cdef void* data
    cdef uint64_t key
    cdef unsigned char* seen = <unsigned char*>malloc(g + 1)
    if not seen:
        raise MemoryError()
    memset(seen, 0, g + 1)
    try:
        for w in lowered:
            kind = PyUnicode_KIND(w)
            data = PyUnicode_DATA(w)
            n = len(w)
            key = word_key(kind, data, 0, n)
            if stops.find(kind, data, n, key) != -1:
                hits += 1
            if g:
                at = gopher.find(kind, data, n, key)
                if at != -1 and not seen[at]:
                    seen[at] = 1
                    distinct += 1
    finally:
        free(seen)
    return hits, distinct


# --- repeated lines and paragraphs, and FineWeb's line counts ---------------------------------

cdef extern from "string.h":
    int memcmp(const void* a, const void* b, size_t n) nogil


cdef Py_ssize_t count_repeats(int kind, void* data, Py_ssize_t* starts, Py_ssize_t* ends,
                              Py_ssize_t m, Py_ssize_t* repeat_chars) except -1:
    """How many of the spans text[starts[i]:ends[i]] repeat an earlier one, and (in
    `repeat_chars`) their characters: `find_duplicates` of the span strings. A key match is
    checked against the spans' code points, so the counts are exact."""
    cdef int bits = 4
    while (<Py_ssize_t>1 << bits) < 2 * m:
        bits += 1
    cdef Py_ssize_t size = <Py_ssize_t>1 << bits, i, at, length, repeats = 0, chars = 0
    cdef uint64_t mask = size - 1, key, s
    cdef int shift = 64 - bits
    cdef uint64_t* keys = <uint64_t*>malloc(size * sizeof(uint64_t))
    cdef Py_ssize_t* index = <Py_ssize_t*>malloc(size * sizeof(Py_ssize_t))
    if not keys or not index:
        free(keys)
        free(index)
        raise MemoryError()
    for i in range(size):
        index[i] = -1
    for i in range(m):
        length = ends[i] - starts[i]
        # a long span's key is its length and its first and last 16 code points: the key only
        # spreads the spans over the table (a match is checked in full below), and hashing every
        # character of every line and paragraph cost more than the rest of the loop
        if length <= 32:
            key = word_key(kind, data, starts[i], ends[i])
        else:
            key = word_key(kind, data, starts[i], starts[i] + 16) ^ (
                word_key(kind, data, ends[i] - 16, ends[i]) * MIX) ^ <uint64_t>length
        s = (key * 0x9E3779B97F4A7C15ULL) >> shift
        while True:
            at = index[s]
            if at == -1:
                keys[s] = key
                index[s] = i
                break
            if (keys[s] == key and ends[at] - starts[at] == length
                    and memcmp(<char*>data + starts[at] * kind, <char*>data + starts[i] * kind,
                               length * kind) == 0):
                repeats += 1
                chars += length
                break
            s = (s + 1) & mask
    free(keys)
    free(index)
    repeat_chars[0] = chars
    return repeats


def line_repeats(str text, str stop_chars, Py_ssize_t short_line):
    """Gopher's repeated paragraphs and lines and FineWeb's line counts, in one pass of C:
    ((paragraphs, repeats, repeat chars) of `split_paragraphs(text.strip())`,
     (lines, repeats, repeat chars) of `split_lines(text)`,
     (lines, ending in `stop_chars`, at most `short_line` long, repeat chars) of FineWeb's
     non-blank lines of `text.split("\\n")`, and `text.count("\\n")`)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text), i, newlines = 0, lo, hi, a, m, k
    cdef Py_UCS4 ch
    for i in range(n):
        if PyUnicode_READ(kind, data, i) == 10:
            newlines += 1
    cdef Py_ssize_t* starts = <Py_ssize_t*>malloc((newlines + 2) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* ends = <Py_ssize_t*>malloc((newlines + 2) * sizeof(Py_ssize_t))
    if not starts or not ends:
        free(starts)
        free(ends)
        raise MemoryError()
    cdef Py_ssize_t para_n, para_rep, para_chars, line_n, line_rep, line_chars
    cdef Py_ssize_t fw_n = 0, fw_punct = 0, fw_short = 0, fw_rep, fw_chars
    cdef bint blank
    try:
        # paragraphs: text.strip(), split at runs of two or more line breaks
        lo, hi = 0, n
        while lo < hi and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, lo)):
            lo += 1
        while hi > lo and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, hi - 1)):
            hi -= 1
        m = 0
        a = i = lo
        while i < hi:
            if PyUnicode_READ(kind, data, i) == 10:
                k = i
                while k < hi and PyUnicode_READ(kind, data, k) == 10:
                    k += 1
                if k - i >= 2:
                    starts[m] = a
                    ends[m] = i
                    m += 1
                    a = k
                i = k
            else:
                i += 1
        starts[m] = a
        ends[m] = hi
        m += 1
        para_n = m
        para_rep = count_repeats(kind, data, starts, ends, m, &para_chars)
        # lines: split at runs of line breaks (the first and last piece kept, even if empty)
        m = 0
        a = i = 0
        while i < n:
            if PyUnicode_READ(kind, data, i) == 10:
                starts[m] = a
                ends[m] = i
                m += 1
                while i < n and PyUnicode_READ(kind, data, i) == 10:
                    i += 1
                a = i
            else:
                i += 1
        starts[m] = a
        ends[m] = n
        m += 1
        line_n = m
        line_rep = count_repeats(kind, data, starts, ends, m, &line_chars)
        # FineWeb: the pieces of text.split("\n") holding a non-space character
        m = 0
        a = 0
        for i in range(n + 1):
            if i < n and PyUnicode_READ(kind, data, i) != 10:
                continue
            blank = True
            for k in range(a, i):
                if not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, k)):
                    blank = False
                    break
            if not blank:
                starts[m] = a
                ends[m] = i
                m += 1
                ch = PyUnicode_READ(kind, data, i - 1)
                if ch in stop_chars:
                    fw_punct += 1
                if i - a <= short_line:
                    fw_short += 1
            a = i + 1
        fw_n = m
        fw_rep = count_repeats(kind, data, starts, ends, m, &fw_chars)
    finally:
        free(starts)
        free(ends)
    return ((para_n, para_rep, para_chars), (line_n, line_rep, line_chars),
            (fw_n, fw_punct, fw_short, fw_chars), newlines)
