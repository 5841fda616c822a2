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


def _repair_order() -> tuple[str, ...]:
    """The repair steps of the default pipeline (data/default.toml), in its order, up to
    `repair.whitespace`, which closes the repairs (`repair.pii` masks later, after the filters)."""
    import tomllib
    from importlib import resources

    text = resources.files("tamis").joinpath("data/default.toml").read_text("utf-8")
    names = [step["use"] for step in tomllib.loads(text)["steps"]]
    return tuple(n for n in names[: names.index("repair.whitespace") + 1] if n.startswith("repair."))


#: the order of the repair steps in the default pipeline, read from its one home, default.toml
REPAIR_ORDER = _repair_order()
