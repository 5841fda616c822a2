"""Line prefilters: cheap `re` scans, built from a step's own patterns, that name the few lines or
places where those patterns can match, so that the exact (slower) check runs only there.

Every scan accepts a superset of what its patterns accept: each literal character stands for
every character the patterns' IGNORECASE equates with it (asked of `re` or of `regex` itself,
`re_fold` / `regex_fold`: the two differ, "ı" is an "i" to `re` only), zero-width items are left
out, and a piece the builder cannot expand makes it give up (the caller then checks every line).
The patterns are read with the standard library's own parser (`re._parser`); this module is its
only user in tamis. tests/text/test_prefilter.py, tests/repair/test_boilerplate_scan.py and
tests/repair/test_caption_scan.py check the scans against the patterns.

Two builders share the character tables:
- `build_line_scan` (repair.boilerplate_lines): the first few characters each pattern can begin
  a line with, the literals it needs anywhere, the characters it can end with
  (`candidate_lines` reads the result); `dispatch_by_first_char` groups the patterns by the
  first character they accept, `any_of` / `words_anywhere` / `word_search` find words fast.
- `exact_trie` (repair.captions): every sequence of characters a small finite pattern matches,
  as one trie-shaped `re` alternation.
No library does this as fast: pyahocorasick finds boilerplate_lines' gate words at half the
speed of `any_of` (same hits, docs/repair-speed.md) and knows no case folding or line starts;
Hyperscan compiles sets of regexes but not `re`'s IGNORECASE folding or look-behinds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from re import _parser  # type: ignore[attr-defined]  # the stdlib's own parse tree of a pattern
from typing import Any

import numpy as np
import regex

from tamis.text import chars as code_points
from tamis.text.char_scan import lines_kernel

# --- characters ----------------------------------------------------------------------------------


def every_character() -> str:
    """Every code point below U+20000 except surrogates: no character above has a case or is white
    space (tests/text/test_prefilter.py asks `regex`). Built only while scans are built: `release`."""
    return code_points.every_character(0x20000)


def release() -> None:
    """Drop the 4.4 MB table of every character, needed only while scans are built."""
    code_points.every_character.cache_clear()


@functools.cache
def re_fold(c: str) -> str:
    """Every character that `re.IGNORECASE` matches with `c` (`c` included), as `re` itself says.

    >>> re_fold("k") == "".join(sorted("kK\\u212a"))
    True
    """
    found = (
        set(re.findall(re.escape(c), every_character(), re.I)) if c.isalpha() or not c.isascii() else set()
    )
    return "".join(sorted(found | {c}))


def re_class(chars: Iterable[str], digits: bool = False) -> str:
    """A character class (no flags) matching `chars` and every case variant of them."""
    folded = sorted({x for c in chars for x in re_fold(c)})
    if len(folded) == 1 and not digits:
        return re.escape(folded[0])
    return "[" + (r"\d" if digits else "") + "".join(re.escape(x) for x in folded) + "]"


@functools.cache
def regex_fold(c: str) -> frozenset[str]:
    """Every character that `regex`'s IGNORECASE matches with `c` (`c` included)."""
    return frozenset(regex.findall("(?i)" + regex.escape(c), every_character())) | {c}


@functools.cache
def regex_space() -> frozenset[str]:
    """What `regex`'s `\\s` matches but the newline (the lines scanned are stripped: only white
    space inside them matters, as the `regex` patterns see it)."""
    return frozenset(regex.findall(r"\s", every_character())) - {"\n"}


def compact_class(chars: Iterable[str]) -> str:
    """A scan element (for a pattern compiled with `re.IGNORECASE`) that matches at least `chars`:
    one letter where `re`'s own case folding of it takes them all (compact code: the scan's
    compiled size 170 -> ~40 KB), else the class of them."""
    chars = frozenset(chars)
    if chars == regex_space() and all(c.isspace() for c in chars):
        return r"[^\S\n]"  # `re`'s white space (`str.isspace`) but the newline: a superset
    for c in sorted(chars):
        folded = re.compile(re.escape(c), re.IGNORECASE)
        if all(folded.fullmatch(x) for x in chars):
            return re.escape(c)
    return "[" + "".join(sorted(map(re.escape, chars))) + "]"


