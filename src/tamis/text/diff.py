"""Minimal edits between two versions of a text, found line by line and word by word.

A step that calls a library which returns only the fixed text (ftfy) turns the difference into
`Edit`s here, so that replaying the edits over the old text gives the new one.
"""

from __future__ import annotations

import difflib
import re

from tamis.steps import Repaired


def line_diff(
    before: str, after: str, *, step: str, rule: str, evidence: str, line_breaks: re.Pattern[str]
) -> Repaired:
    """Minimal edits from `before` to `after`, diffing only the lines that changed.

    Fixes such as ftfy's are local; a whole-text difflib diff of a long page costs ~50 ms, a
    per-line one a fraction of that. When the line count changed, the fix of `line_breaks` (each
    match becomes "\\n") is replayed first (its edits are exact), then the lines are paired
    again: a character diff of the whole text took minutes on a 100 KB page with U+2028
    separators (issue 11).

    >>> r = line_diff("a cafÃ©\\nb", "a café\\nb", step="s", rule="r", evidence="", line_breaks=re.compile("\\r"))
    >>> [(e.start, e.end, e.removed, e.inserted) for e in r.edits]
    [(5, 7, 'Ã©', 'é')]
    """
    old_lines, new_lines = before.split("\n"), after.split("\n")
    if len(old_lines) == len(new_lines):
        return _paired_lines(before, after, old_lines, new_lines, step=step, rule=rule, evidence=evidence)
    breaks = Repaired.substitute(before, line_breaks, _newline, step=step, rule=rule, evidence=evidence)
    old_lines = breaks.text.split("\n")
    if len(old_lines) == len(new_lines):
        paired = _paired_lines(
            breaks.text, after, old_lines, new_lines, step=step, rule=rule, evidence=evidence
        )
        return breaks.then(paired)
    # Rare: a line break inside mojibake. Align whole lines, then diff each changed block.
    spans = []
    old_starts, new_starts = _line_starts(old_lines), _line_starts(new_lines)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=True)  # junk: fast, still exact
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        start, end = old_starts[i1], old_starts[i2]
        old, new = breaks.text[start:end], after[new_starts[j1] : new_starts[j2]]
        if old != new:
            spans += [(start + a, start + b, inserted, rule) for a, b, inserted in _block_diff(old, new)]
    result = breaks.then(Repaired.from_spans(breaks.text, spans, step=step, evidence=evidence))
    assert result.text == after
    return result


def _newline(_match: object) -> str:
    return "\n"


def _line_starts(lines: list[str]) -> list[int]:
    """Offset of each line in the joined text, and one past the end (each line owns its "\n")."""
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    starts[-1] -= 1  # the last line has no newline
    return starts


def _paired_lines(
    before: str,
    after: str,
    old_lines: list[str],
    new_lines: list[str],
    *,
    step: str,
    rule: str,
    evidence: str,
) -> Repaired:
    spans = []
    pos = 0
    for old, new in zip(old_lines, new_lines, strict=True):
        if old != new:
            spans += [
                (pos + start, pos + end, inserted, rule) for start, end, inserted in _block_diff(old, new)
            ]
        pos += len(old) + 1
    result = Repaired.from_spans(before, spans, step=step, evidence=evidence)
    assert result.text == after
    return result


#: Lines longer than this (a page without line breaks, binary read as text) are first cut to
#: what lies between their common start and end.
_LONG_LINE = 4000


def _block_diff(old: str, new: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) spans of `old` that turn it into `new`, found word by word."""
    if len(old) + len(new) <= 2 * _LONG_LINE:
        return word_diff(old, new)
    head = _common_prefix(old, new)
    head = old.rfind(" ", 0, head) + 1  # from the start of the word the first change is in
    tail = _common_prefix(old[head:][::-1], new[head:][::-1])
    tail = max(0, tail - (old[len(old) - tail :] + " ").index(" "))  # keep the last changed word whole
    middle = word_diff(old[head : len(old) - tail], new[head : len(new) - tail])
    return [(head + start, head + end, inserted) for start, end, inserted in middle]


def _common_prefix(a: str, b: str) -> int:
    """Length of the common start of `a` and `b`, compared in C by halving.

    >>> _common_prefix("Grüße aus Köln", "Grüße aus Bonn")
    10
    """
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


_PIECES = re.compile(r"[ \t]+|[^ \t]+")  # a no-break space may be part of mojibake ("à": "Ã" + U+00A0)
# A word with the spaces after it, for lines whose spacing changed: lone-space pieces repeat
# hundreds of times in a long line, and difflib's matcher is quadratic in repeated pieces.
_WORDS_AND_SPACES = re.compile(r"[^ \t]*[ \t]+|[^ \t]+")
#: Above this many pieces a side, spaces are not pieces of their own (see _WORDS_AND_SPACES).
_MANY_PIECES = 200


def _piece_opcodes(a: list[str], b: list[str], autojunk: bool = False) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) runs of pieces that differ; pieces are paired in place when the spaces are."""
    if _same_spacing(a, b):
        # ftfy changed words, not spacing (the usual case): pairing in place is what a diff finds,
        # in linear time (a 4,000-character line of Kazakh mojibake took difflib 3 s)
        return [(i, i + 1, i, i + 1) for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=autojunk)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _same_spacing(a: list[str], b: list[str]) -> bool:
    return len(a) == len(b) and all(
        x == y for x, y in zip(a, b, strict=True) if x[0] in " \t" or y[0] in " \t"
    )


def word_diff(old: str, new: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) spans of `old` that turn it into `new`, found word by word.

    A character diff of a long line full of mojibake is quadratic (difflib: 0.1 s for the 8 pages
    of the bench corpus that ftfy changes); words and the spaces between them are few, and each
    changed run is trimmed to the characters that differ.

    >>> word_diff("Le cafÃ© est prÃªt", "Le café est prêt")
    [(6, 8, 'é'), (15, 17, 'ê')]
    """
    a, b = _PIECES.findall(old), _PIECES.findall(new)
    many = len(a) > _MANY_PIECES or len(b) > _MANY_PIECES
    if many and not _same_spacing(a, b):
        # the spacing changed in a long line: words carry their spaces, and difflib's autojunk
        # skips pieces as common as "the " (binary read as text, 200 KB: minutes without it)
        a, b = _WORDS_AND_SPACES.findall(old), _WORDS_AND_SPACES.findall(new)
    starts = [0]
    for piece in a:
        starts.append(starts[-1] + len(piece))
    spans = []
    for i1, i2, j1, j2 in _piece_opcodes(a, b, autojunk=many):
        start, end, inserted = starts[i1], starts[i2], "".join(b[j1:j2])
        removed = old[start:end]
        head = 0  # the common start and end of the run are no part of the edit
        while head < min(len(removed), len(inserted)) and removed[head] == inserted[head]:
            head += 1
        tail = 0
        while tail < min(len(removed), len(inserted)) - head and removed[-1 - tail] == inserted[-1 - tail]:
            tail += 1
        spans.append((start + head, end - tail, inserted[head : len(inserted) - tail]))
    return spans
