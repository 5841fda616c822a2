"""Normalise whitespace and paragraph breaks so later steps see one shape of text."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text.char_scan import class_table, lines_kernel

# Spaces other than newline, including NBSP and the other Unicode space separators.
_TRAILING = re.compile(r"[^\S\n]+$", re.M)
_LEADING = re.compile(r"^[^\S\n]+", re.M)
# after stripping line ends, every such run is interior: two or more spaces, or one odd space.
# Written as one space then the rest (not `[^\S\n]{2,}|[^\S\n ]`, the same matches) so that `re`
# skips in C to the spaces instead of trying both alternatives at every character (5x faster).
_RUNS = re.compile(r"[^\S\n](?:[^\S\n]+|(?<=[^\S\n ]))")
_BLANKS = re.compile(r"\n{3,}")
_EDGES = re.compile(r"\A\s+|\s+\Z")
# whitespace other than " " and "\n" (tabs, NBSP, Unicode spaces): one C-level character scan
_ODD_CHARS = "\t\r\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_ODD = re.compile(f"[{_ODD_CHARS}]")
# an odd space that ends or starts a line (the rare odd spaces are skipped to in C)
_ODD_AT_END = re.compile(f"[{_ODD_CHARS}](?=\n|\\Z)")
_ODD_AT_START = re.compile(f"[{_ODD_CHARS}](?<=^.)", re.M)
# " \n" and "\n " found by skipping from newline to newline: 2-3x faster than `in`, whose search
# for a two-character string that is absent costs ~5 µs per page (bench corpus)
_SPACE_NEWLINE = re.compile("\n(?<= \n)")
_NEWLINE_SPACE = re.compile("\n ")
_AROUND_NEWLINE = re.compile("\n(?:(?<= \n)| |\n\n)")  # the three at once: " \n", "\n ", "\n\n\n"


@functools.cache
def _odd_table() -> object:
    """`_ODD` as a table for the kernel's `first_in`."""
    return class_table([(_ODD.pattern, 1)])


def has_odd_space(text: str) -> bool:
    """Whether `text` holds whitespace other than " " and newlines: `_ODD.search` in the kernel
    (~3x faster) when it is built, else the pattern itself.

    >>> has_odd_space("a b\\nc"), has_odd_space("a\\xa0b")
    (False, True)
    """
    k = lines_kernel()
    if k is None:
        return _ODD.search(text) is not None
    return k.first_in(text, _odd_table()) >= 0


def needs_normalizing(text: str) -> bool:
    """True when some rule below could change `text` (substring checks: ~20x faster than the regexes).

    >>> needs_normalizing("one line\\n\\nnext"), needs_normalizing("two  spaces"), needs_normalizing("x\\xa0y")
    (False, True, True)
    """
    odd = has_odd_space(text)
    return any(may_match(text, odd) for *_, may_match in _RULES)


@register("repair.whitespace", version=1)
@dataclass(frozen=True)
class NormalizeWhitespace(Repair):
    """Collapse runs of spaces, strip line ends, keep at most one blank line between paragraphs."""

    rules = {
        "trailing_space": "spaces at the end of a line",
        "leading_space": "indentation at the start of a line",
        "space_run": "several spaces (or a non-breaking/odd space) between words",
        "blank_lines": "more than one blank line between paragraphs",
        "edge_space": "whitespace at the start or end of the text",
    }

    def setup(self) -> None:
        if lines_kernel() is not None:
            _odd_table()

    def repair(self, text: str, doc: Document) -> Repaired:
        # A rule runs over the text only when it can match, as told by substring checks (and, when
        # the text holds odd spaces, by scans that skip to those in C): bench/repair_quality.py,
        # this step 70 -> 100+ MB/s
        odd = has_odd_space(text)
        if not (odd or _AROUND_NEWLINE.search(text) or "  " in text or _edges(text, odd)):
            return Repaired(text)  # no rule can match: the common case, told in fewer scans
        result = Repaired(text)
        for pattern, repl, rule, may_match in _RULES:
            if may_match(result.text, odd):
                found = Repaired.substitute(result.text, pattern, _constant(repl), step=self.name, rule=rule)
                result = result.then(found)
        return result


# Whether a rule can match `text`; `odd`: whether the text may hold whitespace other than " " and "\n".
def _trailing(text: str, odd: bool) -> bool:
    return (
        _SPACE_NEWLINE.search(text) is not None
        or text.endswith(" ")
        or (odd and _ODD_AT_END.search(text) is not None)
    )


def _leading(text: str, odd: bool) -> bool:
    return (
        _NEWLINE_SPACE.search(text) is not None
        or text.startswith(" ")
        or (odd and _ODD_AT_START.search(text) is not None)
    )


def _runs(text: str, odd: bool) -> bool:
    return odd or "  " in text  # an odd space is a run by itself


def _blanks(text: str, odd: bool) -> bool:
    return "\n\n\n" in text


def _edges(text: str, odd: bool) -> bool:
    return text[:1].isspace() or text[-1:].isspace()


_RULES = (
    (_TRAILING, "", "trailing_space", _trailing),
    (_LEADING, "", "leading_space", _leading),
    (_RUNS, " ", "space_run", _runs),
    (_BLANKS, "\n\n", "blank_lines", _blanks),
    (_EDGES, "", "edge_space", _edges),
)


@functools.cache
def _constant(replacement: str) -> Callable[[re.Match[str]], str]:
    """A replacement function: what `match.expand` gives for a text without backslashes, unparsed."""
    assert "\\" not in replacement
    return lambda _match: replacement
