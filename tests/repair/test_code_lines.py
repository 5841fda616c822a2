"""repair.code_lines: lines of script, style sheet and JSON go whole; prose, even about code, stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from step_runner import run_repair
from tamis.repair.code_lines import RemoveCodeLines
from text_samples import LANGS, paragraphs, sentences

STEP = RemoveCodeLines()
DATA = Path(__file__).resolve().parent.parent / "data"
SHARED_CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
CODE = [
    tuple(row.split("\t", 1))
    for row in (DATA / "repair" / "code_lines.tsv").read_text("utf-8").splitlines()
    if row and not row.startswith("#")
]


def repair(text: str) -> tuple[str, list]:
    return run_repair(STEP, text)


@pytest.mark.parametrize(("kind", "line"), CODE, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CODE)])
def test_a_code_line_between_paragraphs_goes_whole(kind: str, line: str) -> None:
    before, after = paragraphs("de")[0], paragraphs("en")[0]
    fixed, edits = repair(f"{before}\n{line}\n{after}")
    assert fixed == f"{before}\n{after}"
    assert [(e.rule, e.removed) for e in edits] == [(kind, line + "\n")]


def test_code_lines_at_the_end_and_in_a_block_go_too() -> None:
    text = sentences("fr")[0] + "\n" + "\n".join(line for _, line in CODE[:4]) + "\n});"
    fixed, edits = repair(text)
    assert fixed.rstrip("\n") == sentences("fr")[0]
    assert len(edits) == 5


@pytest.mark.parametrize("lang", LANGS)
def test_real_prose_stays(lang: str) -> None:
    for text in paragraphs(lang) + sentences(lang):
        assert repair(text)[1] == [], text


@pytest.mark.parametrize(
    "line",
    [
        "Bitte aktivieren Sie JavaScript, um diese Seite korrekt anzuzeigen.",
        "The function f(x) = x² is defined for all x; it returns a value.",
        "Er sagte (leise): «Nein»; dann ging er.",
        "Preis: 19,99 €; Versand: 4,95 €;",
        "Farbe: rot; Größe: XL;",
        "Die Formel lautet E = mc²; sie ist berühmt.",
        "{Anzeige}",
        "[1]",
    ],
)
def test_prose_about_code_and_bracketed_notes_stay(line: str) -> None:
    assert repair(line)[1] == []


@pytest.mark.skipif(not SHARED_CORPORA.is_dir(), reason="needs ../shared/corpora")
def test_no_line_of_the_shared_corpora_is_taken_for_code() -> None:
    # measured over all ~1M lines: none removed; the test reads the first 20,000 lines of each file
    for path in sorted(SHARED_CORPORA.glob("*/*.txt")):
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i == 20_000:
                    break
                assert repair(line)[1] == [], (path.name, line)


def test_the_gate_answers_as_the_plain_substring_tests() -> None:
    import random

    from tamis.repair.code_lines import _GATE_STRINGS, may_hold_code

    rng = random.Random(3)
    texts = ["".join(rng.choice("{});=>( a\n") for _ in range(rng.randint(0, 8))) for _ in range(5_000)]
    assert any(may_hold_code(t) for t in texts) and not all(may_hold_code(t) for t in texts)
    for text in texts:
        assert may_hold_code(text) == any(mark in text for mark in _GATE_STRINGS), text
