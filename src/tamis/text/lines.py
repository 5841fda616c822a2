"""Lines of a text: the spans that delete whole lines, and deleting the lines a judge names.

A deleted line takes one adjacent newline with it (the one after it, or the one before it when
the deleted lines reach the end of the text), so no blank line or dangling newline is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import accumulate

from tamis.document import Edit
from tamis.steps import Repaired


def line_spans(text: str, lines: list[str], verdicts: list[str | None]) -> list[tuple[int, int, str, str]]:
    """Spans that delete the lines with a verdict, each with one adjacent newline.

    A line takes the newline after it; the lines of a run that reaches the end of the text take
    the newline before them instead, so no dangling newline is left behind.
    """
    tail = len(lines)  # first index of the removed run that ends the text
    while tail > 0 and verdicts[tail - 1] is not None:
        tail -= 1
    spans: list[tuple[int, int, str, str]] = []
    pos = 0
    for i, (line, rule) in enumerate(zip(lines, verdicts, strict=True)):
        end = pos + len(line)
        if rule is not None:
            if i >= tail and tail > 0:
                spans.append((pos - 1, end, "", rule))
            elif end < len(text):
                spans.append((pos, end + 1, "", rule))
            else:
                spans.append((pos, end, "", rule))
        pos = end + 1
    return spans


def delete_judged_lines(
    text: str, positions: Iterable[int], judge: Callable[[str], str | None], step: str, max_chars: int
) -> Repaired:
    """Delete the lines holding one of `positions` (offsets a scan found, in any order) that
    `judge` gives a rule, with their newline as `line_spans` takes it. Each line is judged once,
    stripped; lines longer than `max_chars` are not judged."""
    verdicts: dict[int, str] = {}
    seen_to = -1  # offsets before this lie in lines already judged
    line = 0
    line_start = 0
    for at in sorted(positions):
        if at < seen_to:
            continue
        line += text.count("\n", line_start, at)
        line_start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        seen_to = end = len(text) if end < 0 else end
        if end - line_start <= max_chars and (rule := judge(text[line_start:end].strip())) is not None:
            verdicts[line] = rule
    if not verdicts:
        return Repaired(text)
    return delete_lines(text, text.split("\n"), verdicts, step)


def delete_lines(
    text: str, lines: list[str], verdicts: dict[int, str], step: str, evidence: dict[int, str] | None = None
) -> Repaired:
    """`Repaired.from_spans(text, line_spans(text, lines, ...), step=step)` for the lines in
    `verdicts` (index -> rule), built from those lines alone (3x less time than the general
    path, which walks every line and sorts the spans: docs/speed.md); `evidence` (index ->
    text), where given, goes into each line's edit.

    >>> r = delete_lines("a\\nb\\nc", ["a", "b", "c"], {1: "x"}, "demo")
    >>> r.text, [(e.start, e.end, e.removed) for e in r.edits]
    ('a\\nc', [(2, 4, 'b\\n')])
    """
    ends = list(accumulate(map(len, lines)))  # line i spans ends[i-1] + i .. ends[i] + i
    tail = len(lines)  # first index of the removed run that ends the text
    while tail > 0 and tail - 1 in verdicts:
        tail -= 1
    edits: list[Edit] = []
    pieces: list[str] = []
    last = delta = 0
    for i in sorted(verdicts):
        start = ends[i - 1] + i if i else 0
        end = ends[i] + i
        if i >= tail and tail > 0:
            start -= 1
        elif end < len(text):
            end += 1
        removed = text[start:end]
        edits.append(
            Edit(step, verdicts[i], start + delta, end + delta, removed, "", evidence[i] if evidence else "")
        )
        delta -= len(removed)
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return Repaired("".join(pieces), tuple(edits))
