"""`replay` applies an edit log exactly as its plain definition does, in linear time for forward edits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tamis.document import Edit, replay


def replay_by_definition(original: str, edits: list[Edit]) -> str:
    text = original
    for e in edits:
        assert text[e.start : e.end] == e.removed
        text = text[: e.start] + e.inserted + text[e.end :]
    return text


@st.composite
def texts_and_logs(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    """A text and a log of edits, each valid on the text the earlier ones left (forward and backward)."""
    text = original = draw(st.text(alphabet="ab\n ", max_size=40))
    edits = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        inserted = draw(st.text(alphabet="xy\n", max_size=4))
        edits.append(Edit("s", "r", start, end, text[start:end], inserted))
        text = text[:start] + inserted + text[end:]
    return original, edits


@given(texts_and_logs())
def test_replay_equals_its_definition(case: tuple[str, list[Edit]]) -> None:
    original, edits = case
    assert replay(original, edits) == replay_by_definition(original, edits)


def test_an_edit_that_does_not_match_is_refused_after_a_forward_run() -> None:
    edits = [Edit("s", "r", 0, 1, "a", "AA"), Edit("s", "r", 3, 4, "x", "")]  # 'AAbc'[3] is 'c'
    with pytest.raises(ValueError, match="does not match"):
        replay("abc", edits)


def test_a_long_forward_log_replays() -> None:
    original = "a b " * 100_000
    edits = [Edit("s", "space", 4 * i + 1, 4 * i + 2, " ", "") for i in range(200_000 // 2)]
    # each edit's offsets point into the text as the earlier edits left it
    edits = [Edit(e.step, e.rule, e.start - i, e.end - i, e.removed, e.inserted) for i, e in enumerate(edits)]
    assert replay(original, edits) == "ab " * 100_000
