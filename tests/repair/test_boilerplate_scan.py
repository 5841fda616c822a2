"""The line scan of `repair.boilerplate_lines` names every line a rule can take.

`_candidates` finds, with a few C-level scans of the whole text, the lines worth judging; the
step judges only those. These tests hold it to the plain definition: every line that `_judge`
(or the one-item menu and share check) takes must be named, and the step's output must be the
one of judging every line. The lines come from the real test pages and from strings generated
from every pattern of the pattern file (so that each pattern is covered, whatever it matches),
in case variants that `re.IGNORECASE` treats alike ("İ", "ı", Kelvin sign, long s, final sigma),
between odd white space (\\r, \\x85, U+2028, no-break space) and at the length limits.
`bench/repair_identity.py` checks the same on whole corpora.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from re import _constants as C
from re import _parser

import pytest

from tamis.document import Document
from tamis.repair import boilerplate_lines as bp
from tamis.steps import Repaired
from tamis.text import prefilter
from tamis.text.lines import line_spans

DATA = Path(__file__).resolve().parent.parent / "data"
REAL_LINES = sorted(
    {
        line
        for path in [*sorted((DATA / "repair").glob("*.txt")), *sorted(DATA.glob("paragraphs_*.txt"))]
        for line in path.read_text("utf-8").split("\n")
    }
)
PROSE = [line for line in REAL_LINES if len(line) > 60]
# characters a generated `.` or class may take: letters of several scripts, digits, punctuation
POOL = "abcxyzKSIéüßçАбвжщіұ0129 .,;:!?()[]{}'\"-–|/»©&*_$@=+%#\t\xa0"
SPACES = ["", " ", "\t", "\xa0", "\r", "\x85", "\u2028", "\u3000", "  \t"]


def rule_patterns() -> list[tuple[str, str, bool]]:
    """(rule, pattern as `load_rules` compiles it, whether the rule is gated) for every pattern."""
    out = []
    for rule, spec in bp.rule_data().items():
        trailer = spec.get("trailer", bp._TRAILER)
        for patterns in spec.get("patterns", {}).values():
            out += [(rule, f"(?:{p}){trailer}", bool(spec.get("any_of"))) for p in patterns]
    return out


def in_class(c: str, items: list) -> bool:
    """Whether `c` is in a parsed character class (the parts the pattern file uses)."""
    hit, negate = False, False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit |= c == chr(av)
        elif op is C.RANGE:
            hit |= av[0] <= ord(c) <= av[1]
        elif op is C.CATEGORY:
            hit |= {
                C.CATEGORY_DIGIT: c.isdecimal(),
                C.CATEGORY_NOT_DIGIT: not c.isdecimal(),
                C.CATEGORY_SPACE: c.isspace(),
                C.CATEGORY_NOT_SPACE: not c.isspace(),
                C.CATEGORY_WORD: c.isalnum() or c == "_",
                C.CATEGORY_NOT_WORD: not (c.isalnum() or c == "_"),
            }[av]
    return hit != negate


def sample(items: list, rng: random.Random) -> str:
    """A random string that the parsed pattern `items` may match (checked by the caller)."""
    out = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op in (C.ANY, C.NOT_LITERAL):
            out.append(rng.choice([c for c in POOL if op is C.ANY or c != chr(av)]))
        elif op is C.IN:
            own = [chr(v) for o, v in av if o is C.LITERAL]
            out.append(rng.choice([c for c in POOL + "".join(own) if in_class(c, av)]))
        elif op is C.BRANCH:
            out.append(sample(rng.choice(av[1]), rng))
        elif op is C.SUBPATTERN:
            out.append(sample(av[3], rng))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, sub = av
            out += [sample(sub, rng) for _ in range(rng.randint(low, min(high, low + 3)))]
    return "".join(out)


def variants(line: str) -> list[str]:
    """`line` in case variants that re.IGNORECASE equates, one of them with odd spaces around."""
    return [
        line,
        line.upper(),
        line.title(),
        line.swapcase(),
        line.replace("i", "İ").replace("s", "ſ"),
        line.replace("I", "ı").replace("k", "\u212a").replace("K", "\u212a"),
        line.replace("σ", "Σ").replace("ς", "Σ"),
    ]


def generated_lines(seed: int, per_pattern: int) -> list[tuple[str, str, bool]]:
    """(rule, line, gated) for strings generated from every pattern, each fullmatching it."""
    rng = random.Random(seed)
    out = []
    for rule, pattern, gated in rule_patterns():
        compiled = re.compile(pattern, re.I)
        tree = _parser.parse(pattern, re.I)
        for _ in range(per_pattern):
            s = sample(list(tree), rng)
            for v in variants(s):
                if compiled.fullmatch(v):
                    out.append((rule, rng.choice(SPACES) + v + rng.choice(SPACES), gated))
    return out


def judge_every_line(text: str) -> Repaired:
    """The step as it was before the scan: every line judged, then `line_spans` + `from_spans`."""
    rules = bp.load_rules()
    lines = text.split("\n")
    verdicts = [
        bp.RemoveBoilerplateLines._judge(line, rules) if 0 < len(line) <= rules.max_chars + 20 else None
        for line in lines
    ]

    def is_menu_item(j: int) -> bool:
        return bp._is_menu_item(lines[j], rules)

    def is_share_item(j: int) -> bool:
        return lines[j].strip().lower() in rules.share_words

    for i, line in enumerate(lines):
        if verdicts[i] is not None or not 0 < len(line.strip()) <= 40:
            continue
        for rule, is_item in (("navigation", is_menu_item), ("share_buttons", is_share_item)):
            if is_item(i):
                neighbours = (j for j in (bp._prev(lines, i), bp._next(lines, i)) if j is not None)
                if any(verdicts[j] == rule or is_item(j) for j in neighbours):
                    verdicts[i] = rule
                break
    if not any(verdicts):
        return Repaired(text)
    spans = line_spans(text, lines, verdicts)
    return Repaired.from_spans(text, spans, step=bp.RemoveBoilerplateLines.name)


def test_fold_is_what_ignorecase_equates() -> None:
    sample_chars = "".join(map(chr, range(0x2500))) + "\u212a\u212b\u2126\ua7ae\U00010400\U00010428"
    for c in "aikKsSßσςΣİıſÅåωΩµμ0 .(©ёЁіІқҚ\u212a\u0345ι":
        want = {x for x in sample_chars + c if re.fullmatch(re.escape(c), x, re.I)}
        assert set(prefilter.re_fold(c)) >= want, c
        assert all(re.fullmatch(re.escape(c), x, re.I) for x in prefilter.re_fold(c)), c


def test_every_pattern_line_is_named_by_the_scan() -> None:
    rules = bp.load_rules()
    assert rules.scan is not None  # the pattern file allows the scan: the fast path is on
    lines = generated_lines(seed=1, per_pattern=6)
    assert len({rule for rule, _, _ in lines}) == len(bp.RemoveBoilerplateLines.rules)  # every rule
    rng = random.Random(2)
    for rule, line, gated in lines:
        before, after = rng.choice(PROSE), rng.choice(PROSE)
        for text, i in (
            (f"{before}\n{line}\n{after}", 1),
            (line, 0),
            (f"{before}\n{line}", 1),
            (f"{line}\n{after}", 0),
        ):
            todo, gated_lines = prefilter.candidate_lines(text, rules.scan)
            assert i in todo, (rule, line)
            if gated:
                assert i in gated_lines, (rule, line)


def test_gated_flag_is_exact_where_it_is_off() -> None:
    # a line left out of the gated set must get the same verdict without the gated rules
    rules = bp.load_rules()
    pool = [line for _, line, _ in generated_lines(seed=3, per_pattern=2)] + REAL_LINES
    rng = random.Random(4)
    for _ in range(300):
        text = "\n".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        _, gated_lines = prefilter.candidate_lines(text, rules.scan)
        for i, line in enumerate(text.split("\n")):
            if i not in gated_lines and 0 < len(line) <= rules.max_chars + 20:
                assert bp.RemoveBoilerplateLines._judge(
                    line, rules, True
                ) == bp.RemoveBoilerplateLines._judge(line, rules, False), line


def awkward_documents(seed: int, n: int) -> list[str]:
    rules = bp.load_rules()
    rng = random.Random(seed)
    menu = sorted(rules.menu_words) + sorted(rules.share_words)
    bp_lines = [line for _, line, _ in generated_lines(seed=seed, per_pattern=1)]
    odd = [
        "",
        " ",
        "\r",
        "Home\r",
        "\x85Reply",
        "Reply\u2028",
        "İmprint",
        "Reply " * 40,
        " " * 600 + "Home",
        " " * 700 + "Facebook",
        "© 2024 Foo. All rights reserved." + " x" * 94,  # past the copyright limit
        ("© 2024 " + "Example Foo " * 30)[:220],  # at it
        ("Leave a Reply to " + "Sam " * 60)[:619],
        "ΣΊΣΥΦΟΣ ΚΑΙ ΟΔΥΣΣΕΑΣ",
        "straße Weiterlesen",
        "WEITERLESEN",
        "\u212aOMMENTARE (3)",
        "googletag.cmd.push(function() { googletag.display('div-1'); });",
        "googletag.cmd.push(function() { googletag.display('div-1'); }); " + "x" * 600,
        "Premium-Artikel FREISCHALTEN",
        "Jetzt Plus-Inhalt freiſchalten »",
        "We use COOKIES. Accept",
        "Diese Website verwendet Cookies.   OK  ",
    ]
    docs = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 14)):
            kind = rng.random()
            if kind < 0.3:
                parts.append(rng.choice(PROSE))
            elif kind < 0.55:
                parts.append(rng.choice(bp_lines))
            elif kind < 0.8:
                sep = rng.choice([" ", " | ", " · ", " / ", "  ", "\t", " » ", ""])
                lead = rng.choice(["", "", "» ", "| ", ":: ", "—", "· ", ", ", " ;"])  # "» Home"
                parts.append(lead + sep.join(rng.choice(menu) for _ in range(rng.randint(1, 5))))
            else:
                parts.append(rng.choice(odd))
        docs.append("\n".join(parts) + rng.choice(["", "\n", "\n\n"]))
    return docs


@pytest.mark.parametrize("seed", [5, 6])
def test_step_output_equals_judging_every_line(seed: int) -> None:
    step = bp.RemoveBoilerplateLines()
    docs = [*awkward_documents(seed, 700), "\n".join(REAL_LINES)]
    changed = 0
    for text in docs:
        got = step.repair(text, Document(id="t", text=text))
        want = judge_every_line(text)
        assert (got.text, got.edits) == (want.text, want.edits), repr(text)
        changed += bool(want.edits)
    assert changed > 300  # the documents do reach the rules


def test_word_search_finds_what_the_case_insensitive_alternation_finds() -> None:
    patterns = [p for spec in bp.rule_data().values() for p in spec.get("all_of", ())]
    assert patterns
    for pattern in patterns:
        plain, fast = re.compile(pattern), prefilter.word_search(pattern)
        assert fast.pattern != pattern  # the fast form is in use
        words = re.findall(r"[^|()?:\\]+", pattern.replace("(?i)", "").replace(r"\b", ""))
        pieces = [*words, "ok", "OK", "o\u212a", "okay", "İ", "ı", "ſ", " ", ".", "x", "Σ"]
        lines = REAL_LINES + [line for _, line, _ in generated_lines(seed=9, per_pattern=1)]
        for line in lines + made_up_lines(pieces, 4000, seed=10):
            assert (fast.search(line) is None) == (plain.search(line) is None), line


def made_up_lines(pieces: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(variants(rng.choice(pieces))) for _ in range(rng.randint(0, 5))) for _ in range(n)
    ]
