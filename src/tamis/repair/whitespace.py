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
# any of the above, found in one pass: most texts have none (bench/repair_quality.py)
_ANY = re.compile(r"[^\S\n]\n|\n[^\S\n]|[^\S\n]{2}|[^\S\n ]|\n{3}|\A\s|\s\Z|[^\S\n]\Z|\A[^\S\n]")


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
        if not _ANY.search(text):
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
