"""Features of every line of a page and of its neighbours, as one numpy matrix.

The learned debris-line step (repair/debris_lines.py) and its training script
(bench/train_debris.py) share this one definition, so the model sees at run time exactly the
features it was trained on. Nothing here knows a language: characters are counted by Unicode
class (a table over every code point, built once per process), and the only vocabulary is the
menu, share-bar and gate words of the boilerplate patterns (repair/patterns/boilerplate.toml),
read through tamis.text.boilerplate_patterns as the boilerplate step reads them, not copied.

Everything is computed for the whole page at once (a code-point array, `bincount` by line), so a
page costs a few dozen numpy calls whatever its length: the per-call overhead, not the text,
dominates on short pages (bench/realpages.py prints the step's speed).
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

import numpy as np

from tamis.native import kernel
from tamis.text.boilerplate_patterns import line_vocabulary
from tamis.text.chars import CODE_POINTS, category_table
from tamis.text.prefilter import any_of

# character classes (one byte per code point)
SPACE, LOWER, UPPER, LETTER, DIGIT, STOP, PUNCT, SEPARATOR, PIPE, SYMBOL, NEWLINE, OTHER = range(12)
N_CLASSES = 12
#: sentence-final marks in many scripts: Latin/Greek/Cyrillic, CJK, Arabic, Devanagari,
#: Armenian, Ethiopic, Myanmar, Thai has none (space), Tibetan shad
_STOPS = ".!?…。！？｡؟۔।॥։።။།"
_SEPARATORS = "·•/»›>«‹<–—:;~*►▶◄◀■□●○◆◇★☆✓✔➤→←|¦"
# how a line ends (the last character that is not white space)
END_STOP, END_COLON, END_COMMA, END_QUOTE, END_CLOSE, END_DIGIT, END_LETTER, END_OTHER = range(8)
N_ENDS = 8
_COUNT_CLOSERS = ")]）】"
_COUNT_END = re.compile(r"[(\[（【]\s*\d+\s*[)\]）】]$")
_STAMP = re.compile(r"\d{1,2}:\d\d|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_QUOTES = "\"'»«“”„‘’›‹」』"
_CLOSERS = ")]}）】》"


@cache
def char_tables() -> tuple[np.ndarray, np.ndarray]:
    """(class of every code point, end kind of every code point). Built once per process."""
    by_category = {
        "Zs": SPACE,
        "Ll": LOWER,
        "Lu": UPPER,
        "Lt": UPPER,
        "Lo": LETTER,
        "Lm": LETTER,
        "Mn": LETTER,
        "Mc": LETTER,
        "Me": LETTER,
        "Nd": DIGIT,
        "Nl": DIGIT,
        "No": DIGIT,
        "Pc": PUNCT,
        "Pd": PUNCT,
        "Ps": PUNCT,
        "Pe": PUNCT,
        "Pi": PUNCT,
        "Pf": PUNCT,
        "Po": PUNCT,
        "Sm": SYMBOL,
        "Sc": SYMBOL,
        "Sk": SYMBOL,
        "So": SYMBOL,
    }
    cls = category_table(by_category, OTHER)
    cls[ord("\t")] = SPACE
    for c in _SEPARATORS:
        cls[ord(c)] = SEPARATOR
    for c in _STOPS:
        cls[ord(c)] = STOP
    cls[ord("|")] = PIPE
    cls[ord("\n")] = NEWLINE
    ends = np.full(CODE_POINTS, END_OTHER, dtype=np.uint8)
    ends[cls == STOP] = END_STOP
    ends[(cls == LOWER) | (cls == UPPER) | (cls == LETTER)] = END_LETTER
    ends[cls == DIGIT] = END_DIGIT
    for chars, kind in (
        (":：", END_COLON),
        (",;，、；", END_COMMA),
        (_QUOTES, END_QUOTE),
        (_CLOSERS, END_CLOSE),
    ):
        for c in chars:
            ends[ord(c)] = kind
    return cls, ends


@cache
def vocabulary() -> tuple[frozenset[str], re.Pattern[str]]:
    """(menu and share-bar items, the scan for any gate word of the boilerplate rules: cookie,
    newsletter, comment-form words …), from the shared patterns."""
    items, gate_words = line_vocabulary()
    return items, any_of(gate_words)


#: names of the per-line features, in column order (the model file lists them too)
LINE_FEATURES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "log_caseless_letters",
    "log_pipes",
    "upper_share",
    "lower_share",
    "caseless_share",
    "digit_share",
    "punct_share",
    "separator_share",
    "symbol_share",
    "capitalised_word_share",
    "mean_word_length",
    *(f"ends_{k}" for k in ("stop", "colon", "comma", "quote", "close", "digit", "letter", "other")),
    *(f"starts_{k}" for k in ("upper", "lower", "caseless", "digit", "stop", "punct", "separator", "symbol")),
    "log_copies_in_page",
    "menu_item",
    "gate_word",
    "long_sentence",
    "short_line",
    # templated lines, in digits only so in every script: a trailing count ("Sport (12)",
    # category and archive lists), a clock time or a numeric date (comment headers, ticker
    # stamps), and how many lines of the page share the line's rough shape (how it starts and
    # ends, digits or not, length to a factor of two: "#3 Name 2013/12/28 20:34" headers)
    "ends_count",
    "time_or_date",
    "log_shape_copies_in_page",
)
#: page-level and position features, appended once
POSITION_FEATURES: tuple[str, ...] = (
    "relative_line",
    "relative_char",
    "log_lines_before",
    "log_lines_after",
    "log_page_lines",
    "log_page_chars",
    # the main text: the run of lines with the most prose words, short lines costing a little
    # (the largest-sum stretch of `_prose_score`), where news and blog gold text sits
    "in_main_text",
    "log_lines_to_main_text",
    "prose_before_share",
    "prose_after_share",
    "log_lines_since_prose",
    "log_lines_until_prose",
    "log_nonprose_run",
    # prose blocks: prose lines with at most one other line between them; comments make many
    # small blocks after the article's big one
    "log_block_words",
    "block_share_of_largest",
    "block_before_largest",
    "block_after_largest",
    "log_blocks",
    "log_chars_over_page_mean",
)
#: what a line that is not prose costs the main-text stretch, in prose words
SHORT_LINE_COST = 5
CONTEXT = ("prev", "next", "mean3", "mean10")
FEATURE_NAMES: tuple[str, ...] = (
    *LINE_FEATURES,
    *(f"{c}.{f}" for c in CONTEXT for f in LINE_FEATURES),
    *POSITION_FEATURES,
)
_WORD_START, _CAPITAL_START = N_CLASSES, N_CLASSES + 1  # extra count columns
_K = N_CLASSES + 2
_SHARES = [UPPER, LOWER, LETTER, DIGIT, PUNCT, SEPARATOR, SYMBOL]
_STARTS = [UPPER, LOWER, LETTER, DIGIT, STOP, PUNCT, SEPARATOR, SYMBOL]
_ONE_HOT = np.eye(N_CLASSES, dtype=np.float32)
_END_ONE_HOT = np.eye(N_ENDS, dtype=np.float32)
_START_ONE_HOT = _ONE_HOT[:, _STARTS]
_SHARES_AT = np.array(_SHARES)
#: classes that make up words: letters of any case and digits
_WORDISH = np.zeros(N_CLASSES, dtype=bool)
_WORDISH[LOWER : DIGIT + 1] = True
_LOG_COUNTS = np.array([LETTER, PIPE])
_WINDOWS = np.array([-3, 4, -10, 11])  # +-3 and +-10 lines, as [start, end) offsets
_N_FEATURES = len(FEATURE_NAMES)
#: a line ending so counts towards prose (with 5 words or more)
_PROSE_END = np.zeros(N_ENDS, dtype=bool)
_PROSE_END[[END_STOP, END_QUOTE]] = True
#: the POSITION_FEATURES column of each row `page_features` computes them in; the first
#: _N_LOG_ROWS are taken log1p of
_POSITION_ROWS_AT = np.array([2, 3, 4, 5, 7, 10, 11, 12, 13, 17, 0, 1, 6, 8, 9, 14, 15, 16])
_N_LOG_ROWS = 10


def page_features(lines: list[str]) -> np.ndarray:
    """The feature matrix of a page's lines (one row per line, `FEATURE_NAMES` columns, float32).

    `lines` must be stripped and not empty (the step drops blank lines before and puts them
    back after: the training pages have none).

    >>> x = page_features(["Home | News | Sport", "The council met on Monday and voted to keep the library open."])
    >>> x.shape == (2, len(FEATURE_NAMES))
    True
    >>> float(x[0, FEATURE_NAMES.index("log_pipes")]) > 0, float(x[1, FEATURE_NAMES.index("ends_stop")])
    (True, 1.0)
    """
    compiled = kernel("line_features")
    if compiled is not None:
        return _features_compiled(lines, compiled)
    points, cls = _code_points(lines)
    return _features(lines, points, cls)


def page_features_and_tokens(lines: list[str]) -> tuple[np.ndarray, Tokens]:
    """`page_features` and `line_tokens` of a page, reading its characters once."""
    points, cls = _code_points(lines)
    compiled = kernel("line_features")
    x = _features(lines, points, cls) if compiled is None else _features_compiled(lines, compiled)
    return x, _tokens(points, cls, len(lines))


#: the twin's float32 sums of line lengths are exact below this; a longer page (never seen in
#: a crawl) takes the twin's own numpy calls for its two columns that use them
_EXACT_CHARS = 2**24
_LOGGED_AT = _POSITION_ROWS_AT[:_N_LOG_ROWS]  # the position columns taken log1p of
_length_class_table: list[np.ndarray] = []  # [np.log2(chars + 1) as the twin rounds it], grown as needed


def _length_classes(longest: int) -> np.ndarray:
    """`np.log2(chars + 1).astype(np.int64)` (float32 `chars`, as `_features` computes a line's
    length class) for every length up to `longest` at least: numpy's own call over a range,
    so rounded as the twin's call rounds each value."""
    if not _length_class_table or len(_length_class_table[0]) <= longest:
        size = max(longest + 1, 2 * len(_length_class_table[0]) if _length_class_table else 4096)
        lengths = np.arange(size, dtype=np.float32)
        _length_class_table[:] = [np.log2(lengths + 1).astype(np.int64)]
    return _length_class_table[0]


