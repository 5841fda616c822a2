"""Remove whole lines of page furniture: comment forms, share bars, cookie banners, menus, paywalls.

The rules are data (repair/patterns/boilerplate.toml: each rule's `max_chars` and gates), and so
are their patterns, one list per rule in each language file (tamis/data/languages/<lang>.toml,
`[boilerplate.patterns]`). A line is removed only when a pattern matches all of it and it is no
longer than the rule's `max_chars`, so a sentence that merely mentions cookies or a newsletter is
never touched. Menus are recognised by their items (`[boilerplate.words] navigation`): a line
made only of menu items, or a one-item line next to another menu line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from tamis.derived import cached_json
from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text import boilerplate_patterns, prefilter
from tamis.text.boilerplate_patterns import rule_data
from tamis.text.language_data import source_text as language_source_text
from tamis.text.lines import delete_lines
from tamis.text.prefilter import (
    GroupsByFirst,
    LineScan,
    any_of,
    build_line_scan,
    candidate_lines,
    dispatch_by_first_char,
    word_search,
)

# what may trail a furniture line: "Read more »", "Kommentare:", "Share *"
_TRAILER = r"\s*[:*»›→|·.…!]*\s*"
_MENU_SEPARATORS = regex.compile(r"\s*(?:\||·|•|/|»|›|>|–|—|::)\s*")
_MENU_SEPARATOR_TOKENS = re.compile(r"[|·•/»›>–—]|::")  # what `_MENU_SEPARATORS` needs to split


@dataclass(frozen=True)
class _Rules:
    #: lowercased first character -> one regex (a named group per rule) of the patterns that can
    #: start with it; "" holds those that can start with anything
    by_first: GroupsByFirst
    limits: dict[str, int]  # rule -> max_chars, for the rules in `by_first`
    #: (rule, max_chars, any_of as one pattern, all_of, body)
    gated: tuple[tuple[str, int, re.Pattern[str], tuple[re.Pattern[str], ...], re.Pattern[str]], ...]
    gate_words: tuple[str, ...]  # every word of every gated rule
    #: finds any of `gate_words` in lowercased text (one C-level scan instead of a loop of `in`)
    gate: re.Pattern[str]
    #: whether `gate` may be run once on the whole lowercased text (no gate word holds a sigma)
    gate_by_text: bool
    #: `by_first` without the patterns that can start with anything (`wild`), for lines where none
    #: of those can match
    by_first_tame: GroupsByFirst
    #: a literal that every `wild` pattern needs (case-insensitive); None: some has none
    wild_gate: re.Pattern[str] | None
    share_words: frozenset[str]
    menu_words: frozenset[str]
    menu_max_words: int  # the longest menu item, in words
    max_chars: int  # no rule looks at lines longer than this
    share_first: frozenset[str]  # first words of share-bar items: a cheap gate before `_items`
    menu_first: frozenset[str]
    max_combined_chars: int  # nor any rule of `combined`
    #: finds the lines any rule can take (`candidate_lines`); None: judge every line
    scan: LineScan | None = None


@functools.cache
def load_rules(resource: str = "repair/patterns/boilerplate.toml") -> _Rules:
    """Compile the packaged pattern file and the language files once per process (read-only afterwards)."""
    data = rule_data(resource)
    source = resources.files("tamis").joinpath(resource).read_text("utf-8") + language_source_text()
    gated = []  # rules with an `any_of` gate, checked first: their patterns scan the whole line
    plain: list[tuple[str, str]] = []
    every: list[tuple[str, tuple[str, ...]]] = []  # each pattern, and the words its rule needs (any_of)
    limits = {}
    for rule, spec in data.items():
        patterns = [p for per_lang in spec.get("patterns", {}).values() for p in per_lang]
        if not patterns:
            continue
        trailer = spec.get("trailer", _TRAILER)
        limits[rule] = int(spec["max_chars"])
        every += [(rf"(?:{p}){trailer}", tuple(spec.get("any_of", ()))) for p in patterns]
        if spec.get("any_of"):
            body = rf"(?:{'|'.join(f'(?:{p})' for p in patterns)}){trailer}"
            all_of = tuple(word_search(p) for p in spec.get("all_of", ()))
            gated.append(
                (rule, int(spec["max_chars"]), any_of(spec["any_of"]), all_of, re.compile(body, re.I))
            )
        else:
            plain += [(rule, rf"(?:{p}){trailer}") for p in patterns]
    share = boilerplate_patterns.rule_words(data, "share_buttons")
    menu = boilerplate_patterns.rule_words(data, "navigation")
    # what is derived from the pattern file alone is built once per machine, not per process
    derived = cached_json(
        "boilerplate_lines",
        [
            source,
            *(Path(f).read_bytes() for f in (__file__, prefilter.__file__, boilerplate_patterns.__file__)),
        ],
        lambda: _derive(plain, data, every, share | menu),
    )
    by_first = GroupsByFirst(derived["by_first"])
    by_first_tame = GroupsByFirst(derived["by_first_tame"])
    wild_gate = None if derived["wild_gate"] is None else re.compile(derived["wild_gate"], re.I)
    scan = None if derived["scan"] is None else LineScan(*map(re.compile, derived["scan"]))
    gate_words = boilerplate_patterns.gate_words(data)  # the `any_of` words of the rules in `gated`
    rules = _Rules(
        by_first,
        {rule: n for rule, n in limits.items() if rule not in {g[0] for g in gated}},
        tuple(gated),
        gate_words,
        any_of(gate_words),
        not any(c in w for w in gate_words for c in "σςΣ") and all(w == w.strip() for w in gate_words),
        by_first_tame,
        wild_gate,
        share,
        menu,
        max(len(w.split()) for w in menu),
        max(limits.values()),
        frozenset(w.split()[0] for w in share),
        frozenset(w.split()[0] for w in menu),
        max(n for rule, n in limits.items() if rule not in {g[0] for g in gated}),
        scan,
    )
    prefilter.release()
    return rules


def _derive(
    plain: list[tuple[str, str]],
    data: dict[str, Any],
    every: list[tuple[str, tuple[str, ...]]],
    items: frozenset[str],
) -> dict[str, Any]:
    """The pattern sources of `dispatch_by_first_char` and `build_line_scan` (JSON: `load_rules` caches them on disk)."""
    full, tame, gate = dispatch_by_first_char(plain, repr(data))
    scan = build_line_scan(every, items, _SEPARATOR_CHARS)
    return {
        "by_first": full.sources,
        "by_first_tame": tame.sources,
        "wild_gate": None if gate is None else gate.pattern,  # compiled with re.I
        "scan": None if scan is None else [scan.newlines.pattern, scan.anywhere.pattern, scan.last.pattern],
    }


_SEPARATOR_CHARS = " ,;:|·•/»›>–—"


def _items(line: str, vocabulary: frozenset[str], max_words: int) -> int:
    """How many vocabulary items make up the whole line (0 if any part is not one).

    >>> _items("Home | News | About us", frozenset({"home", "news", "about us"}), 2)
    3
    >>> _items("Home News Sport", frozenset({"home", "news", "sport"}), 1)
    3
    >>> _items("Home is where the heart is", frozenset({"home"}), 1)
    0
    """
    count = 0
    for part in _MENU_SEPARATORS.split(line.lower()):
        part = part.strip(" ,;:")
        if not part:
            continue
        if part in vocabulary:
            count += 1
            continue
        words = part.split()
        i = 0
        while i < len(words):  # greedy: the longest item first ("about us" before "about")
            for n in range(min(max_words, len(words) - i), 0, -1):
                if " ".join(words[i : i + n]) in vocabulary:
                    count += 1
                    i += n
                    break
            else:
                return 0
    return count


@register("repair.boilerplate_lines", version=1)
@dataclass(frozen=True)
class RemoveBoilerplateLines(Repair):
    """Remove whole lines of page furniture (comments, share bars, cookies, menus, paywalls, …)."""

    rules = {
        "comment_form": "a comment form line ('Leave a Reply', 'Kommentar verfassen', 'Your email address will not be published')",
        "share_buttons": "a share or follow bar ('Share on Facebook', 'Facebook Twitter WhatsApp E-Mail')",
        "cookie_notice": "a cookie consent banner",
        "read_more": "a 'Read more' / 'Weiterlesen' link line",
        "navigation": "a menu, breadcrumb or 'related / previous / next article' line",
        "paywall": "a paywall prompt ('This article is for subscribers only')",
        "newsletter": "a newsletter sign-up prompt",
        "copyright": "a copyright / 'All rights reserved' line",
        "posted_in": "a 'Posted in …' / 'Tags: …' category line",
        "report_error": "a 'Found a typo? Select it and press Ctrl+Enter' widget line",
        "advertisement": "an ad label line ('Advertisement', 'Anzeige', 'Реклама')",
        "script_required": "a notice that the page needs JavaScript or another browser, or a 'Loading…' placeholder",
        "tracking_script": "an ad or analytics code snippet left as text (adsbygoogle, googletag, dataLayer, …)",
    }

    def setup(self) -> None:
        """The rules and their scans (~0.5 s of CPU), once in the parent: forked workers share them."""
        load_rules()

    def preload(self) -> None:
        """Every first character's pattern group too (compiled on first need otherwise: ~0.16 s
        in each worker, 0.36 s for all of them once in the parent)."""
        rules = load_rules()
        for groups in (rules.by_first, rules.by_first_tame):
            for c in list(groups.sources):
                groups[c]  # compiles and keeps the group

    def repair(self, text: str, doc: Document) -> Repaired:
        rules = load_rules()
        lines = text.split("\n")
        limit = rules.max_chars + 20  # no line longer is judged
        if rules.scan is None:  # judge every line
            hits = _gated_lines(text, rules)
            todo: Iterable[int] = range(len(lines))
            gated = lambda i: hits is None or i in hits  # noqa: E731
        else:
            # the scans read only the lines that can get a verdict (bench: a third of the text
            # lies in longer lines); a long line of white space around one word stays, as an item
            if max(map(len, lines)) <= limit:
                todo, gated_lines = candidate_lines(text, rules.scan)
            elif not (kept := [i for i, s in enumerate(lines) if len(s) <= limit or len(s.strip()) <= 40]):
                return Repaired(text)
            else:
                todo, gated_lines = candidate_lines("\n".join([lines[i] for i in kept]), rules.scan)
                todo = [kept[i] for i in todo]
                gated_lines = {kept[i] for i in gated_lines}
            gated = gated_lines.__contains__
        verdicts: dict[int, str] = {}
        for i in todo:
            line = lines[i]
            if 0 < len(line) <= limit:
                rule = _judge_line(line, gated(i))
                if rule is not None:
                    verdicts[i] = rule
        # A one-item line counts only next to a line of the same kind: a menu item ("Home") next
        # to another menu line, a network name ("ВКонтакте", "Telegram") next to another one or
        # to a share bar (share buttons laid out one a line)
        menu_items: dict[int, bool] = {}  # line index -> _is_menu_item, each line judged once

        def is_menu_item(j: int) -> bool:
            if j not in menu_items:
                menu_items[j] = _is_menu_item(lines[j], rules)
            return menu_items[j]

        def is_share_item(j: int) -> bool:
            return lines[j].strip().lower() in rules.share_words

        for i in todo:  # a line outside `todo` is neither item
            line = lines[i]
            if i in verdicts or not 0 < len(line.strip()) <= 40:
                continue
            for rule, is_item in (("navigation", is_menu_item), ("share_buttons", is_share_item)):
                if is_item(i):
                    neighbours = (j for j in (_prev(lines, i), _next(lines, i)) if j is not None)
                    if any(verdicts.get(j) == rule or is_item(j) for j in neighbours):
                        verdicts[i] = rule
                    break
        if not verdicts:
            return Repaired(text)
        return delete_lines(text, lines, verdicts, self.name)

    @staticmethod
    def _judge(line: str, rules: _Rules, gated: bool = True) -> str | None:
        s = line.strip()
        n = len(s)
        if not n or n > rules.max_chars:
            return None
        if gated:
            low = s.lower()
            if rules.gate.search(low):  # one pass over every gated rule's words
                for rule, max_chars, any_of, all_of, pattern in rules.gated:
                    if (
                        n <= max_chars
                        and any_of.search(low)
                        and all(p.search(s) for p in all_of)
                        and pattern.fullmatch(s)
                    ):
                        return rule
        if n <= rules.max_combined_chars:
            wild_gate = rules.wild_gate
            groups = rules.by_first if wild_gate is None or wild_gate.search(s) else rules.by_first_tame
            # s.lower()[0] without lowering the whole line ([0]: "İ" lowers to two characters)
            m = groups[s[0].lower()[0]].fullmatch(s)
            if m is not None:
                rule = m.lastgroup
                if rule is not None and n <= rules.limits[rule]:
                    return rule
        if n <= 160:
            first = s.split(None, 1)[0].lower().strip(_SEPARATOR_CHARS)
            if first in rules.share_first and _items(s, rules.share_words, 2) >= 2:
                return "share_buttons"
            if first in rules.menu_first and _items(s, rules.menu_words, rules.menu_max_words) >= 2:
                return "navigation"
        return None


#: verdicts of recently judged lines: page furniture repeats across the pages of a site and a
#: crawl (the bench corpus's 21k removed lines are 1,727 distinct ones), so most judgements are
#: look-ups. A pure function's cache: a verdict depends only on the line and the packaged rules
JUDGED_LINES_CACHE = 1 << 16


@functools.lru_cache(maxsize=JUDGED_LINES_CACHE)
def _judge_line(line: str, gated: bool) -> str | None:
    """`RemoveBoilerplateLines._judge` with the packaged rules, remembered."""
    return RemoveBoilerplateLines._judge(line, load_rules(), gated)


def _gated_lines(text: str, rules: _Rules) -> set[int] | None:
    """Indexes of the lines that hold a gate word, from one scan of the lowercased text.

    Most pages hold none, and the lines that do are found without lowering each line. A line's
    lowercase is the matching slice of the text's when lowering kept every character's length
    and no gate word holds a sigma (the one letter lowered by its neighbours) or starts or ends
    with a space (so a hit lies inside the stripped line). None: judge every line.
    """
    if not rules.gate_by_text:
        return None
    low = text.lower()
    if len(low) != len(text):
        return None
    hits: set[int] = set()
    line = pos = 0
    for m in rules.gate.finditer(low):  # in text order: newlines counted once, from the last hit on
        start = m.start()
        line += text.count("\n", pos, start)
        pos = start
        hits.add(line)
    return hits


def _is_menu_item(line: str, rules: _Rules) -> bool:
    s = line.strip()
    if not 0 < len(s) <= 40:
        return False
    low = s.lower()
    if _MENU_SEPARATOR_TOKENS.search(low) is None:
        # one part, so `_items` is 1 exactly when the part, or its words, is one item (it takes
        # the longest item first): two set lookups instead of a regex split (3x faster)
        part = low.strip(" ,;:")
        return bool(part) and (part in rules.menu_words or " ".join(part.split()) in rules.menu_words)
    return _items(s, rules.menu_words, rules.menu_max_words) == 1


def _prev(lines: list[str], i: int) -> int | None:
    return i - 1 if i > 0 and lines[i - 1].strip() else None


def _next(lines: list[str], i: int) -> int | None:
    return i + 1 if i + 1 < len(lines) and lines[i + 1].strip() else None
