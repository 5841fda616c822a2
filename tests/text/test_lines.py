"""Deleting whole lines: the spans, the judged deletion and the fast path agree, and replay."""

from __future__ import annotations

import random

from tamis.document import Edit, replay
from tamis.steps import Repaired
from tamis.text.lines import delete_judged_lines, delete_lines, line_spans

TEXT = "Title\nShare on Facebook\nThe first paragraph.\n\nCookies help us.\nLast line."


def test_a_deleted_line_takes_the_newline_after_it() -> None:
    lines = TEXT.split("\n")
    verdicts = [None, "share", None, None, None, None]
    assert line_spans(TEXT, lines, verdicts) == [(6, 24, "", "share")]


def test_deleted_lines_at_the_end_take_the_newline_before_them() -> None:
    lines = TEXT.split("\n")
    verdicts = [None, None, None, None, "cookie", "end"]
    result = Repaired.from_spans(TEXT, line_spans(TEXT, lines, verdicts), step="demo")
    assert result.text == "Title\nShare on Facebook\nThe first paragraph.\n"
    assert not result.text.endswith("\n\n")


def test_the_fast_path_equals_the_spans_on_random_verdicts() -> None:
    rng = random.Random(13)
    for _ in range(300):
        lines = [rng.choice(["", "a", "bb line", "  c  "]) for _ in range(rng.randint(1, 8))]
        text = "\n".join(lines)
        # callers judge only lines with text (an empty line's edit would be empty)
        chosen = {i: f"r{i}" for i in range(len(lines)) if lines[i] and rng.random() < 0.4}
        if not chosen:
            continue
        verdicts = [chosen.get(i) for i in range(len(lines))]
        expected = Repaired.from_spans(text, line_spans(text, lines, verdicts), step="demo")
        fast = delete_lines(text, lines, chosen, "demo")
        assert fast.text == expected.text
        assert [(e.start, e.end, e.removed, e.rule) for e in fast.edits] == [
            (e.start, e.end, e.removed, e.rule) for e in expected.edits
        ]
        assert replay(text, list(fast.edits)) == fast.text


def test_delete_judged_lines_judges_each_line_once_and_skips_long_ones() -> None:
    seen: list[str] = []

    def judge(line: str) -> str | None:
        seen.append(line)
        return "cookie" if line.startswith("Cookies") else None

    positions = [TEXT.index("Cookies"), TEXT.index("help"), TEXT.index("Title")]
    result = delete_judged_lines(TEXT, positions, judge, "demo", max_chars=40)
    assert seen == ["Title", "Cookies help us."]
    assert result.text == "Title\nShare on Facebook\nThe first paragraph.\n\nLast line."
    assert [e.rule for e in result.edits] == ["cookie"]
    assert isinstance(result.edits[0], Edit)
    assert delete_judged_lines(TEXT, positions, judge, "demo", max_chars=10).text == TEXT