def _features_compiled(lines: list[str], compiled: ModuleType) -> np.ndarray:
    """`_features` with its per-line loops in the compiled kernel (native/line_features.pyx);
    the logarithms are the twin's own numpy calls on arrays of the same dtype and layout, so
    the matrix is the same bit for bit (tests/repair/test_debris_kernel.py)."""
    n = len(lines)
    width = len(LINE_FEATURES)
    cls_table, end_table = char_tables()
    menu, gates = vocabulary()
    out = np.empty((n, _N_FEATURES), dtype=np.float32)
    amounts = np.empty((n, 4))
    python_side = np.empty((n, 6), dtype=np.float32)
    units = np.empty(n)
    prose = np.empty(n, dtype=np.uint8)
    chars = np.empty(n, dtype=np.int64)
    total = compiled.line_columns(
        lines,
        cls_table,
        end_table,
        _length_classes(max(map(len, lines))),
        menu,
        gates.search,
        _COUNT_CLOSERS,
        _COUNT_END.search,
        _STAMP.search,
        out,
        amounts,
        python_side,
        units,
        prose,
        chars,
    )
    base = out[:, :width]
    base[:, 0:4] = np.log1p(amounts)
    base[:, 29:30] = np.log(python_side[:, :1])
    base[:, 36] = np.log(python_side[:, 5], dtype=np.float64)
    logged = np.empty((_N_LOG_ROWS, n))
    compiled.context_and_position(
        out, width, logged, units, prose, chars, min(total, _EXACT_CHARS - 1), SHORT_LINE_COST
    )
    position = out[:, 5 * width :]
    if total >= _EXACT_CHARS:
        lengths = chars.astype(np.float32)
        total_chars = max(float(lengths.sum()), 1.0)
        logged[3] = total_chars
        position[:, 1] = (lengths.cumsum() - lengths) / total_chars
    np.log1p(logged, out=logged)
    position[:, _LOGGED_AT] = logged.T
    log_chars = base[:, 0]
    position[:, -1] = log_chars - np.add.reduce(log_chars) / n
    return out


