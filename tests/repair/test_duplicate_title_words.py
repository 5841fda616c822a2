"""repair.duplicate_title finds each top line's words once and scores pairs from word sets; the
result must be what the plain definition of `similarity` gives, pair by pair, on real lines."""

from __future__ import annotations

import difflib
import random
import re
from pathlib import Path

from tamis.document import Document
from tamis.repair import duplicate_title as dt

DATA = Path(__file__).resolve().parents[1] / "data"


def _plain_similarity(a: str, b: str) -> float:
    wa, wb = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    if not wa or not wb:
        return 0.0
    jaccard = len(wa & wb) / len(wa | wb)
    if jaccard >= 0.6 or jaccard < 0.3 or len(wa & wb) < 2:
        return jaccard
    return max(jaccard, difflib.SequenceMatcher(None, a.lower(), b.lower(), autojunk=False).ratio())


def _lines() -> list[str]:
    lines = []
    for path in [*sorted((DATA / "repair").glob("*.txt")), *sorted(DATA.glob("sentences_*.txt"))]:
        lines += [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return lines


def test_similarity_equals_its_plain_definition() -> None:
    rng = random.Random(5)
    lines = _lines()
    pairs = [(rng.choice(lines), rng.choice(lines)) for _ in range(1500)]
    # garbled copies: cut, upper-cased, words dropped or swapped, so that every branch is taken
    for line in rng.choices(lines, k=1500):
        words = line.split()
        copy = rng.choice(
            [
                line[: max(1, len(line) * 3 // 4)],
                line.upper(),
                " ".join(w for w in words if rng.random() < 0.7),
                " ".join(words[1:] + words[:1]),
                line + " | Tagesblatt",
            ]
        )
        pairs.append((line, copy))
    by_ratio = 0
    for a, b in pairs:
        got = dt.similarity(a, b)
        assert got == _plain_similarity(a, b), (a, b)
        wa, wb = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
        by_ratio += bool(wa and wb) and 0.3 <= len(wa & wb) / len(wa | wb) < 0.6 and len(wa & wb) >= 2
    assert 50 < by_ratio < len(pairs) - 500  # both ways of scoring are exercised


def test_a_garbled_title_copy_is_dropped_once_and_the_better_copy_kept() -> None:
    lines = _lines()
    rng = random.Random(6)
    dropped = 0
    # sample sentences made into headlines: a line that ends like a sentence is never dropped
    titles = [line.rstrip(".") for line in lines if 5 <= len(line.split()) <= 15 and len(line) <= 200]
    for title in rng.sample(titles, min(200, len(titles))):
        copy = title.upper() if rng.random() < 0.5 else title + " | Tagesblatt"
        page = f"{title}\n\n{copy}\n\nDer erste Absatz des Artikels steht hier.\nUnd ein zweiter."
        result = dt.DropDuplicateTitle().repair(page, Document(id="t", text=page))
        if result.edits:
            dropped += 1
            kept = result.text.split("\n")
            assert (kept.count(title) + kept.count(copy), result.title) in ((1, title), (1, copy)), page
            assert result.title in kept
    assert dropped > 100  # 126 of 200 (a short title plus " | Tagesblatt" is too long a copy)


def _plain_top_lines(text: str, look: int) -> list[tuple[int, int, str]]:
    """The first non-empty lines as the step found them before: the window split on its newlines."""
    top: list[tuple[int, int, str]] = []
    pos = 0
    head = text[:4000]
    for line in head.split("\n", 3 * look):
        end = pos + len(line)
        if "\n" in line or end == len(head) < len(text):
            break
        if line.strip():
            top.append((pos, end, line.strip()))
            if len(top) >= look:
                break
        pos = end + 1
    return top


def test_top_lines_equal_the_window_split() -> None:
    rng = random.Random(7)
    lines = _lines()
    texts = ["", "\n", "a", "a\n", "\n\n\nabc", "a\nb", "a\n\nb\n", " \r\n\u2028\n x \n"]
    for _ in range(1500):
        blank = rng.choice(["", " ", "\t", "\u3000", "\r"])
        parts = [rng.choice(lines) if rng.random() < 0.6 else blank for _ in range(rng.randint(1, 20))]
        text = "\n".join(parts)
        texts += [text, text[: rng.randint(0, len(text))], "\n" * rng.randint(0, 14) + text]
        # lines that end just before, at and just after the 4,000-character window
        texts.append("x" * rng.randint(3990, 4010) + "\n" + text)
        texts.append(("ab\n" * 1400)[: rng.randint(3995, 4005)])
    for look in (0, 1, 2, 4, 5):
        for text in texts:
            assert dt._top_lines(text, look) == _plain_top_lines(text, look), (look, text[:80])


def test_a_table_header_row_never_becomes_the_title() -> None:
    # issue 10: the step replaced a correct title with "| Pos | Player | Plays | % | Stats |"
    text = "Pos Player Plays Stats\n| Pos | Player | Plays | % | Stats |\n| 1 | Ann Lee | 40 | 55 | 12 |"
    result = dt.DropDuplicateTitle().repair(text, Document(id="t", text=text, title="Season statistics"))
    assert result.text == text and result.title is None


def test_a_lead_sentence_never_becomes_the_title() -> None:
    text = "Stadtrat beschließt neuen Haushalt\nDer Stadtrat beschließt einen neuen Haushalt für alle Schulen.\nMehr."
    result = dt.DropDuplicateTitle().repair(text, Document(id="t", text=text))
    assert result.text == text and result.title == "Stadtrat beschließt neuen Haushalt"


def test_the_extracted_title_stays_when_a_copy_is_dropped() -> None:
    text = "Police arrest three after break-in\nPolice arrest three after break-in | Courier\nThree men were held."
    doc = Document(id="t", text=text, title="Police arrest three after museum break-in")
    result = dt.DropDuplicateTitle().repair(text, doc)
    assert result.text == "Police arrest three after break-in\nThree men were held." and result.title is None
