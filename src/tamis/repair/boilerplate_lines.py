"""Remove whole lines of page furniture: comment forms, share bars, cookie banners, menus, paywalls.

The patterns are data (repair/patterns/boilerplate.toml), one list per rule and language. A line
is removed only when a pattern matches all of it and it is no longer than the rule's
`max_chars`, so a sentence that merely mentions cookies or a newsletter is never touched.
Menus are recognised by their items (patterns/boilerplate.toml `navigation.words`): a line made
only of menu items, or a one-item line next to another menu line.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from re import _parser  # the stdlib's own parse tree of a pattern
from typing import Any

import regex

from tamis.derived import cached_json
from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text.lines import delete_lines

#: the name repair.debris_lines imports (its owner moves it to tamis.text.lines)
_delete_lines = delete_lines

# what may trail a furniture line: "Read more »", "Kommentare:", "Share *"
_TRAILER = r"\s*[:*»›→|·.…!]*\s*"
_MENU_SEPARATORS = regex.compile(r"\s*(?:\||·|•|/|»|›|>|–|—|::)\s*")
_MENU_SEPARATOR_TOKENS = re.compile(r"[|·•/»›>–—]|::")  # what `_MENU_SEPARATORS` needs to split


@dataclass(frozen=True)
class _Scan:
    #: at each newline: can the line it ends get a verdict from a gated rule (group "e"), can the
    #: line it starts get one ("s"), from a gated rule ("g")
    newlines: re.Pattern[str]
    anywhere: re.Pattern[str]  # words some rule needs anywhere in the line
    #: searched in the last few characters of the stripped text: can its last line end as some rule's
    last: re.Pattern[str]


@dataclass(frozen=True)
class _Rules:
    #: lowercased first character -> one regex (a named group per rule) of the patterns that can
    #: start with it; "" holds those that can start with anything
    by_first: _GroupsByFirst
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
    by_first_tame: _GroupsByFirst
    #: a literal that every `wild` pattern needs (case-insensitive); None: some has none
    wild_gate: re.Pattern[str] | None
    share_words: frozenset[str]
    menu_words: frozenset[str]
    menu_max_words: int  # the longest menu item, in words
    max_chars: int  # no rule looks at lines longer than this
    share_first: frozenset[str]  # first words of share-bar items: a cheap gate before `_items`
    menu_first: frozenset[str]
    max_combined_chars: int  # nor any rule of `combined`
    #: finds the lines any rule can take (`_candidates`); None: judge every line
    scan: _Scan | None = None


@functools.cache
def load_rules(resource: str = "repair/patterns/boilerplate.toml") -> _Rules:
    """Compile the packaged pattern file once per process (read-only afterwards)."""
    source = resources.files("tamis").joinpath(resource).read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(source)
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
            all_of = tuple(_word_search(p) for p in spec.get("all_of", ()))
            gated.append(
                (rule, int(spec["max_chars"]), _any_of(spec["any_of"]), all_of, re.compile(body, re.I))
            )
        else:
            plain += [(rule, rf"(?:{p}){trailer}") for p in patterns]
    share = frozenset(w for ws in data["share_buttons"].get("words", {}).values() for w in ws)
    menu = frozenset(w for ws in data["navigation"].get("words", {}).values() for w in ws)
    # what is derived from the pattern file alone is built once per machine, not per process
    derived = cached_json(
        "boilerplate_lines",
        [source, Path(__file__).read_bytes()],
        lambda: _derive(plain, data, every, share | menu),
    )
    by_first = _GroupsByFirst(derived["by_first"])
    by_first_tame = _GroupsByFirst(derived["by_first_tame"])
    wild_gate = None if derived["wild_gate"] is None else re.compile(derived["wild_gate"], re.I)
    scan = None if derived["scan"] is None else _Scan(*map(re.compile, derived["scan"]))
    gate_words = tuple(dict.fromkeys(w for rule, *_ in gated for w in data[rule]["any_of"]))
    rules = _Rules(
        by_first,
        {rule: n for rule, n in limits.items() if rule not in {g[0] for g in gated}},
        tuple(gated),
        gate_words,
        _any_of(gate_words),
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
    _every_character.cache_clear()  # 4.4 MB of code points, needed only while building
    return rules


def _derive(
    plain: list[tuple[str, str]],
    data: dict[str, Any],
    every: list[tuple[str, tuple[str, ...]]],
    items: frozenset[str],
) -> dict[str, Any]:
    """The pattern sources of `_dispatch` and `_build_scan` (JSON: `load_rules` caches them on disk)."""
    full, tame, gate = _dispatch(plain, data)
    scan = _build_scan(every, items)
    return {
        "by_first": full.sources,
        "by_first_tame": tame.sources,
        "wild_gate": None if gate is None else gate.pattern,  # compiled with re.I
        "scan": None if scan is None else [scan.newlines.pattern, scan.anywhere.pattern, scan.last.pattern],
    }


_SEPARATOR_CHARS = " ,;:|·•/»›>–—"
# characters by how often they occur in the bench corpus (bench/repair_quality.py, 10k documents in
# 12 languages), most often first, those under 0.02% left out: a gate word is looked for by its
# rarest character
_COMMON = " enitarshodlucmа,gоеwfbтн.иpсрлвvдkyкмуіыпzбязьгйж'чüш;äéj-ßх!qқ\"ю?—«»öx–:цщғң&à“”өұ0їү’/єè2эә·"


def _any_of(needles: Iterable[str]) -> re.Pattern[str]:
    """One pattern that finds any of `needles` (literal strings) where `needle in text` would.

    Each needle is entered at its rarest character, with a look-behind for what precedes it:
    `re` then skips with a C loop to the few positions holding one of those characters, where a
    plain alternation tries every needle at every position (bench: gate words over a 31 MB corpus,
    0.76 s as an alternation, 0.45 s as a loop of `in`, 0.20 s so).

    >>> p = _any_of(["cookie", "(c)", "rights reserved"])
    >>> [bool(p.search(t)) for t in ("our cookies", "(c) 2024", "all rights reserved", "cook")]
    [True, True, True, False]
    """
    by_anchor: dict[str, list[str]] = {}  # the needles that share an anchor are tried after it
    for needle in dict.fromkeys(needles):
        if not needle:
            return re.compile("")  # the empty string is in every text
        k = max(range(len(needle)), key=lambda i: _rarity(needle[i]))
        behind = f"(?<={re.escape(needle[: k + 1])})" if k else ""
        by_anchor.setdefault(needle[k], []).append(behind + re.escape(needle[k + 1 :]))
    return re.compile(
        "|".join(f"{re.escape(a)}(?:{'|'.join(rest)})" for a, rest in by_anchor.items()) or "(?!)"
    )


def _rarity(c: str) -> int:
    i = _COMMON.find(c)
    return len(_COMMON) if i < 0 else i


def _dispatch(
    plain: list[tuple[str, str]], data: dict[str, Any]
) -> tuple[_GroupsByFirst, _GroupsByFirst, re.Pattern[str] | None]:
    """Group line patterns by the (lowercased) characters they can start with.

    A line is then tried only against the ~20 patterns that can start with its first character,
    not all ~400 (bench/repair_quality.py: 4x faster). `regex`'s partial matching tells which
    first characters a pattern accepts; the alphabet is every character of the pattern file.

    Patterns that can start with anything ("wild": `.{0,60}premium-artikel freischalten`) sit in
    every group and cost half its time on lines they cannot match, so each group is also built
    without them, for lines that lack a literal every wild pattern needs. Returns the groups, the
    groups without wild patterns, and the pattern that finds those literals (None when some wild
    pattern has none: then the full groups are always used).
    """
    alphabet = sorted({c.lower() for c in repr(data)} | set("0123456789"))
    wildcard = "\ue000"  # a character no pattern names: patterns that accept it accept anything
    buckets: dict[str, list[str]] = {}
    for rule, pattern in plain:
        probe = regex.compile(pattern, regex.I)
        for c in [*alphabet, wildcard]:
            if probe.fullmatch(c, partial=True) or probe.fullmatch(c.upper(), partial=True):
                buckets.setdefault(c, []).append(f"(?P<{rule}>{pattern})")
    anything = buckets.get(wildcard, [])
    full = _groups(buckets, alphabet, anything)
    tame = _groups(buckets, alphabet, [])
    literals = [_required_literal(a[a.index(">") + 1 : -1]) for a in anything]
    if None in literals:
        return full, full, None
    gate = "|".join(re.escape(lit) for lit in literals if lit)
    return full, tame, re.compile(gate or "(?!)", re.I)


class _GroupsByFirst(dict[str, re.Pattern[str]]):
    """The pattern of each first character, compiled when a line first needs it; a character
    without a group of its own gets the group of "" (the patterns that can start with anything).

    One page's lines start with a few dozen characters: compiling every group of the alphabet
    up front cost `tamis clean` ~0.5 s of CPU per process (docs/speed.md). Look it up with
    `groups[c]`: `get` does not compile."""

    def __init__(self, sources: dict[str, str]) -> None:
        super().__init__()
        self.sources = sources

    def __missing__(self, c: str) -> re.Pattern[str]:
        source = self.sources.get(c)
        pattern = self[""] if source is None else re.compile(source, re.I)
        self[c] = pattern
        return pattern


def _groups(buckets: dict[str, list[str]], alphabet: list[str], anything: list[str]) -> _GroupsByFirst:
    sources = {}
    for c in alphabet:
        group: dict[str, list[str]] = {}
        for alternative in buckets.get(c, []) + anything:
            rule = alternative[4 : alternative.index(">")]
            group.setdefault(rule, []).append(alternative[alternative.index(">") + 1 : -1])
        if group:
            sources[c] = "|".join(f"(?P<{r}>{'|'.join(ps)})" for r, ps in group.items())
    fallback: dict[str, list[str]] = {}
    for alternative in anything:
        rule = alternative[4 : alternative.index(">")]
        fallback.setdefault(rule, []).append(alternative[alternative.index(">") + 1 : -1])
    sources[""] = "|".join(f"(?P<{r}>{'|'.join(ps)})" for r, ps in fallback.items()) or "(?!)"
    return _GroupsByFirst(sources)


def _required_literal(pattern: str) -> str | None:
    """The longest run of plain characters at the top level of `pattern`: every match holds it.

    >>> _required_literal(r"(?:.{0,60}(plus|premium)-?artikel freischalten.{0,80})\\s*")
    'artikel freischalten'
    >>> _required_literal("share|teilen") is None
    True
    """
    try:
        from re import _parser  # the stdlib's own parse tree: no hand-written regex parser
    except ImportError:  # pragma: no cover - Python < 3.11 names it sre_parse
        return None
    try:
        items = _parser.parse(pattern, re.I).data
    except Exception:  # an unparsable pattern simply gets no gate
        return None
    runs, run = [], []
    for op, value in items:
        if op is _parser.LITERAL:
            run.append(chr(value))
        else:
            runs.append("".join(run))
            run = []
    runs.append("".join(run))
    best = max(runs, key=len)
    return best if len(best) >= 3 else None


# --- the candidate scan: which lines can get a verdict at all -------------------------------------
#
# `_judge` costs ~4 µs a line (a case-insensitive fullmatch of the 20-60 patterns that can start
# with the line's first character, and the lowercasing around it); most lines of a page are
# prose that no rule can take. Two C-level scans of the whole text name the lines worth judging:
# one tried at each line start (the first characters every pattern and menu or share item can
# begin with), one for the words a rule needs somewhere in the line (the gate words of the gated
# rules, the literal every pattern needs that can begin with anything). Both match a superset of
# what the rules match, case-insensitively as `re.IGNORECASE` does (each character stands for every
# character that flag equates with it), so a line neither scan names gets no verdict from `_judge`.

_ANY = "[^\n]"  # a scan element that stands for any character of a line
_HEAD_DEPTH = 5  # characters of a line start the scan checks (bench: 2 lets 2x as many lines through)
_MAX_HEADS = 4000  # beyond this many heads a pattern is scanned to a shallower depth


class _Wild(Exception):
    """A pattern can begin with anything: the line-start scan cannot name its lines."""


@functools.cache
def _every_character() -> str:
    """Every code point below U+20000 except surrogates (no cased letter lies above)."""
    text = "".join(map(chr, range(0x20000)))
    return text[:0xD800] + text[0xE000:]


@functools.cache
def _fold(c: str) -> str:
    """Every character that `re.IGNORECASE` matches with `c` (`c` included), as `re` itself says.

    >>> _fold("k") == "".join(sorted("kK\\u212a"))
    True
    """
    found = (
        set(re.findall(re.escape(c), _every_character(), re.I)) if c.isalpha() or not c.isascii() else set()
    )
    return "".join(sorted(found | {c}))


def _class(chars: Iterable[str], digits: bool = False) -> str:
    """A character class (no flags) matching `chars` and every case variant of them."""
    folded = sorted({x for c in chars for x in _fold(c)})
    if len(folded) == 1 and not digits:
        return re.escape(folded[0])
    return "[" + (r"\d" if digits else "") + "".join(re.escape(x) for x in folded) + "]"


def _element(op: Any, av: Any) -> str:
    """The scan element for one character position of a parsed pattern."""
    if op is _parser.LITERAL:
        return _class(chr(av))
    if op is not _parser.IN:
        return _ANY
    chars: list[str] = []
    digits = False
    for item, value in av:
        if item is _parser.LITERAL:
            chars.append(chr(value))
        elif item is _parser.RANGE and value[1] - value[0] < 256:
            chars += map(chr, range(value[0], value[1] + 1))
        elif item is _parser.CATEGORY and value is _parser.CATEGORY_DIGIT:
            digits = True
        elif item is _parser.CATEGORY and value is _parser.CATEGORY_SPACE and len(av) == 1:
            return r"[^\S\n]"
        else:  # negated or broad classes
            return _ANY
    return _class(chars, digits)


def _heads(items: Any, depth: int, reverse: bool = False) -> set[tuple[str, ...]]:
    """The sequences of scan elements a match of the parsed `items` can begin with (`depth` long,
    or shorter where a match can end sooner); `reverse`: those it can end with, last first."""
    heads: set[tuple[str, ...]] = {()}
    done: set[tuple[str, ...]] = set()
    for op, av in reversed(items) if reverse else items:
        if not heads:
            break
        if op in (_parser.AT, _parser.ASSERT, _parser.ASSERT_NOT):
            continue  # zero-width: leaving it out only widens the scan
        if op is _parser.SUBPATTERN:
            options = _heads(av[3], depth, reverse)
        elif op is _parser.ATOMIC_GROUP:
            options = _heads(av, depth, reverse)
        elif op is _parser.BRANCH:
            options = set().union(*(_heads(alt, depth, reverse) for alt in av[1]))
        elif op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT):
            low, high, sub = av
            one = _heads(sub, depth, reverse)
            options, reps = set(), {()}
            for n in range(min(high, low + depth) + 1):
                if n >= low:
                    options |= reps
                options |= {r for r in reps if len(r) >= depth}
                reps = {(r + o)[:depth] for r in reps for o in one}
                if len(reps) > _MAX_HEADS:
                    raise _Wild
        elif op in (_parser.LITERAL, _parser.IN, _parser.ANY, _parser.NOT_LITERAL):
            options = {(_element(op, av),)}
        else:  # back references and the like: no pattern file uses them
            raise _Wild
        grown = {(h + o)[:depth] for h in heads for o in options}
        done |= {h for h in grown if len(h) >= depth}
        heads = {h for h in grown if len(h) < depth}
        if len(heads) + len(done) > _MAX_HEADS:
            raise _Wild
    return done | heads


def _pattern_heads(tree: Any, reverse: bool = False) -> set[tuple[str, ...]]:
    """`_heads` of a parsed rule pattern, as deep as stays small; _Wild if it can begin (or end,
    `reverse`) with any character."""
    for depth in range(_HEAD_DEPTH, 0, -1):
        try:
            heads = _heads(tree, depth, reverse)
        except _Wild:
            continue
        if any(not h or h[0] == _ANY for h in heads):
            raise _Wild
        return heads
    raise _Wild


def _needs(items: Any) -> set[str] | None:
    """Literals of which every match of the parsed `items` holds one (None if none found).

    >>> sorted(_needs(_parser.parse(".{0,9}(plus|premium)-?artikel freischalten.{0,8}", re.I)))
    ['artikel freischalten']
    """
    best: set[str] | None = None

    def consider(found: set[str] | None) -> None:
        nonlocal best
        if found and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    run: list[str] = []
    for op, av in items:
        if op is _parser.LITERAL:
            run.append(chr(av))
            continue
        consider({"".join(run)} if run else None)
        run = []
        if op is _parser.SUBPATTERN:
            consider(_needs(av[3]))
        elif op is _parser.BRANCH:
            options = [_needs(alt) for alt in av[1]]
            if all(options):
                consider(set().union(*options))  # type: ignore[arg-type]
        elif op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_needs(av[2]))
    consider({"".join(run)} if run else None)
    return best


def _trie(heads: Iterable[tuple[str, ...]]) -> str:
    """One pattern matching any of `heads` (sequences of scan elements), shared beginnings once."""
    tree: dict[str, Any] = {}
    for head in heads:
        node = tree
        for element in head:
            if node.get("") is True:
                break  # a shorter head already matches here
            node = node.setdefault(element, {})
        else:
            node.clear()
            node[""] = True

    def emit(node: dict[str, Any]) -> str:
        if node.get("") is True:
            return ""
        return "(?:" + "|".join(element + emit(child) for element, child in node.items()) + ")"

    return emit(tree) if tree else "(?!)"


def _words_anywhere(words: Iterable[str]) -> str:
    """A pattern finding any of `words` (of 2 or more characters) case-insensitively, as re.I would.

    `re` skips in C to the characters the words are entered at (each at its rarest character
    class, by `_COMMON`); there, one test of the character after rejects most places, and a
    look-behind checks the whole word only when the rest matched (bench: 0.11 s over the bench
    corpus, 0.20 s with the look-behind first as `_any_of` does).
    """
    rests: list[str] = []
    anchors: set[str] = set()
    nexts: set[str] = set()
    for word in dict.fromkeys(words):
        k = max(range(len(word) - 1), key=lambda i: min(_rarity(x.lower()) for x in _fold(word[i])))
        anchors |= set(_fold(word[k]))
        nexts |= set(_fold(word[k + 1]))
        rests.append("".join(_class(c) for c in word[k + 2 :]) + f"(?<={''.join(map(_class, word))})")
    return f"{_class(anchors)}{_class(nexts)}(?:{'|'.join(rests)})"


def _word_search(pattern: str) -> re.Pattern[str]:
    """`re.compile(pattern)`, or, for a case-insensitive alternation of words (`all_of`), a pattern
    whose `search` finds a match exactly where that one's does, faster.

    The words become one trie of explicit case classes (`_class`, as re.I equates characters), so
    that `re` tests each alternative by its first character instead of entering all ~70 at every
    position (bench: 28 -> ~8 µs on a cookie banner). A word that holds another (`web`, `website`)
    is left to the shorter, which a search finds wherever it finds the longer.
    """
    tree = _parser.parse(pattern)
    items = tree.data
    while len(items) == 1 and items[0][0] is _parser.SUBPATTERN and not any(items[0][1][1:3]):
        items = items[0][1][3].data
    if not tree.state.flags & re.I or len(items) != 1 or items[0][0] is not _parser.BRANCH:
        return re.compile(pattern)
    boundary = {_parser.AT_BOUNDARY: r"\b", _parser.AT_NON_BOUNDARY: r"\B"}
    words = []
    for alternative in items[0][1][1]:
        word = []
        for op, av in alternative:
            if op is _parser.LITERAL:
                word.append(_class(chr(av)))
            elif op is _parser.AT and av in boundary:
                word.append(boundary[av])
            else:
                return re.compile(pattern)
        if not word:
            return re.compile(pattern)
        words.append(tuple(word))
    return re.compile(_trie(words))


def _build_scan(patterns: list[tuple[str, tuple[str, ...]]], items: Iterable[str]) -> _Scan | None:
    """The scans of `_candidates` for these (pattern, words its rule needs) pairs and menu and share
    items; None where a pattern defeats them."""
    heads: set[tuple[str, ...]] = set()
    gated: set[tuple[str, ...]] = set()  # the heads of the gated rules' patterns
    tails: set[tuple[str, ...]] = set()
    needs: set[str] = set()
    for pattern, words in patterns:
        tree = _parser.parse(pattern, re.I)
        try:
            found_heads = _pattern_heads(tree)
            heads |= found_heads
            if words:
                gated |= found_heads
            continue
        except _Wild:
            pass
        found = _needs(tree)
        if found and min(map(len, found)) >= 3:
            needs |= found
            continue
        try:  # tracking snippets end with one of ";)}]"
            tails |= {h[::-1] for h in _pattern_heads(tree, reverse=True)}
            continue
        except _Wild:
            pass
        if not words:
            return None
        needs |= set(words)
    for item in items:  # menu and share items, also one a line: their words as `.split()` sees them
        head: list[str] = []
        for word in item.split():
            if head:
                head.append(r"[^\S\n]+")
            head += [_class(c) for c in word]
            if sum(e != r"[^\S\n]+" for e in head) >= _HEAD_DEPTH:
                break
        heads.add(tuple(head))
    # what `_judge` strips (whitespace) and what the menu and share checks skip (separators)
    spaces = "".join(c for c in _every_character() if c.isspace() and c != "\n")
    skip = "[" + "".join(re.escape(c) for c in sorted(set(spaces + _SEPARATOR_CHARS + ":,;"))) + "]*+"
    needs = {w for w in needs if not any(v != w and v in w for v in needs)}  # "cookie" covers "cookie files"
    if any(len(w) < 2 for w in needs):
        return None
    by_length: dict[int, list[tuple[str, ...]]] = {}
    for tail in tails:
        by_length.setdefault(len(tail), []).append(tail)
    # a line that ends with white space (stripped by `_judge`) is always looked at
    ends = "|".join([f"(?<={_trie(ts)}\n)" for _, ts in sorted(by_length.items())] + [r"(?<=[^\S\n]\n)"])

    # the next line's start; "g": it may be a gated rule's
    body = f"{skip}(?P<g>(?={_trie(gated)}))?{_trie(heads)}(?P<s>)"

    return _Scan(
        # the start scan once (its code is large): it, or else nothing if the end matched
        re.compile(f"\n(?P<e>{ends})?(?:{body}|(?(e)|(?!)))"),
        re.compile(_words_anywhere(sorted(needs))) if needs else re.compile("(?!)"),
        re.compile("(?:" + "|".join(f"(?<={_trie(ts)})" for _, ts in sorted(by_length.items())) + r")\Z"),
    )


def _candidates(text: str, scan: _Scan) -> tuple[list[int], set[int]]:
    """The indexes of the lines `_judge` may take, in order, and of those a gated rule may take."""
    found: set[int] = set()
    gated = set()
    end = len(text.rstrip())  # the last line, which no newline ends: its tail, found by `last`
    if scan.last.search(text, end, end):  # (its look-behind sees the characters before)
        gated.add(text.count("\n"))
    # behind a newline the first line is scanned as the others are, by the same compiled code
    # (a second copy for the first line alone costs cache misses in the chain of steps)
    text = "\n" + text
    line = pos = 0  # newlines before the hit, counted once in text order, from the last hit on
    for m in scan.newlines.finditer(text):
        start = m.start()
        line += text.count("\n", pos, start)
        pos = start
        if m.group("e") is not None:  # the line this newline ends
            gated.add(line - 1)
        if m.group("s") is not None:  # the line it starts
            found.add(line)
            if m.group("g") is not None:
                gated.add(line)
    line = pos = 0
    for m in scan.anywhere.finditer(text):
        start = m.start()
        line += text.count("\n", pos, start)
        pos = start
        gated.add(line - 1)
    return sorted(found | gated), gated


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
                todo, gated_lines = _candidates(text, rules.scan)
            elif not (kept := [i for i, s in enumerate(lines) if len(s) <= limit or len(s.strip()) <= 40]):
                return Repaired(text)
            else:
                todo, gated_lines = _candidates("\n".join([lines[i] for i in kept]), rules.scan)
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
