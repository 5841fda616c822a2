"""The shortcuts that make the repair steps fast give the answers of the plain checks they replace.

Each test compares a fast path with the straightforward definition it stands for, on the lines
of the real test pages and on made-up strings (seeded) that hit the awkward cases: odd spaces,
case variants ("İ", Kelvin sign), separators, several items on a line. `bench/repair_identity.py`
checks the same on whole corpora (the steps' output before and after, digest for digest).
"""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import regex
from ftfy import badness

from tamis.document import Document
from tamis.repair import boilerplate_lines as bp
from tamis.repair import broken_lists, captions, unicode, whitespace
from tamis.text import prefilter

DATA = Path(__file__).resolve().parent.parent / "data"
REAL_LINES = sorted(
    {
        line
        for path in [*sorted((DATA / "repair").glob("*.txt")), *sorted(DATA.glob("paragraphs_*.txt"))]
        for line in path.read_text("utf-8").split("\n")
    }
)


def made_up(pieces: list[str], n: int, longest: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, longest))) for _ in range(n)]


def test_any_of_finds_what_substring_tests_find() -> None:
    needles = list(bp.load_rules().gate_words)
    finder = prefilter.any_of(needles)
    texts = [line.lower() for line in REAL_LINES] + made_up(
        [*needles, "cook", "ie", "rights", " ", "(", "c)", "x", "é"], 3000, 6, seed=1
    )
    for text in texts:
        assert (finder.search(text) is not None) == any(n in text for n in needles), text


def test_gate_scan_finds_every_line_that_holds_a_gate_word() -> None:
    rules = bp.load_rules()
    words = [*rules.gate_words, "COOKIES", "Copyright", "ALL RIGHTS RESERVED", "İ", "Σ", "\u212a"]
    for text in ["\n".join(REAL_LINES), *made_up([*words, " ", "\n", "a", "\t"], 2000, 8, seed=2)]:
        hits = bp._gated_lines(text, rules)
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if rules.gate.search(line.strip().lower()):
                assert hits is None or i in hits, (text, i)


def test_required_literal_is_in_every_match() -> None:
    pattern = r"(?:.{0,60}(plus|premium|\+)-?(artikel|inhalt) freischalten.{0,80})\s*[:*»›→|·.…!]*\s*"
    literal = prefilter.required_literal(pattern)
    assert literal == " freischalten"
    compiled = re.compile(pattern, re.I)
    for line in [
        "Premium-Artikel FREISCHALTEN",
        "Jetzt Plus-Inhalt freischalten »",
        "Plusinhalt freischalten",
    ]:
        assert compiled.fullmatch(line)
        assert re.search(re.escape(literal), line, re.I)


def test_one_item_menu_line_shortcut_agrees_with_the_item_count() -> None:
    rules = bp.load_rules()
    words = sorted(rules.menu_words)
    separators = [" ", "  ", " | ", "/", " » ", "::", ":", ",", " · ", "\t", " > ", "–", ";", ""]
    lines = REAL_LINES + made_up([*words[:60], "Home", "NEWS", "foo", *separators], 4000, 4, seed=3)
    for line in lines:
        s = line.strip()
        plain = 0 < len(s) <= 40 and bp._items(s, rules.menu_words, rules.menu_max_words) == 1
        assert bp._is_menu_item(line, rules) == plain, line


def test_whitespace_runs_only_the_rules_that_can_match() -> None:
    step = whitespace.NormalizeWhitespace()
    texts = REAL_LINES + made_up(
        [
            " ",
            "  ",
            "\n",
            "\n\n",
            "\n\n\n",
            "\t",
            "\xa0",
            "\u3000",
            "\r",
            "\x1c",
            "a",
            "b c",
            "\u2028",
            "\x85",
        ],
        5000,
        12,
        seed=4,
    )
    for text in texts:
        got = step.repair(text, Document(id="t", text=text))
        expected = text
        for pattern, repl, _rule, _may_match in whitespace._RULES:  # every rule, unconditionally
            expected = pattern.sub(repl, expected)
        assert got.text == expected, text
        can_match = any(pattern.search(text) for pattern, *_ in whitespace._RULES)
        assert whitespace.needs_normalizing(text) == can_match, text


