"""The speed rewrites of two patterns find exactly what their plain forms find, on real text."""

from __future__ import annotations

import re

import pytest

from tamis.annotate.quality import SENTENCE_END
from tamis.annotate.text_units import TOKEN, TOKEN_WITH_ENTITIES, split_text
from text_samples import LANGS, paragraphs, sentences

# C4's sentence-end pattern in its plain, lookbehind-first form (before the rewrite)
PLAIN_SENTENCE_END = re.compile(
    r"(?<![.!?…])(?:\.(?!\.)|[!?։؟۔।。｡])[.!?։؟۔।。｡]*[^\w\s\x00]*\s+(?=[^\w\x00]*\w)"
)
# edge cases around the rewrite's lookarounds: mark runs, ellipses, NULs, text starts and ends
EDGES = [
    "a. b",
    "a.. b",
    "a... b",
    "a?! b",
    "a.\x00b",
    "x!. y",
    "3.5 x",
    'end." Next',
    "…. b",
    ". a",
    "a ?. b",
    "。 文",
]


def _texts(lang: str) -> list[str]:
    whole = "\n".join(paragraphs(lang))
    # with &-entities glued in, so the entity variant of the token pattern is exercised too
    return [whole, "\n\n".join(sentences(lang)), whole.replace(" ", "&nbsp;", 40)]


@pytest.mark.parametrize("lang", LANGS)
def test_tokens_match_the_plain_token_pattern(lang: str) -> None:
    for text in _texts(lang):
        plain = TOKEN_WITH_ENTITIES if "&" in text else TOKEN
        assert split_text(text).tokens == tuple(plain.findall(text))


@pytest.mark.parametrize("lang", LANGS)
def test_sentence_ends_match_the_plain_pattern(lang: str) -> None:
    for text in [*_texts(lang), *EDGES]:
        joined = "\x00".join(line.strip() for line in text.splitlines())
        assert SENTENCE_END.findall(joined) == PLAIN_SENTENCE_END.findall(joined)
        assert SENTENCE_END.findall(text) == PLAIN_SENTENCE_END.findall(text)
