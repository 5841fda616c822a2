"""The compiled quality loops (native/quality.pyx) give what their Python twins give: Gopher's
repetition counts, the character-class counts and so every signal, bit for bit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native_twins import awkward_texts, both, pure_python, real_texts, require_kernel
from tamis.annotate.char_classes import count_classes
from tamis.annotate.quality import (
    _DIGIT,
    _UPPER,
    DUP_NGRAM_SIZES,
    TOP_NGRAM_SIZES,
    duplicate_ngram_chars,
    measure_all,
    top_ngram_chars,
    upper_and_digit_counts,
)
from tamis.native import kernel
from tamis.text.segmentation import segment


@pytest.fixture(autouse=True)
def _kernel_built() -> None:
    require_kernel("quality")


def _reference(tokens: tuple[str, ...]) -> tuple[dict[int, int], dict[int, int]]:
    return (
        {n: top_ngram_chars(tokens, n) for n in TOP_NGRAM_SIZES},
        {n: duplicate_ngram_chars(tokens, n) for n in DUP_NGRAM_SIZES},
    )


def _repetition(tokens: tuple[str, ...]) -> tuple[dict[int, int], dict[int, int]]:
    with pure_python(False):
        compiled = kernel("quality")
    assert compiled is not None
    return compiled.repetition_chars(tokens)


def test_repetition_counts_match_gophers_definitions_on_real_text() -> None:
    for text in real_texts(pages=25, corpus_chars=15_000):
        tokens = segment(text).tokens
        assert _repetition(tokens) == _reference(tokens)
        # a page whose second half repeats its first: long duplicate n-grams
        assert _repetition(tokens + tokens[: len(tokens) // 2]) == _reference(
            tokens + tokens[: len(tokens) // 2]
        )


# few distinct tokens, so that n-grams repeat, tie, and overlap
_TOKENS = st.lists(st.sampled_from(["a", "b", "bb", "c", "İ", "😀", "", "Ab"]), max_size=60).map(tuple)


@settings(max_examples=500, deadline=None)
@given(_TOKENS)
def test_repetition_counts_match_gophers_definitions_on_made_up_tokens(tokens: tuple[str, ...]) -> None:
    assert _repetition(tokens) == _reference(tokens)


def _classes(text: str) -> tuple[tuple[int, int], tuple[int, ...]]:
    compiled, _ = both(lambda: upper_and_digit_counts(text))
    return compiled, count_classes(text, (_UPPER, _DIGIT))


@settings(max_examples=300, deadline=None)
@given(awkward_texts)
def test_class_counts_match_on_awkward_text(text: str) -> None:
    compiled, reference = _classes(text)
    assert compiled == reference


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50))
def test_class_counts_match_on_any_text(text: str) -> None:
    compiled, reference = _classes(text)
    assert compiled == reference


def _signals(text: str, lang: str) -> str:
    # repr: floats bit for bit, and ints stay ints
    return repr(sorted(measure_all(text, lang).items()))


@pytest.mark.parametrize("lang", ["en", "ru"])  # stop-word lists of two scripts
def test_every_signal_is_identical_on_real_text(lang: str) -> None:
    for text in real_texts(pages=60):
        compiled, reference = both(lambda text=text: _signals(text, lang))
        assert compiled == reference


@settings(max_examples=300, deadline=None)
@given(awkward_texts)
def test_every_signal_is_identical_on_awkward_text(text: str) -> None:
    compiled, reference = both(lambda: _signals(text, "en"))
    assert compiled == reference


# the pieces of lines C4's rules look at: citations, terminal marks, the phrases, a word over
# C4's length limit, short lines, bullets, ellipses, odd white space and case
_C4_PIECES = st.sampled_from(
    [
        "[1]", "[edit]", "[", "]", "javascript", "JavaScript", "uses cookies", "Privacy Policy",
        "terms of use", "lorem ipsum", "{", "}", "x" * 1001, "...", "…", ".", "!", "?", '"', "'",
        "\n", "\n\n", " ", "\u00a0", "\u2028", "\t", "word", "Wort", "•", "-", "İ", "\u212a", "Σ",
        "։", "؟", "۔", "।", "。", "｡", "?!", "\x00", "_", "1", "»", "(", "\u0301", "😀",
    ]
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(_C4_PIECES, max_size=30).map("".join))
def test_line_signals_are_identical_on_made_up_lines(text: str) -> None:
    compiled, reference = both(lambda: _signals(text, "en"))
    assert compiled == reference


def test_the_kernels_constants_are_the_steps() -> None:
    # native/quality.pyx spells these out as code points
    from tamis.annotate.quality import BULLETS, C4_END_PUNCTUATION, ELLIPSES

    assert C4_END_PUNCTUATION == (".", "?", "!", '"', "'")
    assert BULLETS == ("•", "-")
    assert ELLIPSES == ("...", "…")


_PHRASE_PIECES = st.sampled_from(
    ["coo", "kie", "\u212aie", "COO", "javascr", "İ", "ipt", "I", "pt", "lorem", " ", "ipsum", "{", "Σ", "x"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PHRASE_PIECES, max_size=8).map("".join))
def test_the_compiled_phrase_look_matches_lower_and_in(text: str) -> None:
    # the Kelvin sign lowers to "k" (so "COO\u212aIE" holds "cookie"); "İ" to "i" and a dot
    from tamis.annotate.quality import _C4_PHRASES, _ascii_lower_table

    with pure_python(False):
        compiled = kernel("quality")
    assert compiled is not None
    low = text.lower()
    expected = any(p.decode() in low for p in _C4_PHRASES)
    assert compiled.lower_has_phrase(text, _ascii_lower_table(), _C4_PHRASES) == expected


# each condition of SENTENCE_END that the compiled count replays, in kept lines (three words or
# more, ending with a terminal mark): after an ellipsis or another mark, a period before a period,
# marks and brackets before the space, no word after it, NUL, other scripts' full stops
_SENTENCE_LINES = [
    "Wait…. Then it went on. Yes it did.",
    "Really?! Yes. No... maybe. It is fine.",
    "Word.\u00a0(Next) one two.",
    "U.S. and U.K. are two.",
    "It was 3.5 km. Far away now.",
    "He left. — Then? “Quoted.” Done here!",
    "Ends with a mark. !!! and more words here.",
    "One.\x00 two three four.",
    "Hi. 😀 emoji after. ok go.",
    "Это конец. Начало здесь։ Ещё одно。 Ну｡ Да؟ Нет۔ Конец। Всё.",
    "A sentence [1]. Another one [edit]. Third one here.",
    "No space.Next word here. End.",
    "Trailing space after mark.   \u2028 Next line here.",
]


def test_sentence_boundaries_match_the_pattern_on_hand_made_lines() -> None:
    for line in _SENTENCE_LINES:
        for text in (line, line + "\n" + line, "Intro line.\n" + line + "\n\n" + line[::-1]):
            compiled, reference = both(lambda text=text: _signals(text, "en"))
            assert compiled == reference, text


def _stop_counts(words: tuple[str, ...], lang: str) -> tuple[tuple[int, int], tuple[int, int]]:
    from tamis.annotate.quality import stop_word_counts
    from tamis.text.segmentation import Segmentation

    class Words(Segmentation):  # a segmentation whose lower-cased words are `words`
        def __init__(self) -> None:
            self.__dict__["lowered"] = words

    return both(lambda: stop_word_counts(Words(), lang))


@pytest.mark.parametrize("lang", ["en", "ru", "de", "xx"])
def test_stop_word_counts_match_set_membership_on_real_text(lang: str) -> None:
    for text in real_texts(pages=40):
        compiled, reference = _stop_counts(segment(text).lowered, lang)
        assert compiled == reference


def _near_stop_words() -> list[str]:
    from tamis.text.lexicon import gopher_stop_words, stop_words

    listed = sorted(stop_words("en") | gopher_stop_words("en"))[:40]
    # the words, and words one character off them (same length, a prefix, an extension, "İ")
    odd = ["", "i̇", "İ", "\u212a", "the\u0301", "😀", "тот", "и", "the\x00", "th"]
    return [*listed, *(w[:-1] for w in listed), *(w + "s" for w in listed), *map(str.upper, listed), *odd]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_near_stop_words()), max_size=40).map(tuple))
def test_stop_word_counts_match_set_membership_on_made_up_words(words: tuple[str, ...]) -> None:
    compiled, reference = _stop_counts(words, "en")
    assert compiled == reference


def test_line_repeats_match_the_python_twin_on_real_text() -> None:
    from tamis.annotate.quality import line_repeats

    for text in real_texts(pages=60):
        doubled = text + "\n\n" + text[: len(text) // 2]  # repeated paragraphs and lines
        for t in (text, doubled, text.strip(), "\n" + text + "\n\n"):
            compiled, reference = both(lambda t=t: line_repeats(t))
            assert compiled == reference


# few distinct lines, so that lines and paragraphs repeat; blank, space-only, stop-mark ending,
# long and short lines; lines equal but for one character; other scripts' line separators
_LINE_PIECES = st.sampled_from(
    [
        "\n", "\n", "\n\n", "\n\n\n", "a", "a.", "a!", "b", " ", "\t", "\u3000", "\u2028", "\r",
        "…", "。", "‽", "x" * 31, "x" * 30, "y" * 40 + ".", "İ", "\u212a", "😀", "\x00", "٣",
    ]
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=40).map("".join))
def test_line_repeats_match_the_python_twin_on_made_up_lines(text: str) -> None:
    from tamis.annotate.quality import line_repeats

    compiled, reference = both(lambda: line_repeats(text))
    assert compiled == reference
