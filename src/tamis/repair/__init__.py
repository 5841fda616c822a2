"""Repair steps: fix what extraction broke instead of throwing the document away."""

# The step modules register themselves when tamis.steps imports them (STEP_MODULES there):
# importing the package alone no longer loads every step.


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
