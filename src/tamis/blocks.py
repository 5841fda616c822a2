"""Split cleaned text into blocks: paragraphs, headings, lists and quotes.

Repair steps leave list items as lines starting with "• " and paragraphs separated by a
blank line; this reads that shape back as structure for `tamis clean --format json`.
"""

from __future__ import annotations

from typing import Any

import regex

LIST_ITEM = regex.compile(r"^(?:[•·▪◦‣∙*\-–—]|\d{1,3}[.)])\s+(?=\S)")
QUOTE = regex.compile(r"^(?:>\s*|[«„“\"](?=.{20,}[»“”\"]\s*$))")
_END_PUNCT = tuple(".!?…:;»\"”“)")


def to_blocks(text: str) -> list[dict[str, Any]]:
    """Blocks of a cleaned text.

    >>> to_blocks("Title here\\n\\nFirst sentence. Second one.\\n\\n• a\\n• b")
    [{'type': 'heading', 'text': 'Title here'}, {'type': 'paragraph', 'text': 'First sentence. Second one.'}, {'type': 'list', 'items': ['a', 'b']}]
    """
    blocks: list[dict[str, Any]] = []
    for chunk in regex.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in chunk.split("\n") if ln.strip()]
        run: list[str] = []  # consecutive lines of one kind
        run_is_list = False
        for line in [*lines, None]:
            marker = LIST_ITEM.match(line) if line is not None else None
            if run and (line is None or bool(marker) != run_is_list):
                if run_is_list:
                    blocks.append({"type": "list", "items": run})
                else:
                    joined = " ".join(run)
                    blocks.append({"type": _paragraph_kind(joined, len(lines)), "text": joined})
                run = []
            if line is not None:
                run_is_list = bool(marker)
                run.append(line[marker.end():].strip() if marker else line)
    return blocks


def _paragraph_kind(text: str, n_lines: int) -> str:
    if QUOTE.match(text):
        return "quote"
    if n_lines == 1 and len(text) <= 120 and not text.endswith(_END_PUNCT) and len(text.split()) <= 16:
        return "heading"
    return "paragraph"