# --- scans of line starts and words (repair.boilerplate_lines) -----------------------------------

# --- the candidate scan: which lines can get a verdict at all -------------------------------------
#
# a step's judge costs ~4 µs a line (a case-insensitive fullmatch of the 20-60 patterns that can start
# with the line's first character, and the lowercasing around it); most lines of a page are
# prose that no rule can take. Two C-level scans of the whole text name the lines worth judging:
# one tried at each line start (the first characters every pattern and menu or share item can
# begin with), one for the words a rule needs somewhere in the line (the gate words of the gated
# rules, the literal every pattern needs that can begin with anything). Both match a superset of
# what the rules match, case-insensitively as `re.IGNORECASE` does (each character stands for every
# character that flag equates with it), so a line neither scan names gets no verdict from a step's judge.


@dataclass(frozen=True)
class LineScan:
    #: at each newline: can the line it ends get a verdict from a gated rule (group "e"), can the
    #: line it starts get one ("s"), from a gated rule ("g")
    newlines: re.Pattern[str]
    anywhere: re.Pattern[str]  # words some rule needs anywhere in the line
    #: searched in the last few characters of the stripped text: can its last line end as some rule's
    last: re.Pattern[str]


# characters by how often they occur in the bench corpus (bench/repair_quality.py, 10k documents in
# 12 languages), most often first, those under 0.02% left out: a gate word is looked for by its
# rarest character
_COMMON = " enitarshodlucmа,gоеwfbтн.иpсрлвvдkyкмуіыпzбязьгйж'чüш;äéj-ßх!qқ\"ю?—«»öx–:цщғң&à“”өұ0їү’/єè2эә·"


def any_of(needles: Iterable[str]) -> re.Pattern[str]:
    """One pattern that finds any of `needles` (literal strings) where `needle in text` would.

    Each needle is entered at its rarest character, with a look-behind for what precedes it:
    `re` then skips with a C loop to the few positions holding one of those characters, where a
    plain alternation tries every needle at every position (bench: gate words over a 31 MB corpus,
    0.76 s as an alternation, 0.45 s as a loop of `in`, 0.20 s so).

    >>> p = any_of(["cookie", "(c)", "rights reserved"])
    >>> [bool(p.search(t)) for t in ("our cookies", "(c) 2024", "all rights reserved", "cook")]
    [True, True, True, False]
    """
    by_anchor: dict[str, list[str]] = {}  # the needles that share an anchor are tried after it
    for needle in dict.fromkeys(needles):
        if not needle:
            return re.compile("")  # the empty string is in every text
        k = max(range(len(needle)), key=lambda i: rarity(needle[i]))
        behind = f"(?<={re.escape(needle[: k + 1])})" if k else ""
        by_anchor.setdefault(needle[k], []).append(behind + re.escape(needle[k + 1 :]))
    return re.compile(
        "|".join(f"{re.escape(a)}(?:{'|'.join(rest)})" for a, rest in by_anchor.items()) or "(?!)"
    )


def rarity(c: str) -> int:
    i = _COMMON.find(c)
    return len(_COMMON) if i < 0 else i


def dispatch_by_first_char(
    plain: list[tuple[str, str]], alphabet_text: str
) -> tuple[GroupsByFirst, GroupsByFirst, re.Pattern[str] | None]:
    """Group line patterns by the (lowercased) characters they can start with.

    A line is then tried only against the ~20 patterns that can start with its first character,
    not all ~400 (bench/repair_quality.py: 4x faster). `regex`'s partial matching tells which
    first characters a pattern accepts; the alphabet is every character of `alphabet_text` (the
    pattern file) and the digits.

    Patterns that can start with anything ("wild": `.{0,60}premium-artikel freischalten`) sit in
    every group and cost half its time on lines they cannot match, so each group is also built
    without them, for lines that lack a literal every wild pattern needs. Returns the groups, the
    groups without wild patterns, and the pattern that finds those literals (None when some wild
    pattern has none: then the full groups are always used).
    """
    alphabet = sorted({c.lower() for c in alphabet_text} | set("0123456789"))
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
    literals = [required_literal(a[a.index(">") + 1 : -1]) for a in anything]
    if None in literals:
        return full, full, None
    gate = "|".join(re.escape(lit) for lit in literals if lit)
    return full, tame, re.compile(gate or "(?!)", re.I)


