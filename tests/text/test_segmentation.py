"""The shared segmentation: its tokens are TOKEN's, its offsets point at them, and the string
shortcuts annotate.quality takes give what the patterns they replace give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.annotate.quality import (
    C4_POLICY,
    C4_POLICY_HINTS,
    LINE_BREAKS,
    PARAGRAPH_BREAK,
    split_lines,
    split_paragraphs,
)
from tamis.text.segmentation import SYMBOL_TOKENS, TOKEN, TOKEN_WITH_ENTITIES, segment
from text_samples import LANGS, paragraphs, sentences

# white space of several kinds, letters, digits, marks, entities, astral characters and a lone
# surrogate: the characters where tokens and offsets could go wrong
ALPHABET = st.sampled_from(
    [
        *"ab Z.\n\n\t-'’&;#1,:_",
        "\u00a0",
        "\u2028",
        "\x1c",
        "\u0301",
        "ё",
        "東",
        "😀",
        "\ud800",
        "Mr",
        "&nbsp;",
    ]
)


def _texts(lang: str) -> list[str]:
    whole = "\n".join(paragraphs(lang))
    return [
        whole,
        "\n\n".join(sentences(lang)),
        whole.replace(" ", "&nbsp;", 40),
        whole.replace(" ", "\u00a0  "),
    ]


def _check(text: str) -> None:
    s = segment(text)
    plain = TOKEN_WITH_ENTITIES if "&" in text else TOKEN
    assert s.tokens == tuple(plain.findall(text))
    assert s.words == tuple(t for t in s.tokens if t not in SYMBOL_TOKENS)
    assert [text[a:b] for a, b in zip(s.starts.tolist(), s.ends.tolist(), strict=True)] == list(s.tokens)
    assert s.lengths.tolist() == [len(t) for t in s.tokens]
    assert s.lowered == tuple(w.lower() for w in s.words)


@pytest.mark.parametrize("lang", LANGS)
def test_tokens_and_offsets_on_real_text(lang: str) -> None:
    for text in _texts(lang):
        _check(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_tokens_and_offsets_on_made_up_text(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["\n", "\n\n", "\n\n\n", "a", "b ", " "]), max_size=30).map("".join))
def test_line_and_paragraph_splits_match_the_patterns(text: str) -> None:
    assert split_lines(text) == LINE_BREAKS.split(text)
    assert split_paragraphs(text) == PARAGRAPH_BREAK.split(text)


def test_every_policy_phrase_holds_a_hint() -> None:
    # the hints only decide whether lines are checked with C4_POLICY: each phrase must hold one
    phrases = C4_POLICY.pattern.split("|")
    assert not set("".join(phrases)) & set(".^$*+?{}[]\\()")  # plain phrases, no pattern syntax
    assert all(any(hint in p for hint in C4_POLICY_HINTS) for p in phrases)


def test_the_same_text_gets_the_same_segmentation() -> None:
    text = "Ein Satz. Noch einer!"
    assert segment(text) is segment(text)


# the pieces `python_tokens`' shortcut for punctuation around a run of letters splits on its own:
# marks before and after, periods (abbreviations, one capital, "..."), apostrophes, and what
# sends a chunk back to the pattern (digits, inner marks, "--", "&", combining marks)
AROUND_LETTERS = st.sampled_from(
    [*"«»()\"'’!?,;:.-…—&_1", "..", "--", "Mr", "Dr", "vs", "J", "x", "Wort", "дом", "\u0301", " ", "\n"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(AROUND_LETTERS, max_size=12).map("".join))
def test_punctuation_around_letters_splits_as_the_pattern_does(text: str) -> None:
    _check(text)
