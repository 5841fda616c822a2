"""repair.captions checks only the lines its scan names; the scan must name every caption.

The fast path (`MoveCaptions.repair`) is compared with the plain check of every line
(`repair_every_line`) on real lines and on made-up awkward ones; the scan itself must name every
line that the caption patterns (`regex` module, IGNORECASE) take, in every case variant `regex`
accepts.
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path
from re import _parser  # type: ignore[attr-defined]

import pytest

from tamis.repair import captions as c
from tamis.text import prefilter

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = Path(__file__).resolve().parents[1] / "cases" / "repair" / "captions.toml"
STEP = c.MoveCaptions()
# characters that case-fold oddly: "İ" is an "i" to `regex`, "ı" is not; Kelvin sign, long s, sigmas
_ODD = {"i": "İı", "k": "\u212a", "s": "ſ", "a": "ª", "ς": "Σσ", "σ": "ςΣ"}
_SPACES = [" ", "\t", "\r", "\x85", "\u2028", "\u2029", "\u00a0", "\u3000", "\x1c", "\x1f", "\u202f"]


def _real_lines() -> list[str]:
    lines: list[str] = []
    for path in [*sorted((DATA / "repair").glob("*.txt")), *sorted(DATA.glob("paragraphs_*.txt"))]:
        lines += path.read_text(encoding="utf-8").split("\n")
    for case in tomllib.loads(CASES.read_text(encoding="utf-8"))["cases"]:
        lines += case["input"].split("\n")
    return lines


def _named(line: str) -> bool:
    scan = c._caption_scan()
    assert scan is not None
    s = line.strip()
    return bool(scan.lead.match(s) or scan.trail.search(s))


def _is_caption(line: str) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= STEP.max_chars and c._could_be_caption(s) and STEP.is_caption(s)


def _words(pattern: str) -> list[str]:
    """One spelling of every alternative of a caption word list (lower case, white space as a space)."""
    words = []
    for seq in prefilter.expand(_parser.parse(pattern)):
        words.append("".join(" " if " " in chars else min(ch.lower()[0] for ch in chars) for chars in seq))
    return sorted(words)


def _variants(word: str, rng: random.Random) -> list[str]:
    out = [word, word.upper(), word.title(), word.swapcase()]
    for plain, odd in _ODD.items():
        for o in odd:
            out.append(word.replace(plain, o))
    out.append("".join(ch.upper() if rng.random() < 0.5 else ch for ch in word))
    return out


def _made_up_lines(rng: random.Random) -> list[str]:
    """Lines around every label and agency: leading and closing credits in case variants, with odd
    white space, brackets, and lengths at the step's limit."""
    lines = []
    labels, agencies = _words(c._LABEL), _words(c._AGENCY)
    for word in labels + agencies:
        for v in _variants(word, rng):
            sp = rng.choice(_SPACES)
            other = rng.choice(agencies)
            lines += [
                f"{v}: Max Muster",
                f"{sp}({v}{sp}/{sp}{other}",
                f"Der Präsident in Astana{sp}/{sp}{v}",
                f"Der Präsident in Astana ({v}: dpa)",
                f"Der Präsident in Astana /{sp}©{sp}{v}",
                f"Ein Bild.{sp}{v}{sp}{other}",
                f"Ein Bild, {v} ©{other}",
                f"{v}",
                f"{v}{sp}|{sp}Archiv",
                f"{v} by Jane Doe",
                f"{v}{sp}\u2014{sp}{other} 2023",
            ]
    for sign in "©®":
        lines += [f"{sign} AFP", f"{sign}{rng.choice(_SPACES)}Tagesblatt 2023", f"[{sign} x"]
    for base in list(lines[:: max(1, len(lines) // 300)]):
        # at the length limit: padded in front to exactly max_chars, and one over
        for width in (STEP.max_chars, STEP.max_chars + 1):
            pad = width - len(base.strip())
            if pad > 0:
                lines.append(("x" * (pad - 1) + " " + base.strip())[-width:])
        lines.append("\u2028" * 300 + base + " " * 300)  # long only through white space
        lines.append("Lorem ipsum dolor sit amet " * 12 + base)  # prose too long to be a caption
    return lines


def test_the_scan_is_built() -> None:
    # if it were not, `repair` would check every line and the comparisons below would prove nothing
    assert c._caption_scan() is not None


def test_every_caption_line_is_named() -> None:
    rng = random.Random(3)
    lines = _real_lines() + _made_up_lines(rng)
    captions = [line for line in lines if _is_caption(line)]
    assert len(captions) > 1000  # the made-up lines do reach the caption patterns
    missed = [line for line in captions if not _named(line)]
    assert not missed, missed[:5]
    # and it is a scan, not a pass for everything: real prose lines are mostly not named
    prose = [line for line in _real_lines() if line.strip() and not _is_caption(line)]
    assert sum(map(_named, prose)) < 0.2 * len(prose)


def _pages(rng: random.Random) -> list[str]:
    real = [line for line in _real_lines() if line.strip()]
    made = _made_up_lines(rng)
    pages = [path.read_text(encoding="utf-8") for path in sorted((DATA / "repair").glob("*.txt"))]
    for _ in range(300):
        lines = rng.sample(real, 6) + rng.sample(made, rng.randint(0, 4))
        rng.shuffle(lines)
        page = rng.choice(["\n", "\n\n", "\r\n"]).join(lines)
        pages.append(rng.choice(["", "\n", "  "]) + page + rng.choice(["", "\n", "\n\n", " "]))
    pages += ["", "\n", "Foto: dpa", "Foto: dpa\n", "Text.\nFoto: dpa", "Foto: dpa\nFoto: AFP"]
    return pages


@pytest.mark.parametrize("seed", [1, 2])
def test_repair_equals_the_plain_check_of_every_line(seed: int) -> None:
    moved = 0
    for page in _pages(random.Random(seed)):
        fast, plain = STEP.repair(page, None), STEP.repair_every_line(page)  # type: ignore[arg-type]
        assert (fast.text, fast.edits, fast.captions) == (plain.text, plain.edits, plain.captions), page
        moved += len(plain.captions)
    assert moved > 100


def test_a_long_sentence_before_a_wire_credit_is_the_articles_own_up_to_min_sentence_words() -> None:
    line = "Prices of steel rose again this week as demand from builders recovers in autumn. / Reuters"
    assert not c.MoveCaptions().is_caption(line)  # 14 words ending like a sentence: the article's
    longer = type("LongerSentences", (c.MoveCaptions,), {"min_sentence_words": 20})
    assert longer().is_caption(line)
    assert c.MoveCaptions().is_caption("Steel rose again. / Reuters")  # a short one: a caption
