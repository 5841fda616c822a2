"""Annotate steps: measure language, quality and machine-translation signals."""

# The step modules register themselves when tamis.steps imports them (STEP_MODULES there):
# importing the package alone no longer loads every step.
