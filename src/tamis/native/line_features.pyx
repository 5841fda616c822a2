# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The per-line loops of repair/line_features.py and of the debris model (repair/debris_lines.py).

The Python twins stay beside the code that uses them (line_features._features, _main_text,
TreeEnsemble.leaves, DebrisModel.deciding_features) and are the reference: tests/repair/
test_debris_kernel.py requires identical results, bit for bit. So the arithmetic here follows
numpy's exactly: float32 where the twin computes in float32 (the +-3/+-10 line means: a running
float32 sum, subtracted, divided), float64 where numpy promotes to it (shares: int64 / float64),
and every transcendental function (log, log1p, log2) is left to the numpy calls the twin makes,
on arrays of the same dtype and layout, since numpy's SIMD versions need not round as libm does.
"""

from cpython.unicode cimport (
    PyUnicode_1BYTE_DATA,
    PyUnicode_1BYTE_KIND,
    PyUnicode_2BYTE_DATA,
    PyUnicode_2BYTE_KIND,
    PyUnicode_4BYTE_DATA,
    PyUnicode_KIND,
)
from libc.math cimport isnan
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t
from libc.string cimport memset

# character classes and line ends: the numbers of line_features.py (checked by the tests)
cdef enum:
    SPACE = 0
    LOWER = 1
    UPPER = 2
    LETTER = 3
    DIGIT = 4
    STOP = 5
    PUNCT = 6
    SEPARATOR = 7
    PIPE = 8
    SYMBOL = 9
    NEWLINE = 10
    OTHER = 11
    N_CLASSES = 12
    END_STOP = 0
    END_QUOTE = 3
    N_ENDS = 8
    # a line's rough shape: start class, end, digits or not, length class below 32
    N_SHAPES = N_CLASSES * N_ENDS * 2 * 32

# line feature columns (LINE_FEATURES)
cdef int[7] SHARES = [UPPER, LOWER, LETTER, DIGIT, PUNCT, SEPARATOR, SYMBOL]
# the starts_* column of each start class, -1 for none
cdef int[12] START_COLUMN = [-1, 1, 0, 2, 3, 4, 5, 6, -1, 7, -1, -1]


ctypedef fused code_unit:
    uint8_t
    uint16_t
    uint32_t


cdef inline int64_t count_classes(
    const code_unit* data, Py_ssize_t length, const uint8_t* table, int64_t* counts
) noexcept nogil:
    """Add the class of each character to `counts`; count the words (runs of letters and digits)
    into the return value and those that start with a capital into counts[N_CLASSES + 1]."""
    cdef Py_ssize_t j
    cdef uint8_t c
    cdef bint inside = False, letter_or_digit
    cdef int64_t words = 0, capitals = 0
    for j in range(length):
        c = table[data[j]]
        counts[c] += 1
        letter_or_digit = LOWER <= c <= DIGIT
        if letter_or_digit and not inside:
            words += 1
            capitals += c == UPPER
        inside = letter_or_digit
    counts[N_CLASSES + 1] = capitals
    return words


cdef inline bint stamp_possible(
    const code_unit* data, Py_ssize_t length, const uint8_t* table
) noexcept nogil:
    """Whether a digit, one of ":-/.年" and a digit follow each other somewhere: every
    alternative of the twin's _STAMP needs that (its \\d are decimal digits, all of the DIGIT
    class), so the line can match only then."""
    cdef Py_ssize_t j
    cdef uint32_t middle
    for j in range(1, length - 1):
        middle = data[j]
        if (
            (middle == 58 or middle == 45 or middle == 47 or middle == 46 or middle == 0x5E74)
            and table[data[j - 1]] == DIGIT
            and table[data[j + 1]] == DIGIT
        ):
            return True
    return False


def line_columns(
    list lines,
    const uint8_t[::1] cls_table,
    const uint8_t[::1] end_table,
    const int64_t[::1] length_class,
    object menu,
    object gate_search,
    str count_closers,
    object count_end_search,
    object stamp_search,
    float[:, ::1] out,
    double[:, ::1] amounts,
    float[:, ::1] python_side,
    double[::1] units,
    uint8_t[::1] prose,
    int64_t[::1] chars,
):
    """The own-line columns of `out` that need no logarithm (`_features`' base[:, 4:36] but
    29), the amounts of columns 0-3 before log1p, the six `python_side` columns (copies, menu
    item, gate word, trailing count, stamp, shape copies), and per line its word units, whether
    it is prose and its length; returns the page's length in characters. `length_class` must
    cover every line's length."""
    cdef Py_ssize_t n = len(lines), i, j
    cdef Py_UCS4 first, last
    cdef uint8_t start_class, end
    cdef int64_t counts[14]
    cdef int64_t words, capitals, letters, safe_words, length, total = 0
    cdef double solid, u
    cdef int shape
    cdef int shape_count[N_SHAPES]
    cdef int[::1] shapes
    cdef str s, low
    cdef dict copies = {}
    cdef object menu_contains = menu.__contains__
    cdef const uint8_t* table = &cls_table[0]
    cdef unsigned int kind
    cdef bint possible
    import numpy as np

    shapes_array = np.empty(n, dtype=np.intc)
    shapes = shapes_array
    memset(shape_count, 0, sizeof(shape_count))
    for i in range(n):
        s = <str>lines[i]
        copies[s] = copies.get(s, 0) + 1
        memset(counts, 0, sizeof(counts))
        length = len(s)
        kind = PyUnicode_KIND(s)
        if kind == PyUnicode_1BYTE_KIND:
            words = count_classes(<uint8_t*>PyUnicode_1BYTE_DATA(s), length, table, counts)
        elif kind == PyUnicode_2BYTE_KIND:
            words = count_classes(<uint16_t*>PyUnicode_2BYTE_DATA(s), length, table, counts)
        else:
            words = count_classes(<uint32_t*>PyUnicode_4BYTE_DATA(s), length, table, counts)
        capitals = counts[N_CLASSES + 1]
        # an empty line (not given by the step) reads its newline, as the twin's code points do
        first = s[0] if length else 10
        last = s[length - 1] if length else 10
        start_class = cls_table[first]
        end = end_table[last]
        shape = ((start_class * N_ENDS + end) * 2 + (counts[DIGIT] > 0)) * 32 + <int>length_class[length]
        shapes[i] = shape
        shape_count[shape] += 1
        chars[i] = length
        total += length
        counts[PUNCT] += counts[STOP]
        amounts[i, 0] = <double>length
        amounts[i, 1] = <double>words
        amounts[i, 2] = <double>counts[LETTER]
        amounts[i, 3] = <double>counts[PIPE]
        # np.maximum(chars - spaces, 1): float32 chars minus int64 spaces, in float64
        solid = <double><float>length - <double>counts[SPACE]
        if solid < 1:
            solid = 1
        for j in range(7):
            out[i, 4 + j] = <float>(<double>counts[SHARES[j]] / solid)
        safe_words = words if words > 1 else 1
        letters = counts[UPPER] + counts[LOWER] + counts[LETTER]
        out[i, 11] = <float>(<double>capitals / <double>safe_words)
        out[i, 12] = <float>(<double>letters / <double>safe_words)
        for j in range(8):
            out[i, 13 + j] = 1.0 if j == end else 0.0
            out[i, 21 + j] = 0.0
        if START_COLUMN[start_class] >= 0:
            out[i, 21 + START_COLUMN[start_class]] = 1.0
        # words for every script: where runs of letters are long, two letters count as a word
        u = <double>letters / 2 if letters > 8 * words else <double>words
        units[i] = u
        out[i, 32] = 1.0 if end == END_STOP and u >= 8 else 0.0
        out[i, 33] = 1.0 if u <= 3 else 0.0
        prose[i] = (end == END_STOP or end == END_QUOTE) and u >= 5
        # the patterns run only where they can match, as in the twin
        python_side[i, 1] = 0.0
        python_side[i, 2] = 0.0
        if length <= 80:
            low = s.lower()
            if length <= 40 and menu_contains(low):
                python_side[i, 1] = 1.0
            if gate_search(low) is not None:
                python_side[i, 2] = 1.0
        python_side[i, 3] = 1.0 if (
            length and s[length - 1] in count_closers and count_end_search(s) is not None
        ) else 0.0
        python_side[i, 4] = 0.0
        if counts[DIGIT] >= 3 and length <= 200:
            if kind == PyUnicode_1BYTE_KIND:
                possible = stamp_possible(<uint8_t*>PyUnicode_1BYTE_DATA(s), length, table)
            elif kind == PyUnicode_2BYTE_KIND:
                possible = stamp_possible(<uint16_t*>PyUnicode_2BYTE_DATA(s), length, table)
            else:
                possible = stamp_possible(<uint32_t*>PyUnicode_4BYTE_DATA(s), length, table)
            if possible and stamp_search(s) is not None:
                python_side[i, 4] = 1.0
        out[i, 30] = python_side[i, 1]
        out[i, 31] = python_side[i, 2]
        out[i, 34] = python_side[i, 3]
        out[i, 35] = python_side[i, 4]
    for i in range(n):
        python_side[i, 0] = <float>(<int64_t>copies[lines[i]])
        python_side[i, 5] = <float>shape_count[shapes[i]]
    return total


