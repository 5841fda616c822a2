"""repair.punctuation_spacing: the space lost after a sentence end or comma is put back, nowhere else."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from step_runner import run_repair
from tamis.repair.punctuation_spacing import SpaceAfterPunctuation
from text_samples import LANGS, paragraphs, sentences

STEP = SpaceAfterPunctuation()


def repair(text: str) -> tuple[str, list]:
    return run_repair(STEP, text)


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_glued_at_their_end_are_separated_again(lang: str) -> None:
    # real consecutive lines of real text, joined with the space after the sentence end lost,
    # as an extractor does with sentences that sat in separate elements
    lines = [s.strip() for s in sentences(lang)]
    pairs = [
        (a, b)
        for a, b in pairwise(lines)
        if re.search(r"[^\W\d_]{2}[.!?]\Z", a)
        and a[-2].islower()
        and re.match(r"[^\W\d_][^\W\d_]+\b", b)
        and b[0].isupper()
        and b.split()[0].rstrip(",.;:!?")[1:].islower()
        and b.split()[0].rstrip(",.;:!?").isalpha()
    ]
    assert len(pairs) >= 10, lang
    for a, b in pairs:
        # the joined text is repaired at the join (the sentences themselves may hold real glues)
        glued = a + b
        fixed, edits = repair(glued)
        assert fixed.startswith(a + " " + b.split()[0]), (glued, fixed)
        assert any(e.rule == "space_after_sentence_end" and e.start == len(a) for e in edits)


@pytest.mark.parametrize("lang", LANGS)
def test_real_paragraphs_are_left_alone(lang: str) -> None:
    for text in paragraphs(lang):
        assert repair(text)[1] == [], text[:80]


@pytest.mark.parametrize(
    ("glued", "fixed"),
    [
        (
            "Er kam nach Kasachstan.Für den Präsidenten war es wichtig.",
            "Er kam nach Kasachstan. Für den Präsidenten war es wichtig.",
        ),
        (
            "Der Besuch dauerte zwei Tage,danach flog er weiter.",
            "Der Besuch dauerte zwei Tage, danach flog er weiter.",
        ),
        (
            "Путин прилетел в Казахстан.Для президента это важно.",
            "Путин прилетел в Казахстан. Для президента это важно.",
        ),
        ("Хвилина мовчання,потім оплески.", "Хвилина мовчання, потім оплески."),
        ("It was late!Nobody came.", "It was late! Nobody came."),
        ("Termin bei Dr.Müller am Montag.", "Termin bei Dr. Müller am Montag."),
        (
            "Logements construits d'ici 2027,grâce à de nouvelles aides.",
            "Logements construits d'ici 2027, grâce à de nouvelles aides.",
        ),
    ],
)
def test_lost_spaces_are_inserted(glued: str, fixed: str) -> None:
    assert repair(glued)[0] == fixed


@pytest.mark.parametrize(
    "text",
    [
        "See https://example.com/News.Today for more.",
        "Write to info@example.Com today.",
        "Visit www.Example.org or Newsfeed.Com now.",
        "Call Console.WriteLine(x) and System.IO here.",
        "z.B.Die Regel gilt, ebenso U.S.Army und e.V.Der Verein.",
        "Pi is 3.14159 and 1,000,000 is large; 10:30 is late.",
        "tags: politik,wirtschaft,sport",
        "Na ja...Vielleicht morgen.",
        "Alle Mitarbeiter:innen und Patient:innen, auch jede Ärzt:in, sind eingeladen.",
        "你好。世界很大，我们走吧。",
        "Das ist der ASP.NET Core Stack und Node.js mit Vue.JS.",
        'ein Satz mit "code.Ende" in Anführungszeichen',
    ],
)
def test_addresses_code_initialisms_numbers_and_uncased_scripts_stay(text: str) -> None:
    assert repair(text) == (text, [])


def test_candidate_scan_finds_what_the_plain_order_finds() -> None:
    # the scan tests what follows a mark before what precedes it; on made-up strings of letters,
    # digits, marks and spaces it finds the same marks as the look-behind-first form
    import random
    import re

    from tamis.repair import punctuation_spacing

    plain = re.compile(r"[.!?,;:](?:(?<=[^\W\d_]{2}.)|(?<=\d[,;]))(?=[^\W\d_]{2})")
    rng = random.Random(11)
    pieces = ["ab", "Zé", "Дж", "a", "1", "9", "_", " ", "\n", "'", *".!?,;:"]
    found = 0
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        spans = [m.span() for m in punctuation_spacing._CANDIDATE.finditer(text)]
        assert spans == [m.span() for m in plain.finditer(text)], text
        found += bool(spans)
    assert found > 500