def _code_points(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The page's code points, lines ended by a newline each, and their character classes."""
    points = np.frombuffer(("\n".join(lines) + "\n").encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return points, char_tables()[0][points]


def _features(lines: list[str], points: np.ndarray, cls: np.ndarray) -> np.ndarray:
    n = len(lines)
    end_table = char_tables()[1]
    newlines = (points == 10).nonzero()[0]
    line_starts = np.empty_like(newlines)
    line_starts[0] = 0
    line_starts[1:] = newlines[:-1] + 1
    lengths = newlines - line_starts
    line_of = np.arange(n).repeat(lengths + 1)
    wordish = _WORDISH[cls]
    starts = (wordish[1:] & ~wordish[:-1]).nonzero()[0] + 1
    if wordish[0]:
        starts = np.concatenate(([0], starts))
    capitals = starts[cls[starts] == UPPER]
    counts = np.bincount(
        np.concatenate(
            (line_of * _K + cls, line_of[starts] * _K + _WORD_START, line_of[capitals] * _K + _CAPITAL_START)
        ),
        minlength=n * _K,
    ).reshape(n, _K)
    chars = lengths.astype(np.float32)
    words = counts[:, _WORD_START]
    solid = np.maximum(chars - counts[:, SPACE], 1)[:, None]
    ends = end_table[points[newlines - 1]]
    menu, gates = vocabulary()
    copies: dict[str, int] = {}  # a Counter's own setup costs more than counting a short page
    for s in lines:
        copies[s] = copies.get(s, 0) + 1
    # a line's rough shape: its start class, its end, digits or not, its length to a factor of 2
    starts_with = cls[line_starts].astype(np.int64)
    digits = counts[:, DIGIT]
    length_class = np.log2(chars + 1).astype(np.int64)
    shapes = (((starts_with * N_ENDS + ends) * 2 + (digits > 0)) * 32 + length_class).tolist()
    shape_copies: dict[int, int] = {}
    for shape in shapes:
        shape_copies[shape] = shape_copies.get(shape, 0) + 1
    # the patterns run only where they can match: a closing bracket last, three digits or more
    python_side = np.array(
        [
            (
                copies[s],
                len(s) <= 40 and s.lower() in menu,
                len(s) <= 80 and gates.search(s.lower()) is not None,
                s[-1] in _COUNT_CLOSERS and _COUNT_END.search(s) is not None,
                d >= 3 and len(s) <= 200 and _STAMP.search(s) is not None,
                shape_copies[shape],
            )
            for s, d, shape in zip(lines, digits.tolist(), shapes, strict=True)
        ],
        dtype=np.float32,
    ).reshape(n, 6)
    counts[:, PUNCT] += counts[:, STOP]
    width = len(LINE_FEATURES)
    # one output matrix, filled in place: on a page of a few lines the per-call overhead of
    # building pieces and concatenating them, not the arithmetic, is the cost
    out = np.empty((n, _N_FEATURES), dtype=np.float32)
    base = out[:, :width]
    amounts = np.empty((n, 4))
    amounts[:, 0] = chars
    amounts[:, 1] = words
    amounts[:, 2:] = counts[:, _LOG_COUNTS]
    base[:, 0:4] = np.log1p(amounts)
    base[:, 4:11] = counts[:, _SHARES_AT] / solid
    safe_words = np.maximum(words, 1)
    base[:, 11] = counts[:, _CAPITAL_START] / safe_words
    letters = counts[:, UPPER] + counts[:, LOWER] + counts[:, LETTER]
    base[:, 12] = letters / safe_words
    base[:, 13:21] = _END_ONE_HOT[ends]
    base[:, 21:29] = _START_ONE_HOT[starts_with]
    base[:, 29:30] = np.log(python_side[:, :1])
    base[:, 30:32] = python_side[:, 1:3]
    # a line's length in words for every script: where runs of letters are long (Chinese,
    # Japanese, Thai write no spaces between words) two letters count as a word
    units = np.where(letters > 8 * words, letters / 2, words)
    base[:, 32] = (ends == END_STOP) & (units >= 8)
    base[:, 33] = units <= 3
    base[:, 34:36] = python_side[:, 3:5]
    base[:, 36] = np.log(python_side[:, 5], dtype=np.float64)
    # neighbours: the previous and next line, and the mean over +-3 and +-10 lines
    out[0, width : 2 * width] = 0
    out[1:, width : 2 * width] = base[:-1]
    out[:-1, 2 * width : 3 * width] = base[1:]
    out[-1, 2 * width : 3 * width] = 0
    cumulative = np.empty((n + 1, width), dtype=np.float32)  # row i: the sum of lines before i
    cumulative[0] = 0
    base.cumsum(axis=0, out=cumulative[1:])
    index = np.arange(n)
    bounds = np.minimum(np.maximum(index[:, None] + _WINDOWS, 0), n)
    low, high = bounds[:, ::2], bounds[:, 1::2]
    counted = (high - low).astype(np.float32)
    means = (cumulative[high] - cumulative[low]) / counted[:, :, None]
    out[:, 3 * width : 5 * width] = means.reshape(n, 2 * width)
    total_chars = max(float(chars.sum()), 1.0)
    # the position features as rows of one float64 matrix, those taken log1p of first, so that
    # one log1p call and one assignment place them all (columns: _POSITION_ROWS_AT)
    rows = np.empty((len(_POSITION_ROWS_AT), n))
    rows[0] = index
    rows[1] = n - 1 - index
    rows[2] = n
    rows[3] = total_chars
    rows[10] = index / max(n - 1, 1)
    rows[11] = (chars.cumsum() - chars) / total_chars
    prose = _PROSE_END[ends] & (units >= 5)
    if n <= SMALL_PAGE:
        rows[_MAIN_TEXT_ROWS] = _main_text_small(prose.tolist(), units.tolist())
    else:
        _main_text(rows, prose, units, n, index)
    np.log1p(rows[:_N_LOG_ROWS], out=rows[:_N_LOG_ROWS])
    position = out[:, 5 * width :]
    position[:, _POSITION_ROWS_AT] = rows.T
    log_chars = base[:, 0]
    position[:, -1] = log_chars - np.add.reduce(log_chars) / n  # as .mean(), without its overhead
    return out


#: pages of at most this many lines get their main-text rows from plain Python lists: a loop
#: over a few dozen lines costs less than the ~40 numpy calls of `_main_text` (same values,
#: tests/repair/test_debris_lines.py)
SMALL_PAGE = 20
#: the rows of `page_features`' position matrix that `_main_text` fills, in the order
#: `_main_text_small` returns them
_MAIN_TEXT_ROWS = [4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17]


def _main_text_small(prose: list[bool], words: list[float]) -> list[list[float]]:
    """`_main_text`'s rows (`_MAIN_TEXT_ROWS`) for a short page, computed in plain Python with
    the same arithmetic, so the values are the same bit for bit."""
    n = len(prose)
    # the largest-sum stretch: the first line of the first best end, as argmax/argmin pick
    total = lowest = 0.0
    lowest_at = start = end = 0
    best = None
    for i in range(n):
        if total < lowest:
            lowest, lowest_at = total, i
        total += words[i] if prose[i] else -SHORT_LINE_COST
        if best is None or total - lowest > best:
            best, start, end = total - lowest, lowest_at, i
    prose_words = [w if p else 0 for p, w in zip(prose, words, strict=True)]
    sum_prose = 0.0
    for w in prose_words:
        sum_prose += w
    page_total = max(int(sum_prose), 1)
    at = [i for i in range(n) if prose[i]]
    in_main, to_main, before_share, after_share = [], [], [], []
    since, until, run = [], [], []
    block_words, block_share, before_largest, after_largest = [], [], [], []
    # prose blocks: prose lines with at most one other line between them
    block_of_prose, sizes = [], []
    for k, i in enumerate(at):
        if k == 0 or i - at[k - 1] > 2:
            sizes.append(0.0)
        sizes[-1] += prose_words[i]
        block_of_prose.append(len(sizes) - 1)
    largest = sizes.index(max(sizes)) if sizes else 0
    before = 0.0
    previous = -1  # the last prose line before the line
    following = 0  # prose lines at or before the line
    for i in range(n):
        while following < len(at) and at[following] <= i:
            following += 1
        next_at = at[following] if following < len(at) else n
        in_main.append(float(start <= i <= end))
        to_main.append(float(max(start - i, i - end, 0)))
        before_share.append(before / page_total)
        after_share.append((page_total - before - prose_words[i]) / page_total)
        since.append(float(i - previous if previous >= 0 else n))
        until.append(float(next_at - i if next_at < n else n))
        run.append(0.0 if prose[i] else float(next_at - previous - 1))
        if sizes:
            block = block_of_prose[max(following - 1, 0)]
            block_words.append(sizes[block])
            block_share.append(sizes[block] / sizes[largest])
            before_largest.append(float(block < largest))
            after_largest.append(float(block > largest))
        before += prose_words[i]
        if prose[i]:
            previous = i
    if not sizes:
        block_words = block_share = before_largest = after_largest = [0.0] * n
    blocks = [float(len(sizes))] * n
    return [
        to_main,
        since,
        until,
        run,
        block_words,
        blocks,
        in_main,
        before_share,
        after_share,
        block_share,
        before_largest,
        after_largest,
    ]


def _main_text(rows: np.ndarray, prose: np.ndarray, words: np.ndarray, n: int, index: np.ndarray) -> None:
    """Where each line lies relative to the page's main text (see POSITION_FEATURES), into
    `rows` 4-9 and 12-17 (before log1p; `_POSITION_ROWS_AT`)."""
    score = np.where(prose, words, -SHORT_LINE_COST)
    sums = np.zeros(n + 1, dtype=score.dtype)
    score.cumsum(out=sums[1:])
    lowest = np.minimum.accumulate(sums[:-1])
    end = int((sums[1:] - lowest).argmax())  # last line of the best stretch
    start = int(sums[: end + 1].argmin())  # first line
    rows[12] = (index >= start) & (index <= end)
    rows[4] = np.maximum(np.maximum(start - index, index - end), 0)
    prose_words = np.where(prose, words, 0)
    before = prose_words.cumsum() - prose_words
    total = max(int(prose_words.sum()), 1)
    rows[13] = before / total
    rows[14] = (total - before - prose_words) / total
    at = prose.nonzero()[0]
    # the nearest prose line before and after each line (-1 and n where there is none)
    previous = at.searchsorted(index, side="left") - 1
    following = at.searchsorted(index, side="right")
    padded_at = np.concatenate(([-1], at, [n]))
    prev_at, next_at = padded_at[previous + 1], padded_at[following + 1]
    rows[5] = np.where(prev_at >= 0, index - prev_at, n)
    rows[6] = np.where(next_at < n, next_at - index, n)
    # the run of consecutive lines that are not prose around each such line (menus, link lists)
    rows[7] = np.where(prose, 0, next_at - prev_at - 1)
    _blocks(rows, at, prose_words, following)


def _blocks(rows: np.ndarray, at: np.ndarray, prose_words: np.ndarray, following: np.ndarray) -> None:
    """The prose block of each line (that of the last prose line at or before it; `following`
    counts the prose lines up to it) and its size, into `rows` 8, 9 and 15-17."""
    if not at.size:
        rows[[8, 9, 15, 16, 17]] = 0
        return
    block_of_prose = np.zeros(at.size, dtype=np.intp)
    (at[1:] - at[:-1] > 2).cumsum(out=block_of_prose[1:])  # more than one other line between
    sizes = np.bincount(block_of_prose, weights=prose_words[at])
    largest = int(sizes.argmax())
    block = block_of_prose[np.maximum(following - 1, 0)]
    rows[8] = sizes[block]
    rows[9] = sizes.size
    rows[15] = sizes[block] / sizes[largest]
    rows[16] = block < largest
    rows[17] = block > largest


#: hashed words of a line: buckets of the line's words (and, in scripts written without spaces,
#: of its character pairs), so a linear model can learn "reply", "2014", "回覆" without a word
#: list per language. 2**TOKEN_BITS weights ship with the model (float32, 64 kB at 14 bits).
TOKEN_BITS = 14
#: scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar): their
#: characters pair up into tokens instead of forming one "word" per sentence
_PAIRED_RANGES = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FFFF),
)
_BASE = np.uint64(1_000_003)
_BASE_INVERSE = np.uint64(pow(1_000_003, -1, 2**64))  # odd, so invertible modulo 2**64
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of hash * _MIX
_PAIR_SALT = np.uint64(0x51ED270B)


