"""Extraction: turn raw HTML pages into text that the repair steps can work on."""

# The step modules register themselves when tamis.steps imports them (STEP_MODULES there):
# importing the package alone no longer loads every step.
