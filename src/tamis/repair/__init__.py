"""Repair steps: fix what extraction broke instead of throwing the document away."""

from tamis.repair import (  # noqa: F401  (registers the steps)
    boilerplate_lines,
    broken_lists,
    captions,
    code_lines,
    datelines,
    debris_lines,
    duplicate_title,
    glued_words,
    markup_residue,
    pii,
    punctuation_spacing,
    unicode,
    whitespace,
)

#: the order of the repair steps in the default pipeline (tests check it against default.toml)
REPAIR_ORDER = (
    "repair.unicode",
    "repair.markup_residue",
    "repair.code_lines",
    "repair.boilerplate_lines",
    "repair.datelines",
    "repair.duplicate_title",
    "repair.captions",
    "repair.broken_lists",
    "repair.debris_lines",
    "repair.glued_words",
    "repair.punctuation_spacing",
    "repair.whitespace",
)
