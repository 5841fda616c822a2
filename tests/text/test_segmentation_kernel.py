"""The compiled tokenizer (native/segment.pyx) gives what its Python twin gives: the same tokens,
words, counts and lower-cased words, on real text and on made-up awkward strings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from native_twins import awkward_texts, both, real_texts, require_kernel
from tamis.text.segmentation import Segmentation


@pytest.fixture(autouse=True)
def _kernel_built() -> None:
    require_kernel("segment")


def _fields(text: str) -> tuple[object, ...]:
    s = Segmentation(text)
    return s.tokens, s.words, s.word_chars, s.letter_words, s.lowered, s.starts.tolist(), s.ends.tolist()


def test_real_text_splits_the_same() -> None:
    for text in real_texts():
        compiled, reference = both(lambda text=text: _fields(text))
        assert compiled == reference


@settings(max_examples=500, deadline=None)
@given(awkward_texts)
def test_awkward_text_splits_the_same(text: str) -> None:
    compiled, reference = both(lambda: _fields(text))
    assert compiled == reference


def test_lower_cased_words_are_equal_strings_of_the_same_type() -> None:
    # a word that lowering leaves as it is comes back as the same object; the rest are lowered
    text = "Straße İstanbul ΟΔΟΣ Kelvin\u212a déjà vu"
    compiled, reference = both(lambda: Segmentation(text).lowered)
    assert compiled == reference
    assert all(type(w) is str for w in compiled)