def context_and_position(
    float[:, ::1] out,
    Py_ssize_t width,
    double[:, ::1] logged,
    const double[::1] units,
    const uint8_t[::1] prose,
    const int64_t[::1] chars,
    int64_t total_chars,
    int short_line_cost,
):
    """The neighbour columns of `out` (previous line, next line, means over +-3 and +-10
    lines of the own-line columns, which must be filled), the position columns that are not
    taken log1p of, and `logged` (POSITION_FEATURES rows 0-9 of the twin's `rows`, before
    log1p). The last position column (log_chars_over_page_mean) is left to the caller.
    `total_chars` must be below 2**24 (the twin's float32 sums are then exact)."""
    cdef Py_ssize_t n = out.shape[0], i, j, k, low, high
    cdef Py_ssize_t pos = 5 * width
    cdef float counted
    cdef float[:, ::1] cumulative
    cdef int[2] lows = [-3, -10]
    cdef int[2] highs = [4, 11]
    import numpy as np

    # neighbours
    for j in range(width):
        out[0, width + j] = 0
        out[n - 1, 2 * width + j] = 0
    for i in range(1, n):
        for j in range(width):
            out[i, width + j] = out[i - 1, j]
            out[i - 1, 2 * width + j] = out[i, j]
    # window means from a running float32 sum (row i: the sum of the lines before i)
    cumulative = np.empty((n + 1, width), dtype=np.float32)
    for j in range(width):
        cumulative[0, j] = 0
    for i in range(n):
        for j in range(width):
            cumulative[i + 1, j] = cumulative[i, j] + out[i, j]
    for i in range(n):
        for k in range(2):
            low = i + lows[k]
            high = i + highs[k]
            low = 0 if low < 0 else (n if low > n else low)
            high = 0 if high < 0 else (n if high > n else high)
            counted = <float>(high - low)
            for j in range(width):
                out[i, (3 + k) * width + j] = (cumulative[high, j] - cumulative[low, j]) / counted

    # position: the main text, the largest-sum stretch of prose words, short lines costing
    cdef double total = 0, lowest = 0, best = 0, score, diff
    cdef Py_ssize_t start = 0, stop = 0, lowest_at = 0
    for i in range(n):
        if total < lowest:
            lowest = total
            lowest_at = i
        total += units[i] if prose[i] else -short_line_cost
        diff = total - lowest
        if i == 0 or diff > best:
            best = diff
            start = lowest_at
            stop = i
    # numpy's argmin over sums[:end + 1] is the first lowest: `lowest_at` kept the first one
    cdef double page_prose = 0
    for i in range(n):
        if prose[i]:
            page_prose += units[i]
    cdef double prose_total = <double>(<int64_t>page_prose)
    if prose_total < 1:
        prose_total = 1
    # prose blocks: prose lines with at most one other line between them
    cdef Py_ssize_t blocks = 0, largest = 0, last_prose = -1, block
    sizes_array = np.zeros(n + 1, dtype=np.float64)
    cdef double[::1] sizes = sizes_array
    for i in range(n):
        if prose[i]:
            if last_prose < 0 or i - last_prose > 2:
                blocks += 1
            sizes[blocks - 1] += units[i]
            last_prose = i
    for k in range(1, blocks):
        if sizes[k] > sizes[largest]:
            largest = k
    # the prose line before each line (strictly) and after it
    next_array = np.empty(n, dtype=np.intp)
    cdef Py_ssize_t[::1] next_at = next_array
    cdef Py_ssize_t following = n
    for i in range(n - 1, -1, -1):
        next_at[i] = following
        if prose[i]:
            following = i
    cdef Py_ssize_t previous = -1
    cdef double before = 0, cum = 0, words_here
    cdef double page_lines = <double>n, page_chars = <double>(total_chars if total_chars > 1 else 1)
    cdef int64_t chars_before = 0
    cdef float page_chars32 = <float>page_chars
    block = 0
    last_prose = -1
    for i in range(n):
        words_here = units[i] if prose[i] else 0
        cum += words_here
        before = cum - words_here
        if prose[i]:
            if last_prose >= 0 and i - last_prose > 2:
                block += 1
            last_prose = i
        logged[0, i] = <double>i
        logged[1, i] = <double>(n - 1 - i)
        logged[2, i] = page_lines
        logged[3, i] = page_chars
        logged[4, i] = <double>max(max(start - i, i - stop), 0)
        logged[5, i] = <double>(i - previous) if previous >= 0 else page_lines
        logged[6, i] = <double>(next_at[i] - i) if next_at[i] < n else page_lines
        logged[7, i] = 0 if prose[i] else <double>(next_at[i] - previous - 1)
        if blocks:
            logged[8, i] = sizes[block]
            logged[9, i] = <double>blocks
            out[i, pos + 14] = <float>(sizes[block] / sizes[largest])
            out[i, pos + 15] = 1.0 if block < largest else 0.0
            out[i, pos + 16] = 1.0 if block > largest else 0.0
        else:
            logged[8, i] = 0
            logged[9, i] = 0
            out[i, pos + 14] = 0
            out[i, pos + 15] = 0
            out[i, pos + 16] = 0
        out[i, pos + 0] = <float>(<double>i / <double>(n - 1 if n > 1 else 1))
        # (chars.cumsum() - chars) / total in float32, as the twin computes it
        out[i, pos + 1] = <float>chars_before / page_chars32
        chars_before += chars[i]
        out[i, pos + 6] = 1.0 if start <= i <= stop else 0.0
        out[i, pos + 8] = <float>(before / prose_total)
        out[i, pos + 9] = <float>((prose_total - before - words_here) / prose_total)
        if prose[i]:
            previous = i