def test_could_need_ftfy_agrees_with_the_checks_one_by_one() -> None:
    suspicious = unicode._suspicious()

    def plain(text: str) -> bool:
        if suspicious.search(text):
            return True
        if text.isascii():
            return False
        if not unicodedata.is_normalized("NFC", text):
            return True
        return bool(unicode._MOJIBAKE_PAIR.search(text) and badness.is_bad(text))

    pieces = [
        "a",
        "é",
        "Ã",
        "¼",
        "Â",
        "€",
        "™",
        "\x1b",
        "\u0301",
        "ﬁ",
        " ",
        "\n",
        "\x85",
        "\xa0",
        "Ð",
        "¿",
        "ß",
        "«",
    ]
    for text in REAL_LINES + made_up(pieces, 5000, 8, seed=5):
        assert unicode.could_need_ftfy(text) == plain(text), repr(text)


def test_is_bad_near_non_ascii_agrees_with_ftfy() -> None:
    assert unicode._badness_reach() is not None  # the installed ftfy's pattern allows the shortcut
    pieces = [
        "a",
        " ",
        "\n",
        "Ã",
        "Â",
        "©",
        "¼",
        "é",
        "\xa0",
        "€",
        "™",
        "Ð",
        "¿",
        "√",
        "±",
        "‚",
        "Ä",
        "β",
        "вЂ",
    ]
    pieces += ["x" * 20, "ß", "«", "Œ", "°", "à", "µ", "×", "²"]
    for text in REAL_LINES + made_up(pieces, 5000, 10, seed=8):
        assert unicode.is_bad(text) == badness.is_bad(text), repr(text)


def test_broken_lists_newline_scans_do_not_skip_a_list() -> None:
    step = broken_lists.RecoverBrokenLists()
    pieces = [
        "- ",
        "-\t",
        "* ",
        "+ ",
        "1) ",
        "12) ",
        "1)\t",
        "• ",
        "·",
        " ",
        "\n",
        "\n\n",
        "item",
        "-",
        ")",
        "\xa0",
    ]
    for text in REAL_LINES + made_up(pieces, 5000, 20, seed=6):
        got = step.repair(text, Document(id="t", text=text))
        # the former gates: two-character substring tests only
        expected = step._split_run_together(text) if any(g in text for g in "•▪◦‣●■") else None
        t = expected.text if expected else text
        edits = list(expected.edits) if expected else []
        if any(g in t for g in "•·▪◦‣●■"):
            r = broken_lists.Repaired.substitute(
                t, broken_lists._GLYPH_ITEM, broken_lists.MARKER, step=step.name, rule="bullet_item"
            )
            t, edits = r.text, edits + list(r.edits)
        if "- " in t or "* " in t or "+ " in t:
            r = step._dash_items(t)
            t, edits = r.text, edits + list(r.edits)
        if ") " in t:
            r = step._numbered(t)
            t, edits = r.text, edits + list(r.edits)
        assert (got.text, list(got.edits)) == (t, edits), repr(text)


def test_trailing_credit_search_equals_the_anchored_pattern() -> None:
    label, agency = captions._LABEL, captions._AGENCY
    anchored = regex.compile(
        rf"""(?ix)^(?:
            .{{0,200}}?\S\s*(?:[/|•–—]|\(|\[)\s*(?:{label}\s*[:©]?\s*)?©?\s*{agency}\b.{{0,80}}
          | .{{0,200}}?\S\s*(?:[|•–—(\[]|/)\s*(?:{label})\s*[:©]\s*\S.{{0,80}}
          | .{{0,200}}?[.,]\s*{label}\s*:?\s*©?\s*{agency}\b.{{0,40}}
        )$"""
    )
    pieces = ["Putin", "kam", " ", "/", " | ", "(", "[", ". ", ", ", "Foto", "Photo:", ": ", "©", "Getty Images",
              "Reuters", "AFP", "dpa", "x" * 70, "Bild", "Quelle:", "—", "•"]  # fmt: skip
    lines = [s.strip() for s in REAL_LINES + made_up(pieces, 6000, 10, seed=7)]
    positives = 0
    for line in lines:
        if len(line) > 220:
            continue
        expected = bool(anchored.match(line))
        positives += expected
        assert bool(captions._TRAILING.search(line)) == expected, line
    assert positives > 100  # the made-up lines do reach the credits