class GroupsByFirst(dict[str, re.Pattern[str]]):
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


def _groups(buckets: dict[str, list[str]], alphabet: list[str], anything: list[str]) -> GroupsByFirst:
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
    return GroupsByFirst(sources)


def required_literal(pattern: str) -> str | None:
    """The longest run of plain characters at the top level of `pattern`: every match holds it.

    >>> required_literal(r"(?:.{0,60}(plus|premium)-?artikel freischalten.{0,80})\\s*")
    'artikel freischalten'
    >>> required_literal("share|teilen") is None
    True
    """
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


_ANY = "[^\n]"  # a scan element that stands for any character of a line
_HEAD_DEPTH = 5  # characters of a line start the scan checks (bench: 2 lets 2x as many lines through)
_MAX_HEADS = 4000  # beyond this many heads a pattern is scanned to a shallower depth


class _Wild(Exception):
    """A pattern can begin with anything: the line-start scan cannot name its lines."""


def _re_element(op: Any, av: Any) -> str:
    """The scan element for one character position of a parsed pattern."""
    if op is _parser.LITERAL:
        return re_class(chr(av))
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
    return re_class(chars, digits)


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
            options = {(_re_element(op, av),)}
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


def _prefix_trie(heads: Iterable[tuple[str, ...]]) -> str:
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


def words_anywhere(words: Iterable[str]) -> str:
    """A pattern finding any of `words` (of 2 or more characters) case-insensitively, as re.I would.

    `re` skips in C to the characters the words are entered at (each at its rarest character
    class, by `_COMMON`); there, one test of the character after rejects most places, and a
    look-behind checks the whole word only when the rest matched (bench: 0.11 s over the bench
    corpus, 0.20 s with the look-behind first as `any_of` does).
    """
    rests: list[str] = []
    anchors: set[str] = set()
    nexts: set[str] = set()
    for word in dict.fromkeys(words):
        k = max(range(len(word) - 1), key=lambda i: min(rarity(x.lower()) for x in re_fold(word[i])))
        anchors |= set(re_fold(word[k]))
        nexts |= set(re_fold(word[k + 1]))
        rests.append("".join(re_class(c) for c in word[k + 2 :]) + f"(?<={''.join(map(re_class, word))})")
    return f"{re_class(anchors)}{re_class(nexts)}(?:{'|'.join(rests)})"


def word_search(pattern: str) -> re.Pattern[str]:
    """`re.compile(pattern)`, or, for a case-insensitive alternation of words (`all_of`), a pattern
    whose `search` finds a match exactly where that one's does, faster.

    The words become one trie of explicit case classes (`re_class`, as re.I equates characters), so
    that `re` tests each alternative by its first character instead of entering all ~70 at every
    position (a third of the time on a cookie banner: docs/repair-speed.md). A word that holds another (`web`, `website`)
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
                word.append(re_class(chr(av)))
            elif op is _parser.AT and av in boundary:
                word.append(boundary[av])
            else:
                return re.compile(pattern)
        if not word:
            return re.compile(pattern)
        words.append(tuple(word))
    return re.compile(_prefix_trie(words))


def build_line_scan(
    patterns: list[tuple[str, tuple[str, ...]]], items: Iterable[str], separators: str
) -> LineScan | None:
    """The scans of `candidate_lines` for these (pattern, words its rule needs) pairs and menu and share
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
            head += [re_class(c) for c in word]
            if sum(e != r"[^\S\n]+" for e in head) >= _HEAD_DEPTH:
                break
        heads.add(tuple(head))
    # what the judge strips (white space) and what item checks skip (`separators`)
    spaces = "".join(c for c in every_character() if c.isspace() and c != "\n")
    skip = "[" + "".join(re.escape(c) for c in sorted(set(spaces + separators + ":,;"))) + "]*+"
    needs = {w for w in needs if not any(v != w and v in w for v in needs)}  # "cookie" covers "cookie files"
    if any(len(w) < 2 for w in needs):
        return None
    by_length: dict[int, list[tuple[str, ...]]] = {}
    for tail in tails:
        by_length.setdefault(len(tail), []).append(tail)
    # a line that ends with white space (stripped by the judge) is always looked at
    ends = "|".join(
        [f"(?<={_prefix_trie(ts)}\n)" for _, ts in sorted(by_length.items())] + [r"(?<=[^\S\n]\n)"]
    )

    # the next line's start; "g": it may be a gated rule's
    body = f"{skip}(?P<g>(?={_prefix_trie(gated)}))?{_prefix_trie(heads)}(?P<s>)"

    return LineScan(
        # the start scan once (its code is large): it, or else nothing if the end matched
        re.compile(f"\n(?P<e>{ends})?(?:{body}|(?(e)|(?!)))"),
        re.compile(words_anywhere(sorted(needs))) if needs else re.compile("(?!)"),
        re.compile(
            "(?:" + "|".join(f"(?<={_prefix_trie(ts)})" for _, ts in sorted(by_length.items())) + r")\Z"
        ),
    )