def tree_leaves(const float[:, ::1] x, const Py_ssize_t[:, ::1] feature, const float[:, ::1] threshold):
    """(rows, trees): the leaf (heap index) each row of `x` reaches in each tree (a complete
    binary tree in heap order; right where the value is above the threshold)."""
    cdef Py_ssize_t n = x.shape[0], trees = feature.shape[0], inner = feature.shape[1]
    cdef Py_ssize_t i, t, node
    import numpy as np

    leaves_array = np.empty((n, trees), dtype=np.intp)
    cdef Py_ssize_t[:, ::1] leaves = leaves_array
    for i in range(n):
        for t in range(trees):
            node = 0
            while node < inner:
                node = 2 * node + 1 + (x[i, feature[t, node]] > threshold[t, node])
            leaves[i, t] = node
    return leaves_array


def leaf_values(const Py_ssize_t[:, ::1] leaves, const float[:, ::1] value):
    """(rows, trees) float32: the value of the leaf each row reached in each tree."""
    cdef Py_ssize_t n = leaves.shape[0], trees = leaves.shape[1], i, t
    import numpy as np

    values_array = np.empty((n, trees), dtype=np.float32)
    cdef float[:, ::1] values = values_array
    for i in range(n):
        for t in range(trees):
            values[i, t] = value[t, leaves[i, t]]
    return values_array