@cache
def token_tables() -> tuple[np.ndarray, np.ndarray]:
    """(lower-case code point of every code point, is it of a script written without spaces)."""
    cls, _ = char_tables()
    lower = np.arange(CODE_POINTS, dtype=np.uint64)
    for c in np.flatnonzero(cls == UPPER).tolist():
        lowered = chr(c).lower()
        if len(lowered) == 1:
            lower[c] = ord(lowered)
    paired = np.zeros(CODE_POINTS, dtype=bool)
    for first, last in _PAIRED_RANGES:
        paired[first : last + 1] = True
    return lower, paired


#: (line of each token, its bucket, its value): what `line_tokens` gives for a page
Tokens = tuple[np.ndarray, np.ndarray, np.ndarray]
_powers: list[np.ndarray] = []  # [_BASE ** k, _BASE_INVERSE ** k] for k below their length


def _powers_for(length: int) -> tuple[np.ndarray, np.ndarray]:
    """_BASE and its inverse to the powers 0 .. length-1 (uint64, wrapping), grown as needed."""
    if not _powers or len(_powers[0]) < length:
        size = max(length, 2 * len(_powers[0]) if _powers else 4096)
        with np.errstate(over="ignore"):
            up = np.full(size, _BASE, dtype=np.uint64)
            up[0] = 1
            down = np.full(size, _BASE_INVERSE, dtype=np.uint64)
            down[0] = 1
            _powers[:] = [np.cumprod(up, dtype=np.uint64), np.cumprod(down, dtype=np.uint64)]
    return _powers[0], _powers[1]


