"""Invariants on real paragraphs: edits replay to the output; repairing twice equals once."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from tamis.config import load
from tamis.document import Document, replay
from tamis.repair import REPAIR_ORDER
from tamis.steps import REGISTRY

DATA = Path(__file__).resolve().parent.parent / "data"
# permissively licensed real sentences (tests/data: UD, ELTeC, RusDraCor, KazNERD excerpts)
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora"


def _paragraphs() -> list[tuple[str, str]]:
    out = []
    for lang, rel in [
        ("de", "ud/de.txt"),
        ("en", "ud/en.txt"),
        ("fr", "ud/fr.txt"),
        ("ru", "ud/ru.txt"),
        ("kk", "ud/kk.txt"),
    ]:
        path = CORPUS / rel
        if not path.exists():
            continue
        lines = [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()][:600]
        out += [(lang, "\n".join(lines[i : i + 6])) for i in range(0, len(lines), 6)]
    return out


PARAGRAPHS = _paragraphs()
NOISY = [
    (
        "de",
        (DATA.parent.parent / "src" / "tamis" / "data" / "samples" / "seed_newsfarm_de.txt").read_text(
            "utf-8"
        ),
    ),
    ("en", 'Home | News | Sport\n<p class="x">Hello &amp; welcome</p>\n• one • two • three\nLeave a Reply'),
]


def run(steps: list, text: str, lang: str) -> Document:
    doc = Document(id="i", text=text, annotations={"language": lang}, original=text)
    for step in steps:
        r = step.repair(doc.text, doc)
        doc = doc.replace(text=r.text, edits=doc.edits + r.edits)
    return doc


@pytest.fixture(scope="module")
def steps() -> list:
    built = [REGISTRY.get(name)() for name in REPAIR_ORDER]
    for s in built:
        s.setup()
    return built


def test_corpus_is_available() -> None:
    assert len(PARAGRAPHS) > 100 or not CORPUS.exists()


@pytest.mark.parametrize(("lang", "text"), NOISY + PARAGRAPHS[::7])
def test_replay_and_idempotence(steps: list, lang: str, text: str) -> None:
    once = run(steps, text, lang)
    assert replay(text, once.edits) == once.text
    twice = run(steps, once.text, lang)
    assert twice.text == once.text, [e for e in twice.edits]


def test_clean_real_paragraphs_lose_no_words(steps: list) -> None:
    lost = 0
    words = 0
    for lang, text in PARAGRAPHS:
        result = run(steps, text, lang)
        words += len(text.split())
        # a bare date stamp is page furniture, not article text (UD's web English holds e-mail
        # headers, "02/13/2001 08:02 PM"): it must be short and hold a figure
        stamps = [e.removed for e in result.edits if e.step == "repair.datelines"]
        for stamp in stamps:
            assert len(regex.findall(r"\p{L}+", stamp)) <= 4 and regex.search(r"\d", stamp), stamp
        source = text
        for stamp in stamps:
            source = source.replace(stamp.strip("\n"), " ")
        # words as letter runs; entity names ("&amp;" -> "&") are markup, not words
        kept = set(regex.findall(r"\w+", result.text))
        lost += sum(
            1 for w in set(regex.findall(r"\w+", regex.sub(r"&#?\w+;", " ", source))) if w not in kept
        )
    # menus/captions in real UD sentences are rare; a handful of glue false splits is the budget
    assert lost <= max(3, words // 8000), (lost, words)


def test_default_pipeline_orders_repairs_as_documented() -> None:
    names = [s.name for s in load().pipeline.steps]
    repairs = names[names.index("extract.html") : names.index("repair.whitespace") + 1]
    assert [n for n in repairs if n.startswith("repair.")] == list(REPAIR_ORDER)
    assert REPAIR_ORDER[0] == "repair.unicode" and "repair.pii" not in REPAIR_ORDER
    assert REPAIR_ORDER.index("repair.debris_lines") < REPAIR_ORDER.index("repair.glued_words")
