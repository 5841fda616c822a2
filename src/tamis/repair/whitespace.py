"""Normalise whitespace and paragraph breaks so later steps see one shape of text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tamis.document import Document
from tamis.steps import Repair, Repaired, register

# Spaces other than newline, including NBSP and the other Unicode space separators.
_TRAILING = re.compile(r"[^\S\n]+$", re.M)
_LEADING = re.compile(r"^[^\S\n]+", re.M)
_RUNS = re.compile(r"[^\S\n]{2,}|[^\S\n ]")  # after stripping line ends, every such run is interior
_BLANKS = re.compile(r"\n{3,}")
_EDGES = re.compile(r"\A\s+|\s+\Z")
# whitespace other than " " and "\n" (tabs, NBSP, Unicode spaces): one C-level character scan
_ODD = re.compile("[\t\r\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


def needs_normalizing(text: str) -> bool:
    """True when some rule below could change `text` (substring checks: ~20x faster than the regexes).

    >>> needs_normalizing("one line\\n\\nnext"), needs_normalizing("two  spaces"), needs_normalizing("x\\xa0y")
    (False, True, True)
    """
    if not text:
        return False
    return (
        text[0].isspace()
        or text[-1].isspace()
        or "  " in text
        or " \n" in text
        or "\n " in text
        or "\n\n\n" in text
        or _ODD.search(text) is not None
    )


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

    def repair(self, text: str, doc: Document) -> Repaired:
        if not needs_normalizing(text):
            return Repaired(text)
        result = Repaired(text)
        for pattern, repl, rule in (
            (_TRAILING, "", "trailing_space"),
            (_LEADING, "", "leading_space"),
            (_RUNS, " ", "space_run"),
            (_BLANKS, "\n\n", "blank_lines"),
            (_EDGES, "", "edge_space"),
        ):
            result = result.then(Repaired.substitute(result.text, pattern, repl, step=self.name, rule=rule))
        return result
