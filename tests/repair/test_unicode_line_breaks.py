"""repair.unicode when ftfy changes the number of lines (issue 11): edits replay, and in linear time.

A character diff of the whole text used to take 124 s for one 100 KB page; the timing lives in
bench/input_safety.py, these tests check the edits on pages of every shape that took that path.
"""

from __future__ import annotations

import random

import ftfy
import pytest

from tamis.document import Document, replay
from tamis.repair.unicode import FixUnicode
from text_samples import LANGS, paragraphs

pytestmark = pytest.mark.issue(11)

STEP = FixUnicode()


def _page(lang: str) -> str:
    return " ".join(paragraphs(lang)[:6]).replace("\n", " ")


def _lines(text: str, width: int = 70) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _shapes(lang: str) -> dict[str, str]:
    page = _page(lang)
    rng = random.Random(lang)
    noise = "".join(chr(rng.choice([rng.randrange(0, 0x250), 0x85, 0x2028, 0x0D, 0x0A])) for _ in range(3000))
    return {
        "line separators": "\u2028".join(_lines(page)),
        "cr only": "\r".join(_lines(page)),
        "mixed breaks": "".join(
            line + rng.choice(["\r\n", "\r", "\n", "\u2029", "\x85"]) for line in _lines(page)
        ),
        # UTF-8 of U+2028 read as cp1252 ("â€¨"): ftfy decodes it, then makes it a newline
        "mojibake line separators": _mojibake("\u2028".join(_lines(page))),
        "one long mojibake line": _mojibake(page * 4),  # over _LONG_LINE: diffed in windows
        "binary noise": noise,
    }


@pytest.mark.parametrize("lang", LANGS)
def test_edits_replay_when_the_line_count_changes(lang: str) -> None:
    for shape, text in _shapes(lang).items():
        result = STEP.repair(text, Document(id="t", text=text, original=text))
        expected = ftfy.fix_text(text, unescape_html=False, uncurl_quotes=False, fix_character_width=False)
        assert replay(text, result.edits) == result.text, shape
        if "\xad" not in expected and "\u200b" not in expected and "\u2060" not in expected:
            assert result.text == expected, shape
        assert text == "" or result.edits or result.text == text


def test_line_breaks_become_one_edit_each() -> None:
    text = "first line\u2028second line\rthird line\r\nfourth"
    result = STEP.repair(text, Document(id="t", text=text, original=text))
    assert result.text == "first line\nsecond line\nthird line\nfourth"
    assert [(e.removed, e.inserted) for e in result.edits] == [("\u2028", "\n"), ("\r", "\n"), ("\r\n", "\n")]
