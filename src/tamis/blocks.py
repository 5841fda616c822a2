"""Split cleaned text into blocks: paragraphs, headings, lists and quotes.

Repair steps leave list items as lines starting with "• " and paragraphs separated by a
blank line; this reads that shape back as structure for `tamis clean --format json`.
"""

from __future__ import annotations

from typing import Any

import regex

from tamis.text.headings import looks_like_heading

LIST_ITEM = regex.compile(r"^(?:[•·▪◦‣∙*\-–—]|\d{1,3}[.)])\s+(?=\S)")
QUOTE = regex.compile(r"^(?:>\s*|[«„“\"](?=.{20,}[»“”\"]\s*$))")
_END_PUNCT = tuple('.!?…:;»"”“)')


def to_blocks(text: str) -> list[dict[str, Any]]:
    """Blocks of a cleaned text.

    Crawled text puts one paragraph on a line, so each line is a block of its own unless it
    continues the line before (that one has no sentence end and this one starts in lower case:
    a hard-wrapped paragraph). Runs of list-item lines make one list block.

    >>> to_blocks("Title here\\n\\nFirst sentence. Second one.\\n\\n• a\\n• b")
    [{'type': 'heading', 'text': 'Title here'}, {'type': 'paragraph', 'text': 'First sentence. Second one.'}, {'type': 'list', 'items': ['a', 'b']}]
    >>> [b["type"] for b in to_blocks("What happened\\nThe alarm went off.\\nGuards came, and\\nthe suspects fled.")]
    ['heading', 'paragraph', 'paragraph']
    """
    blocks: list[dict[str, Any]] = []
    for chunk in regex.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in chunk.split("\n") if ln.strip()]
        items: list[str] = []
        paragraph: list[str] = []  # the lines of one hard-wrapped paragraph
        for line in [*lines, None]:
            marker = LIST_ITEM.match(line) if line is not None else None
            continues = (
                line is not None
                and not marker
                and paragraph
                and not paragraph[-1].endswith(_END_PUNCT)
                and line[:1].islower()
            )
            if paragraph and not continues:
                joined = " ".join(paragraph)
                blocks.append({"type": _paragraph_kind(joined, len(paragraph)), "text": joined})
                paragraph = []
            if items and not marker:
                blocks.append({"type": "list", "items": items})
                items = []
            if marker:
                items.append(line[marker.end() :].strip())
            elif line is not None:
                paragraph.append(line)
    return blocks


def _paragraph_kind(text: str, n_lines: int) -> str:
    if QUOTE.match(text):
        return "quote"
    if n_lines == 1 and looks_like_heading(text):
        return "heading"
    return "paragraph"
