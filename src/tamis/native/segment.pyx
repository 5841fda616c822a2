# cython: language_level=3
"""Compiled twin of `tamis.text.segmentation`'s tokenizer (`python_tokens`, the word filter,
`count_letter_tokens`, the word lengths) and of `str.lower` over the words (in the same pass).

One pass over the characters finds the white-space chunks and settles the common chunks (a run
of letters, with lone marks before or after it) without a Python call; the other chunks go to
the same compiled pattern (`find`) as in Python. Each token is classified as it is made (symbol
or word, all letters, holding a letter), so the words, their characters and the letter words
come out of the same pass. `tests/text/test_segmentation_kernel.py` holds it identical to the
Python twin.
"""

cdef extern from "Python.h":
    int PyUnicode_KIND(object o)
    void* PyUnicode_DATA(object o)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil
    void PyObject_GC_UnTrack(object o)

# bits of the character table built by tamis.text.segmentation._kernel_table
cdef enum:
    LONE = 1  # a lone mark (_LONE_MARKS): always a token of its own
    TRAILING = 2  # _TRAILING_MARKS: a lone mark or "."
    PUNCT = 4  # PUNCT_CHARS: a one-character symbol token
    LETTER = 8  # HAS_LETTER matches it
    ALPHA_CHAR = 16  # str.isalpha() (a table lookup instead of a call per character)
    LOWER_KEEPS = 32  # str.lower() leaves it as it is

# the kind of token a span is, as bits
cdef enum:
    WORD = 1  # not in SYMBOL_TOKENS
    ALPHA = 2  # str.isalpha()
    HAS_LETTER = 4  # HAS_LETTER.search() finds something
    LOWER_SAME = 8  # str.lower() gives the same string


cdef inline int classify(int kind, void* data, Py_ssize_t a, Py_ssize_t b,
                         const unsigned char[::1] table):
    """WORD / ALPHA / HAS_LETTER bits of text[a:b] (a non-empty token)."""
    cdef Py_ssize_t n = b - a, i
    cdef Py_UCS4 ch, first = PyUnicode_READ(kind, data, a)
    cdef bint alpha = True, letter = False, same = True, keeps = True
    cdef unsigned char bits
    for i in range(a, b):
        ch = PyUnicode_READ(kind, data, i)
        bits = table[ch]
        if not bits & ALPHA_CHAR:
            alpha = False
        if bits & LETTER:
            letter = True
        if not bits & LOWER_KEEPS:
            keeps = False
        if ch != first:
            same = False
    cdef bint symbol
    if n == 1:
        symbol = (table[first] & PUNCT) != 0
    else:
        # SYMBOL_TOKENS' runs: "..", "__", "--" up to 12 long
        symbol = n <= 12 and same and (first == 0x2E or first == 0x5F or first == 0x2D)
    return ((0 if symbol else WORD) | (ALPHA if alpha else 0) | (HAS_LETTER if (alpha or letter) else 0)
            | (LOWER_SAME if keeps else 0))


cdef class _Out:
    """The lists and counts one text's tokens go to."""
    cdef list tokens
    cdef list words
    cdef list lowered
    cdef Py_ssize_t word_chars
    cdef Py_ssize_t letter_words

    def __cinit__(self):
        self.tokens = []
        self.words = []
        self.lowered = []
        self.word_chars = 0
        self.letter_words = 0


cdef inline void add(_Out out, str token, int bits, Py_ssize_t n):
    out.tokens.append(token)
    if bits & WORD:
        out.words.append(token)
        # most words are in lower case already: the same object, no new string
        out.lowered.append(token if bits & LOWER_SAME else token.lower())
        out.word_chars += n
        if bits & HAS_LETTER:
            out.letter_words += 1


cdef inline void add_span(_Out out, str text, int kind, void* data, Py_ssize_t a, Py_ssize_t b,
                          const unsigned char[::1] table):
    add(out, text[a:b], classify(kind, data, a, b, table), b - a)


