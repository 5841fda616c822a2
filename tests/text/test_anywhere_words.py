"""The compiled finder of boilerplate's needed words (`prefilter.anywhere_words`) against the
`words_anywhere` pattern it stands for: the same lines, on real and made-up text."""

from __future__ import annotations

import random
import re
from re import _parser  # type: ignore[attr-defined]

import pytest
from test_char_scan import made_up, real_texts

from tamis.repair.boilerplate_lines import load_rules
from tamis.text import prefilter
from tamis.text.prefilter import anywhere_words, candidate_lines, words_anywhere

PATTERN = load_rules().scan.anywhere
WORDS = anywhere_words(PATTERN.pattern)
pytestmark = pytest.mark.skipif(WORDS is None, reason="tamis.native.lines is not built")


def pattern_lines(pattern: re.Pattern[str], text: str) -> list[int]:
    """The lines `candidate_lines` takes from the pattern's matches (its Python path)."""
    return sorted({text.count("\n", 0, m.start()) for m in pattern.finditer(text)})


def word_classes(pattern: str) -> list[list[str]]:
    """Each word's classes, from the look-behinds of the pattern (as `anywhere_words` reads them)."""
    out = []
    for alternative in list(_parser.parse(pattern))[2][1][1]:
        behind = list(alternative)[-1][1][1]
        out.append(
            [chr(av) if op is _parser.LITERAL else "".join(chr(a) for _, a in av) for op, av in behind]
        )
    return out


def spelled(classes: list[str], rng: random.Random) -> str:
    return "".join(rng.choice(c) for c in classes)  # every case variant re.I equates ("İ", "ſ", K)


def made_up_pages(pattern: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = word_classes(pattern)
    filler = made_up(200, seed)
    pages = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randrange(1, 8)):
            piece = rng.choice(filler)
            if rng.random() < 0.6:
                w = spelled(rng.choice(words), rng)
                if rng.random() < 0.3:  # one character off: no word
                    i = rng.randrange(len(w))
                    w = w[:i] + rng.choice("x \nZ") + w[i + 1 :]
                piece = rng.choice(["", "a", " ", "\n"]) + w + rng.choice(["", "s", ".", "\n", " und"])
            parts.append(piece)
        pages.append(rng.choice(["", "\n"]).join(parts))
    return pages


def test_the_words_read_back_are_the_patterns() -> None:
    words = word_classes(PATTERN.pattern)
    assert len(words) > 5
    rebuilt = re.compile(words_anywhere(["".join(c[0] for c in w) for w in words]))
    for w in words:
        assert rebuilt.search("".join(c[-1] for c in w))


def test_the_same_lines_on_real_text() -> None:
    for text in real_texts():
        assert WORDS.lines(text) == pattern_lines(PATTERN, text)


def test_the_same_lines_on_made_up_text() -> None:
    hits = 0
    for text in made_up_pages(PATTERN.pattern, 6000, 11):
        want = pattern_lines(PATTERN, text)
        assert WORDS.lines(text) == want, text
        hits += len(want)
    assert hits > 3000


def test_other_word_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Words of two characters, sharing anchors, with case-folding letters, at the text's edges."""
    for words in (["ab", "cookie"], ["ſs", "İstanbul", "kelvin", "Σίγμα"], ["xy", "xyz", "yz"]):
        pattern = re.compile(words_anywhere(words))
        finder = anywhere_words(pattern.pattern)
        assert finder is not None
        for text in made_up_pages(pattern.pattern, 1500, len(words)):
            assert finder.lines(text) == pattern_lines(pattern, text), (words, text)


def test_candidate_lines_the_same_with_and_without_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    scan = load_rules().scan
    pages = [*real_texts(), *made_up_pages(PATTERN.pattern, 1000, 5)]
    fast = [candidate_lines(t, scan) for t in pages]
    monkeypatch.setattr(prefilter, "anywhere_words", lambda pattern: None)
    assert [candidate_lines(t, scan) for t in pages] == fast
