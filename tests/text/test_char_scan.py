"""The compiled line scans (tamis.native.lines) against their `re` twins, on real and made-up text.

Each kernel function must give exactly what the pattern it replaces gives: the same positions,
the same spans, the same lines; and each step that uses them the same text, edits and captions
with the kernel as without it. The tables are checked against `re` code point by code point.
"""

from __future__ import annotations

import gzip
import itertools
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.repair import captions, pii, punctuation_spacing, unicode, whitespace
from tamis.text import char_scan

K = char_scan.lines_kernel()
pytestmark = pytest.mark.skipif(K is None, reason="tamis.native.lines is not built")

TESTS = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[3] / "shared"
# characters that trip character classes: odd spaces and separators, case oddities, combining
# marks, astral letters and digits, mojibake leads and continuations, controls, lone surrogates
AWKWARD = (
    " \n\t\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
    "İıſKΣσς\u0301\u0345ÃÂâ€™Ã¼\x80\x9f\x81\x1b\ufffd\ud800\udfff"
    ".!?,;:_0٣²½aZéЯж中𝐀𝟘🙂ǅ«»—–/|•"
)


def real_texts() -> Iterator[str]:
    """The test pages, the test paragraphs, 40-line chunks of the shared corpora, the real pages."""
    for path in sorted((TESTS / "data" / "repair").glob("*.txt")):
        yield path.read_text("utf-8")
    for path in sorted((TESTS / "data").glob("paragraphs_*.txt")):
        yield path.read_text("utf-8")
    for path in sorted((SHARED / "corpora").glob("*/*.txt")):
        lines = path.read_text("utf-8").split("\n")[:2000]
        for i in range(0, len(lines), 40):
            yield "\n".join(lines[i : i + 40])
    pages = SHARED / "realpages" / "dev.jsonl.gz"
    if pages.exists():
        with gzip.open(pages, "rt", encoding="utf-8") as f:
            for line in itertools.islice(f, 600):
                yield json.loads(line)["text"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = list(real_texts())
    assert len(found) > 100
    return found


def made_up(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pool = AWKWARD + "abcdefghij ABC Kasachstan.Für"
    out = ["".join(rng.choice(pool) for _ in range(rng.randrange(0, 60))) for _ in range(n)]
    # numbers and IBANs next to letters, digits of other scripts and separators
    pieces = [
        "DE89 3704 0044 0532 0130 00",
        "GB82WEST12345698765432",
        "+49 30 1234567",
        "030/123 45 67",
        "4111 1111 1111 1111",
        "٣٤٥٦٧٨٩٠",
        "1.1.1.1",
        "(555) 123-4567",
        "AB12",
        "x",
        " ",
        ".",
        "\n",
    ]
    out += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8))) for _ in range(n // 4)]
    return out


def every_code_point() -> str:
    return "".join(map(chr, range(0x110000)))


# --- the tables ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, classes",
    [
        (whitespace._odd_table, [(whitespace._ODD.pattern, 1)]),
        (
            unicode._suspicious_table,
            [
                (f"[{unicode._suspicious_chars()}]", 1),
                (f"[{unicode._LEAD}]", 2),
                (f"[{unicode._CONTINUATION}]", 4),
            ],
        ),
        (
            punctuation_spacing._candidate_table,
            [(r"[.!?,;:]", 1), (r"[^\W\d_]", 2), (r"\d", 4), (r"[,;]", 8)],
        ),
        (pii._pii_table, [(r"\d", 1), (r"[\d +.()/-]", 2), ("[A-Z]", 4)]),
    ],
)
def test_each_table_bit_is_what_re_says_of_each_code_point(table, classes) -> None:
    t = table()
    rng = random.Random(1)
    points = [*range(0x3000), *range(0xD7F0, 0xE010), *rng.sample(range(0x3000, 0x110000), 30_000)]
    engine = regex if table is pii._pii_table else re  # each table in its patterns' module
    for pattern, bit in classes:
        compiled = engine.compile(pattern)
        wrong = [c for c in points if bool(compiled.fullmatch(chr(c))) != bool(t[c] & bit)]
        assert wrong == [], (pattern, wrong[:5])


# --- each kernel function against its pattern ------------------------------------------------------


def all_first_in(text: str) -> list[int]:
    out, i = [], K.first_in(text, whitespace._odd_table())
    while i >= 0:
        out.append(i)
        i = K.first_in(text, whitespace._odd_table(), i + 1)
    return out


def check_one(text: str) -> None:
    assert all_first_in(text) == [m.start() for m in whitespace._ODD.finditer(text)]
    found = unicode._suspicious_or_pair().search(text)
    assert K.single_or_pair(text, unicode._suspicious_table()) == (found and found.span())
    want = [m.start() for m in punctuation_spacing._CANDIDATE.finditer(text)]
    assert K.glued_marks(text, punctuation_spacing._candidate_table()) == want
    scan = captions._caption_scan()
    lines = [(i, s) for i, line in enumerate(text.split("\n")) if 0 < len(s := line.strip()) <= 220]
    want_lines = [(i, s) for i, s in lines if scan.lead.match(s) or scan.trail.search(s)]
    assert K.short_lines_where(text, 220, scan.lead.match, scan.trail.search) == want_lines
    assert K.runs_from(text, pii._pii_table(), 7) == [m.span() for m in pii._NUMBER_RUN.finditer(text)]
    starts = K.sequence_starts(text, pii._pii_table(), b"\x04\x04\x01\x01")
    assert starts == [m.start() for m in regex.finditer(r"(?=[A-Z]{2}\d{2})", text)]
    assert [m.span() for m in pii._match_from(pii.IBAN, text, starts)] == [
        m.span() for m in pii.IBAN.finditer(text)
    ]


def test_kernels_agree_with_the_patterns_on_real_text(texts: list[str]) -> None:
    for text in texts:
        check_one(text)


def test_kernels_agree_with_the_patterns_on_every_code_point() -> None:
    every = every_code_point()
    for start in range(0, len(every), 4096):
        chunk = every[start : start + 4096]
        check_one(chunk)
        check_one("ab." + "\n".join(chunk[::7]) + ",cd")


def test_kernels_agree_on_made_up_text() -> None:
    for text in made_up(4000, 7):
        check_one(text)
        check_one(text.upper())


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(AWKWARD), st.characters()), max_size=80))
def test_kernels_agree_on_generated_text(text: str) -> None:
    check_one(text)


# --- the steps, with and without the kernel ----------------------------------------------------------


STEPS = [
    (unicode, unicode.FixUnicode),
    (punctuation_spacing, punctuation_spacing.SpaceAfterPunctuation),
    (captions, captions.MoveCaptions),
    (whitespace, whitespace.NormalizeWhitespace),
    (pii, pii.MaskPersonalData),
]


@pytest.mark.parametrize("module, step_class", STEPS, ids=[m.__name__ for m, _ in STEPS])
def test_each_step_gives_the_same_with_and_without_the_kernel(
    module, step_class, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    step = step_class()
    step.setup()
    pages = [*texts, *made_up(500, 3)]
    fast = [step.repair(t, None) for t in pages]
    monkeypatch.setattr(module, "lines_kernel", lambda: None)
    slow = [step.repair(t, None) for t in pages]
    assert sum(bool(r.edits) for r in fast) > 0  # the pages exercise the step
    for a, b in zip(fast, slow, strict=True):
        assert (a.text, a.edits, a.captions, a.title) == (b.text, b.edits, b.captions, b.title)
