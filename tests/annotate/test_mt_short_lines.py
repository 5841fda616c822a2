"""`mt_artifacts._short_lines` finds the lines `_SHORT_LINE` matches (foreign_ui_lines' candidates)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.annotate import mt_artifacts
from text_samples import LANGS, paragraphs

SHARED = Path(__file__).resolve().parents[3] / "shared"


def pattern_lines(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in mt_artifacts._SHORT_LINE.finditer(text)]


def test_short_lines_are_the_patterns_matches_on_real_text() -> None:
    texts = ["\n\n".join(paragraphs(lang)) for lang in LANGS]
    pages = SHARED / "realpages" / "dev.jsonl.gz"
    if pages.is_file():
        with gzip.open(pages, "rt", encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for _, line in zip(range(800), lines, strict=False)]
    found = 0
    for text in texts:
        assert mt_artifacts._short_lines(text) == pattern_lines(text)
        found += len(pattern_lines(text))
    assert found > 0


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("ab \t\r\u2028\u0085\x0b\x0c😀İ\u0301"), max_size=70)
        | st.sampled_from(["", "ab", "abc", "x" * 60, "x" * 61, "Leave a Reply", "\r"]),
        max_size=12,
    )
)
def test_short_lines_are_the_patterns_matches_on_awkward_lines(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert mt_artifacts._short_lines(text) == pattern_lines(text)