def line_tokens(lines: list[str]) -> Tokens:
    """The hashed tokens of every line: (line of each token, its bucket below 2**TOKEN_BITS, its
    value 1/sqrt(tokens of its line)). A token is a lower-cased run of letters and digits, or in
    scripts written without spaces a pair of neighbouring characters; hashed by a polynomial
    over code points, so the same word has the same bucket in every line and every page.

    >>> rows, buckets, values = line_tokens(["Reply", "reply now", "回覆"])
    >>> rows.tolist(), bool(buckets[0] == buckets[1]), values.round(3).tolist()
    ([0, 1, 1, 2], True, [1.0, 0.707, 0.707, 1.0])
    """
    points, cls = _code_points(lines)
    return _tokens(points, cls, len(lines))


def _tokens(points: np.ndarray, cls: np.ndarray, n: int) -> Tokens:
    lower_table, paired_table = token_tables()
    # only capitals need the lower-case table, only caseless letters the script test
    low = points.astype(np.uint64)
    capitals = (cls == UPPER).nonzero()[0]
    low[capitals] = lower_table[points[capitals]]
    paired = np.zeros(len(points), dtype=bool)
    caseless = (cls == LETTER).nonzero()[0]
    paired[caseless] = paired_table[points[caseless]]
    wordish = _WORDISH[cls] & ~paired
    edges = np.diff(wordish.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts, ends = (edges == 1).nonzero()[0], (edges == -1).nonzero()[0]
    up, down = _powers_for(len(points) + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(points) + 1, dtype=np.uint64)
        np.cumsum(low * up[: len(points)], out=prefix[1:])
        words = (prefix[ends] - prefix[starts]) * down[starts]
        pairs_at = (paired[:-1] & paired[1:]).nonzero()[0]
        pairs = (low[pairs_at] * _BASE + low[pairs_at + 1]) ^ _PAIR_SALT
        hashes = np.concatenate((words, pairs)) * _MIX
    buckets = (hashes >> np.uint64(64 - TOKEN_BITS)).astype(np.intp)
    line_starts = np.empty(n, dtype=np.intp)
    line_starts[0] = 0
    line_starts[1:] = (points == 10).nonzero()[0][:-1] + 1
    rows = (
        np.concatenate(
            (line_starts.searchsorted(starts, "right"), line_starts.searchsorted(pairs_at, "right"))
        )
        - 1
    )
    values = (1 / np.sqrt(np.maximum(np.bincount(rows, minlength=n), 1)))[rows]
    return rows, buckets, values