def candidate_lines(text: str, scan: LineScan) -> tuple[list[int], set[int]]:
    """The indexes of the lines the judge may take, in order, and of those a gated rule may take."""
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
    words = anywhere_words(scan.anywhere.pattern)
    if words is not None:  # the kernel, on the text without the newline put before it
        gated.update(words.lines(text[1:]))
        return sorted(found | gated), gated
    line = pos = 0
    for m in scan.anywhere.finditer(text):
        start = m.start()
        line += text.count("\n", pos, start)
        pos = start
        gated.add(line - 1)
    return sorted(found | gated), gated


@functools.cache
def anywhere_words(pattern: str) -> Any | None:
    """The compiled twin of a `words_anywhere` pattern (tamis.native.lines.ClassWords: the
    lines holding one of its words, found ~2-4x faster than by the pattern's `finditer`), or
    None: no kernel, or a pattern not of that shape.

    The words are read back from the pattern itself: each alternative ends with a look-behind
    over its whole word, class by class (`re_class`), which is what decides a match (the
    classes before it are a superset, the anchor and the next character of every word)."""
    k = lines_kernel()
    if k is None:
        return None
    items = list(_parser.parse(pattern))
    if len(items) != 3 or items[2][0] is not _parser.BRANCH:
        return None
    words: list[list[str]] = []
    for alternative in items[2][1][1]:
        op, behind = list(alternative)[-1]
        if op is not _parser.ASSERT or behind[0] != -1:
            return None
        word = []
        for op, av in behind[1]:
            if op is _parser.LITERAL:
                word.append(chr(av))
            elif op is _parser.IN and all(o is _parser.LITERAL for o, _ in av):
                word.append("".join(chr(a) for _, a in av))
            else:
                return None
        if not word or any("\n" in c for c in word):
            return None
        words.append(word)
    if not words or len(words) > 32:
        return None
    anchors = [max(range(len(w)), key=lambda i: min(rarity(x.lower()) for x in w[i])) for w in words]
    table = np.zeros(code_points.CODE_POINTS, dtype=np.uint32)
    for bit, (word, at) in enumerate(zip(words, anchors, strict=True)):
        for c in word[at]:
            table[ord(c)] |= 1 << bit
    table.flags.writeable = False
    return k.ClassWords(words, anchors, table)


# --- exact tries of small finite patterns (repair.captions) ---------------------------------------


class Unscannable(Exception):
    """A piece of pattern `expand` does not expand (then the caller checks every line)."""


def _regex_element(op: Any, av: Any) -> frozenset[str]:
    """The characters one position of a parsed pattern (IGNORECASE) can match."""
    if op is _parser.LITERAL:
        return regex_fold(chr(av))
    if op is not _parser.IN:
        raise Unscannable(op)
    chars: set[str] = set()
    for item, value in av:
        if item is _parser.LITERAL:
            chars |= regex_fold(chr(value))
        elif item is _parser.CATEGORY and value is _parser.CATEGORY_SPACE:
            chars |= regex_space()
        else:
            raise Unscannable(item)
    return frozenset(chars)