cdef inline void linear_contributions(
    const float* x, const float* mean, const float* scale, const float* weights, double* out, Py_ssize_t width
) noexcept nogil:
    """out[j] = float32 ((x - mean) / scale * weight), as numpy computes it (a plain loop the
    compiler vectorises: float32 division and product are exact IEEE operations either way)."""
    cdef Py_ssize_t j
    cdef float z
    for j in range(width):
        z = (x[j] - mean[j]) / scale[j]
        out[j] = <double>(z * weights[j])


cdef inline bint greater(double a, double b) noexcept nogil:
    """numpy's argmax order: a NaN above everything, else the larger value."""
    return (isnan(a) and not isnan(b)) or a > b


def top_linear_features(
    const float[:, ::1] x,
    const float[::1] mean,
    const float[::1] scale,
    const float[::1] weights,
    leaves,
    tree_feature,
    tree_value,
    words,
    int top,
):
    """For each row of `x`, the columns of the `top` largest contributions to a linear model's
    logit (standardised value x weight, in float32, plus in float64 the change of score each
    feature's tree splits made on the way to `leaves`), in the order repeated numpy argmax
    picks them (the first of equals first, a NaN above all); `words` (or None): one more
    column, the rows' logit share from their hashed words."""
    cdef Py_ssize_t n = x.shape[0], width = x.shape[1], i, j, k, m, t, d, best
    cdef Py_ssize_t columns = width + (0 if words is None else 1)
    cdef Py_ssize_t trees = 0, inner = 0, depth = 0, node, parent, picked
    cdef const Py_ssize_t[:, ::1] reached
    cdef const Py_ssize_t[:, ::1] features
    cdef const float[:, ::1] values
    cdef const double[::1] word_share
    cdef double v, bestv, spread, kept_low
    cdef bint plain
    cdef Py_ssize_t slot[8]
    import numpy as np

    contribution_array = np.empty(columns, dtype=np.float64)
    cdef double[::1] contribution = contribution_array
    cdef double* c = &contribution[0]
    if top > columns:
        top = columns
    order_array = np.empty((n, top), dtype=np.intp)
    if n == 0 or top <= 0:
        return order_array
    cdef Py_ssize_t[:, ::1] order = order_array
    if leaves is not None:
        reached = leaves
        features = tree_feature
        values = tree_value
        trees = features.shape[0]
        inner = features.shape[1]
        while (1 << (depth + 1)) - 1 <= inner:
            depth += 1
    if words is not None:
        word_share = words
    credit_array = np.zeros(width, dtype=np.float64)
    cdef double[::1] credit = credit_array
    for i in range(n):
        linear_contributions(&x[i, 0], &mean[0], &scale[0], &weights[0], c, width)
        if trees:
            # the trees' credits: each split's change of score, added in the twin's order (its
            # bincount sums the steps up from the leaves, depth by depth, tree by tree, onto
            # zero, and adds the float64 total to the float32 product)
            for j in range(width):
                credit[j] = 0
            add_credits(credit, reached, features, values, i, trees, depth)
            for j in range(width):
                c[j] = c[j] + credit[j]
        if words is not None:
            c[width] = word_share[i]
        # a row of finite values: one pass keeps the `top` largest, earlier columns first
        # among equals (what repeated argmax gives); NaN or infinities: repeated argmax itself
        plain = top <= 8
        spread = 0
        for j in range(columns):
            spread += c[j] - c[j]  # 0 for finite values, NaN as soon as one is not
        if plain and spread == 0:
            m = 0
            kept_low = 0
            for j in range(columns):
                v = c[j]
                if m == top and not v > kept_low:
                    continue
                k = m if m < top else top - 1
                while k > 0 and v > c[slot[k - 1]]:
                    slot[k] = slot[k - 1]
                    k -= 1
                slot[k] = j
                if m < top:
                    m += 1
                kept_low = c[slot[m - 1]]
            for k in range(top):
                order[i, k] = slot[k]
            continue
        for k in range(top):
            best = 0
            bestv = c[0]
            for j in range(1, columns):
                if greater(c[j], bestv):
                    best = j
                    bestv = c[j]
            order[i, k] = best
            c[best] = -1.0 / 0.0
    return order_array