cdef void add_each(_Out out, str text, int kind, void* data, Py_ssize_t a, Py_ssize_t b,
                   const unsigned char[::1] table):
    """Every character of text[a:b] as a token of its own."""
    cdef Py_ssize_t i
    for i in range(a, b):
        add_span(out, text, kind, data, i, i + 1, table)


cdef void add_found(_Out out, list found, const unsigned char[::1] table):
    """Tokens the pattern found (Python strings)."""
    cdef str token
    for token in found:
        add(out, token, classify(PyUnicode_KIND(token), PyUnicode_DATA(token), 0, len(token), table),
            len(token))


def tokenize(str text, const unsigned char[::1] table, object find, object keeps_period):
    """(tokens, words, lowered words, word_chars, letter_words) of `text`, as `python_tokens`, the
    SYMBOL_TOKENS filter, `str.lower` and `count_letter_tokens` give them; `find` is the findall of
    the pattern that `python_tokens` would use for this text."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text), i = 0, a, b, left, right, j
    cdef Py_UCS4 ch
    cdef bint alpha, dots, keeps
    cdef unsigned char bits
    cdef _Out out = _Out()
    cdef str core, token
    while i < n:
        ch = PyUnicode_READ(kind, data, i)
        if Py_UNICODE_ISSPACE(ch):
            i += 1
            continue
        a = i
        alpha = keeps = True
        while i < n:
            ch = PyUnicode_READ(kind, data, i)
            if Py_UNICODE_ISSPACE(ch):
                break
            bits = table[ch]
            if not bits & ALPHA_CHAR:
                alpha = False
            if not bits & LOWER_KEEPS:
                keeps = False
            i += 1
        b = i
        if alpha:  # three chunks in four: one word
            token = text[a:b]
            out.tokens.append(token)
            out.words.append(token)
            out.lowered.append(token if keeps else token.lower())
            out.word_chars += b - a
            out.letter_words += 1
            continue
        # chunk.lstrip(_LONE_MARKS), then .rstrip(_TRAILING_MARKS)
        left = a
        while left < b:
            ch = PyUnicode_READ(kind, data, left)
            if not table[ch] & LONE:
                break
            left += 1
        right = b
        while right > left:
            ch = PyUnicode_READ(kind, data, right - 1)
            if not table[ch] & TRAILING:
                break
            right -= 1
        alpha = right > left
        for j in range(left, right):
            if not table[PyUnicode_READ(kind, data, j)] & ALPHA_CHAR:
                alpha = False
                break
        if not alpha:
            if left < b:
                add_found(out, find(text[a:b]), table)
            else:  # only lone marks: one token each
                add_each(out, text, kind, data, a, b, table)
            continue
        add_each(out, text, kind, data, a, left, table)
        if right == b:
            add_span(out, text, kind, data, left, right, table)
            continue
        dots = False
        for j in range(right, b - 1):
            if PyUnicode_READ(kind, data, j) == 0x2E and PyUnicode_READ(kind, data, j + 1) == 0x2E:
                dots = True
                break
        if dots:  # "...": one token; "word..": its own rules
            add_found(out, find(text[left:b]), table)
            continue
        core = text[left:right]
        if PyUnicode_READ(kind, data, right) == 0x2E and core in keeps_period:  # "Mr." or "J."
            add_span(out, text, kind, data, left, right + 1, table)
            add_each(out, text, kind, data, right + 1, b, table)
        else:
            add(out, core, classify(kind, data, left, right, table), right - left)
            add_each(out, text, kind, data, right, b, table)
    return _untracked(out.tokens), _untracked(out.words), _untracked(out.lowered), out.word_chars, out.letter_words


cdef tuple _untracked(list strings):
    """`tuple(strings)`, untracked by the cyclic garbage collector: a tuple of str is in no cycle,
    and the collector would untrack it anyway, but only after visiting each of its items once.
    The pipeline keeps a batch's segmentations (`segmentation.CACHED_SEGMENTATIONS`), so that
    visit comes (a few ms a batch, in whichever step's allocations trigger it: docs/speed.md, "mt2")."""
    cdef tuple result = tuple(strings)
    if len(result):  # the empty tuple is a shared singleton, never tracked
        PyObject_GC_UnTrack(result)
    return result
