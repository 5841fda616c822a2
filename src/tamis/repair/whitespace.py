"""Normalise whitespace and paragraph breaks so later steps see one shape of text."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from tamis.document import Document
from tamis.steps import Repair, Repaired, register

# Spaces other than newline, including NBSP and the other Unicode space separators.
_TRAILING = regex.compile(r"[^\S\n]+$", regex.M)
_LEADING = regex.compile(r"^[^\S\n]+", regex.M)
_RUNS = regex.compile(r"[^\S\n]{2,}|[^\S\n ]")  # after stripping line ends, every such run is interior
_BLANKS = regex.compile(r"\n{3,}")
_EDGES = regex.compile(r"\A\s+|\s+\Z")


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
