"""markup_residue's attribute-run scan (`attribute_runs`) against the pattern tried everywhere."""

from __future__ import annotations

import gzip
import itertools
import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.repair import markup_residue
from tamis.repair.markup_residue import _ATTR_RUN, attribute_runs

TESTS = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[3] / "shared"
PIECES = [
    'class="entry-content">', "class='x'", ' rel="nofollow">', 'data-id = "7"', "id=\n'a'", "=",
    '"', "'", "“", "”", ">", "/>", " ", "\n", "\t", "\x1c", "\u3000", "\xa0", "a", "٣", "-", ":", ".",
    "Text", "href=x", 'title="a<b"', 'x="', "<p ", "é", "İ",
]  # fmt: skip


def spans(text: str) -> tuple[list, list]:
    return [m.span() for m in attribute_runs(text)], [m.span() for m in _ATTR_RUN.finditer(text)]


def test_the_same_runs_on_real_pages() -> None:
    pages = [p.read_text("utf-8") for p in sorted((TESTS / "data").rglob("*.txt"))]
    real = SHARED / "realpages" / "dev.jsonl.gz"
    if real.exists():
        with gzip.open(real, "rt", encoding="utf-8") as f:
            pages += [json.loads(line)["text"] for line in itertools.islice(f, 2000)]
    found = 0
    for text in pages:
        fast, plain = spans(text)
        assert fast == plain
        found += len(plain)
    assert found or not real.exists()


def test_the_same_runs_on_made_up_text() -> None:
    rng = random.Random(5)
    found = 0
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 14)))
        fast, plain = spans(text)
        assert fast == plain, text
        found += len(plain)
    assert found > 1000


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=12))
def test_the_same_runs_on_generated_text(parts: list[str]) -> None:
    fast, plain = spans("".join(parts))
    assert fast == plain


def test_the_step_removes_the_runs() -> None:
    text = 'Intro\nclass="entry-content">Der Text beginnt hier.'
    r = markup_residue.RemoveMarkupResidue().repair(text, None)
    assert r.text == "Intro\nDer Text beginnt hier."
    assert [e.rule for e in r.edits] == ["attribute_fragment"]