def expand(items: Any) -> set[tuple[frozenset[str], ...]]:
    """Every sequence of character sets a match of the parsed (finite) `items` is made of."""
    sequences: set[tuple[frozenset[str], ...]] = {()}
    for op, av in items:
        if op is _parser.AT:
            continue  # zero-width (`\b`): leaving it out only widens the scan
        if op is _parser.SUBPATTERN:
            options = expand(av[3])
        elif op is _parser.BRANCH:
            options = set().union(*(expand(alt) for alt in av[1]))
        elif op is _parser.MAX_REPEAT and av[1] <= 3:
            low, high, sub = av
            one = expand(sub)
            options, reps = set(), {()}
            for n in range(high + 1):
                if n >= low:
                    options |= reps
                reps = {r + o for r in reps for o in one}
        else:
            options = {(_regex_element(op, av),)}
        sequences = {s + o for s in sequences for o in options}
        if len(sequences) > 5000:
            raise Unscannable("too many sequences")
    return sequences


def _exact_trie(sequences: Iterable[tuple[frozenset[str], ...]]) -> str:
    """One `re` alternation matching exactly the sequences, sharing their common beginnings."""
    tree: dict = {}
    for seq in sequences:
        node = tree
        for chars in seq:
            node = node.setdefault(chars, {})
        node[None] = {}  # a sequence ends here
    first = set().union(*(chars for chars in tree if chars is not None))
    # most places fail at the first character: one class test instead of trying each branch
    return f"(?:(?={compact_class(first)}){_render_exact(tree)})" if first else ""


def _render_exact(node: dict) -> str:
    branches = [
        compact_class(chars) + _render_exact(child) for chars, child in node.items() if chars is not None
    ]
    if not branches:
        return ""
    body = "(?:" + "|".join(branches) + ")"
    return body + "?" if None in node else body


def char_set(pattern: str) -> frozenset[str]:
    """The characters a one-character pattern matches."""
    ((op, av),) = _parser.parse(pattern, re.IGNORECASE)
    return _regex_element(op, av)


def exact_trie(pattern: str) -> str:
    return _exact_trie(expand(_parser.parse(pattern, re.IGNORECASE)))


# --- how far a match reaches (repair.unicode) ---------------------------------------------------


def non_ascii_reach(pattern: re.Pattern[str]) -> int | None:
    """How far from a non-ASCII character a match of `pattern` can reach, or None: then a search
    near the non-ASCII characters of a text finds what a search of the whole text finds.

    None unless every alternative holds a character that cannot be ASCII, has a bounded width
    and tests nothing outside its match but "^" (no look-around, "$" or word boundary).

    >>> non_ascii_reach(re.compile("Ã[\x80-\xbf]|â€")), non_ascii_reach(re.compile("Ã|\\bx"))
    (2, None)
    """
    c = _parser
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # a pattern this code cannot read: use ftfy's own check
        return None
    alternatives = tree.data[0][1][1] if len(tree.data) == 1 and tree.data[0][0] is c.BRANCH else [tree.data]

    def ascii_free(op: object, av: object) -> bool:  # matches only non-ASCII characters
        if op is c.LITERAL:
            return av > 127  # type: ignore[operator]
        if op is c.IN:
            return all(
                (o is c.LITERAL and a > 127) or (o is c.RANGE and a[0] > 127)  # type: ignore[index,operator]
                for o, a in av  # type: ignore[attr-defined]
            )
        return False

    def looks_outside(items: list) -> bool:
        for op, av in items:
            if op in (c.ASSERT, c.ASSERT_NOT, c.GROUPREF, c.GROUPREF_EXISTS):
                return True
            if op is c.AT and av is not c.AT_BEGINNING:
                return True
            if op is c.SUBPATTERN and looks_outside(av[3]):
                return True
            if op in (c.MAX_REPEAT, c.MIN_REPEAT) and looks_outside(av[2]):
                return True
            if op is c.BRANCH and any(looks_outside(b) for b in av[1]):
                return True
        return False

    widest = 0
    for alternative in alternatives:
        width = _parser.SubPattern(tree.state, alternative).getwidth()[1]
        if width > 64 or looks_outside(alternative) or not any(ascii_free(op, av) for op, av in alternative):
            return None
        widest = max(widest, width)
    return widest
