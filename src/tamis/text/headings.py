"""The one rule for "this line reads as a heading": short, a few words, no sentence end.

`repair.duplicate_title` takes a first line that passes it as the title, and `tamis clean
--format json` (`tamis.blocks`) calls a one-line paragraph that passes it a heading.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
#: a heading is a line of a few words (a title, a section name), not a sentence or a paragraph
MAX_HEADING_CHARS = 150
MIN_HEADING_WORDS = 2
MAX_HEADING_WORDS = 20
#: how a sentence or a clause ends; a heading may end in "?", "!" or "…" ("What happened?")
NOT_HEADING_ENDS = (".", ",", ";")


def heading_words(line: str) -> list[str]:
    """The words `looks_like_heading` counts (lowercased `\\w+` runs)."""
    return _WORD.findall(line.lower())


def looks_like_heading(line: str, words: list[str] | None = None) -> bool:
    """Whether a stripped line reads as a heading (`words`: its `heading_words`, when known).

    >>> looks_like_heading("Police arrest three after break-in"), looks_like_heading("What happened?")
    (True, True)
    >>> looks_like_heading("The alarm went off."), looks_like_heading("Introduction")
    (False, False)
    """
    if len(line) > MAX_HEADING_CHARS or line.endswith(NOT_HEADING_ENDS):
        return False
    return MIN_HEADING_WORDS <= len(heading_words(line) if words is None else words) <= MAX_HEADING_WORDS
