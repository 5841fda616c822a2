"""repair.unicode: soft hyphens and zero-width spaces inside words of real text are removed."""

from __future__ import annotations

import random

import pytest

from tamis.document import Document, replay
from tamis.repair.unicode import FixUnicode
from text_samples import LANGS, sentences

STEP = FixUnicode()


def repair(text: str):
    r = STEP.repair(text, Document(id="t", text=text))
    assert replay(text, r.edits) == r.text
    return r


@pytest.mark.parametrize("lang", LANGS)
def test_hyphenation_hints_and_zero_width_spaces_inside_words_are_removed(lang: str) -> None:
    rng = random.Random(lang)
    for clean in sentences(lang)[:200]:
        # a news site's hyphenation hints (&shy;) and a CMS's zero-width spaces, inside long words
        words = clean.split(" ")
        for k, w in enumerate(words):
            if len(w) >= 8 and w.isalpha():
                cut = rng.randrange(3, len(w) - 3)
                words[k] = w[:cut] + rng.choice(["\xad", "\u200b", "\u2060"]) + w[cut:]
        damaged = " ".join(words)
        r = repair(damaged)
        assert r.text == STEP.repair(clean, Document(id="c", text=clean)).text
        assert {e.rule for e in r.edits if e.removed in ("\xad", "\u200b", "\u2060")} <= {
            "soft_hyphen",
            "zero_width_space",
        }


def test_zero_width_spaces_of_unspaced_scripts_stay() -> None:
    # Thai and Khmer mark word boundaries with U+200B: removing them would lose the boundaries
    for text in ("ภาษา\u200bไทย\u200bง่าย", "ភាសា\u200bខ្មែរ"):
        assert repair(text).text == text


def test_text_without_invisible_characters_is_unchanged() -> None:
    for lang in LANGS:
        for clean in sentences(lang)[:50]:
            assert all(e.rule not in ("soft_hyphen", "zero_width_space") for e in repair(clean).edits)
