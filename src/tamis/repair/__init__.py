"""Repair steps: fix what extraction broke instead of throwing the document away."""

from tamis.repair import (  # noqa: F401  (registers the steps)
    boilerplate_lines,
    broken_lists,
    captions,
    duplicate_title,
    glued_words,
    markup_residue,
    unicode,
    whitespace,
)