cdef inline void add_credits(
    double[::1] credit,
    const Py_ssize_t[:, ::1] reached,
    const Py_ssize_t[:, ::1] features,
    const float[:, ::1] values,
    Py_ssize_t i,
    Py_ssize_t trees,
    Py_ssize_t depth,
) noexcept nogil:
    """Add row i's credits: each split's change of score on the way to its leaves."""
    cdef Py_ssize_t d, t, k, node, parent
    for d in range(depth):
        for t in range(trees):
            node = reached[i, t]
            for k in range(d):
                node = (node - 1) // 2
            parent = (node - 1) // 2
            credit[features[t, parent]] += <double>(values[t, node] - values[t, parent])


def nonblank_lines(list lines):
    """(the index of each line that is not blank, those lines stripped): what the step reads."""
    cdef list index = [], stripped = []
    cdef Py_ssize_t i
    cdef str s
    for i in range(len(lines)):
        s = <str>lines[i]
        if s and not s.isspace():
            index.append(i)
            stripped.append(s.strip())
    return index, stripped


def evidence_texts(const Py_ssize_t[:, ::1] order, tuple names, list probabilities):
    """Each row's evidence as the step writes it: "p=0.912; name, name, name"."""
    cdef Py_ssize_t i, k
    cdef list texts = []
    cdef list parts
    for i in range(order.shape[0]):
        parts = [names[order[i, k]] for k in range(order.shape[1])]
        texts.append(f"p={probabilities[i]:.3f}; " + ", ".join(parts))
    return texts
