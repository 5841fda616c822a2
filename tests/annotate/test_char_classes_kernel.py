"""The compiled character-class counter (native/char_classes.pyx) and language loops
(native/language.pyx: head line joins, paragraph sampling) give what their Python twins give
(`count_classes_python`, `_NEWLINES.sub`, `_sample_paragraphs`), and annotate.language labels
pages the same with them or without."""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from native_twins import awkward_texts, both, pure_python, real_texts, require_kernel
from tamis.annotate import language
from tamis.annotate.char_classes import count_classes, count_classes_python
from tamis.annotate.language import _SCRIPT_CLASSES, IdentifyLanguage
from tamis.native import kernel

#: the language step's classes, quality's, and a class with "?" in it (a lone surrogate counts
#: as "?") and one that is all ASCII punctuation, so that every path of the kernel is seen
PATTERN_SETS = (
    _SCRIPT_CLASSES,
    (regex.compile(r"\p{Lu}"), re.compile(r"\d")),
    (re.compile(r"[?!]"), regex.compile(r"\p{P}"), regex.compile(r"\p{Han}"), re.compile(r"\s")),
)


@pytest.fixture(autouse=True)
def _kernel_built() -> None:
    require_kernel("char_classes")
    require_kernel("language")


def _check(text: str) -> None:
    for patterns in PATTERN_SETS:
        with pure_python(False):
            assert kernel("char_classes") is not None
            compiled = count_classes(text, patterns)
        assert compiled == count_classes_python(text, patterns), (text[:80], patterns)


def test_counts_match_on_real_text() -> None:
    for text in real_texts(pages=60, corpus_chars=20_000):
        _check(text)
        _check(text[:300])


@settings(max_examples=400, deadline=None)
@given(awkward_texts)
def test_counts_match_on_awkward_text(text: str) -> None:
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_counts_match_on_any_text(text: str) -> None:
    _check(text)


def test_language_labels_match_with_and_without_kernels() -> None:
    step = IdentifyLanguage()
    step.setup()
    # fastText refuses lone surrogates (either way), so the awkward strings stay in the tests above
    texts = [
        *real_texts(pages=60, corpus_chars=5_000),
        "",
        "😀 𝐀 42",
        "İstanbul\nK\u212aelvin",
        "a\u2028b\n\nc",
    ]
    for text in texts:
        compiled, reference = both(lambda text=text: step.label(text, "uk"))
        assert compiled == reference, text[:80]


def test_counts_match_at_the_edges_of_the_table() -> None:
    # the last BMP code points, the first astral one (a Linear B letter), both ends of the
    # surrogates, and Latin-1 / two-byte / four-byte strings of each
    for text in ("\U00010000", "a\U00010000b", "\uffff\ud7ff\ue000\ud800\udfff", "ÿ\x00", "ĀЖ\U0001d400x"):
        _check(text)
        _check(text * 3)


# --- native/language.pyx: the head's line breaks joined, paragraphs sampled -----------------

_LINES = st.lists(
    st.sampled_from(
        ["x" * 35, "y" * 29, " ", "\t", "\u00a0", "\u2028", "\x1c", "\x85", "\r", "", "дом " * 9]
    ),
    max_size=30,
).map("\n".join)


def _language_twins(text: str) -> None:
    with pure_python(False):
        native = kernel("language")
    assert native is not None
    assert native.join_lines(text, language._space_table()) == language._NEWLINES.sub(" ", text), text[:80]
    for scan in (language.MAX_SCAN_CHARS, 50):
        for count in (1, 2, 3, 5):
            expected = _sample(text, count, scan)
            got = native.sample_paragraphs(text, count, language.MIN_PARAGRAPH_CHARS, scan)
            assert got == expected, (text[:80], count, scan)


def _sample(text: str, count: int, scan: int) -> list[str]:
    """The Python twin with other constants (the kernel takes them as arguments)."""
    saved = language.MAX_PARAGRAPHS, language.MAX_SCAN_CHARS
    language.MAX_PARAGRAPHS, language.MAX_SCAN_CHARS = count, scan
    try:
        return language._sample_paragraphs(text)
    finally:
        language.MAX_PARAGRAPHS, language.MAX_SCAN_CHARS = saved


def test_language_loops_match_on_real_text() -> None:
    for text in real_texts(pages=60, corpus_chars=20_000):
        _language_twins(text)
        _language_twins(text[:300])


@settings(max_examples=400, deadline=None)
@given(st.one_of(awkward_texts, _LINES, st.text(max_size=80)))
def test_language_loops_match_on_awkward_text(text: str) -> None:
    _language_twins(text)
