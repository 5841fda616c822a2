"""`repair.broken_lists` looks for bullets run together only on the lines that hold a bullet glyph;
on made-up pages it splits exactly what the check of every line splits."""

from __future__ import annotations

import random

from tamis.repair import broken_lists
from tamis.repair.broken_lists import MARKER, RecoverBrokenLists
from tamis.steps import Repaired


def _every_line(text: str) -> Repaired:
    """The plain form: both patterns tried on every line of the text."""
    spans = []
    pos = 0
    for line in text.split("\n"):
        found = list(broken_lists._RUN_TOGETHER.finditer(line))
        if len(found) >= 2 or (found and broken_lists._GLYPH_ITEM.match(line)):
            spans += [(pos + m.start(), pos + m.end(), "\n" + MARKER, "split_items") for m in found]
        pos += len(line) + 1
    return Repaired.from_spans(text, spans, step="repair.broken_lists")


def test_run_together_bullets_found_from_the_glyphs() -> None:
    rng = random.Random(7)
    pieces = [
        "Intro:",
        "one",
        "two",
        "• ",
        " • ",
        "▪",
        " ◦ ",
        "‣",
        " ● ",
        "■ ",
        "·",
        "-",
        "\t",
        "\u3000",
        "\r",
        " ",
    ]
    step = RecoverBrokenLists()
    split = 0
    for _ in range(3000):
        lines = [
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 9))) for _ in range(rng.randint(1, 6))
        ]
        text = "\n".join(lines)
        old, new = _every_line(text), step._split_run_together(text)
        assert (new.text, new.edits) == (old.text, old.edits), repr(text)
        split += bool(old.edits)
    assert split > 500
