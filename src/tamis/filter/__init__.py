"""Filter steps: decide from stored signals, naming the rule, the value and the threshold."""

# The step modules register themselves when tamis.steps imports them (STEP_MODULES there):
# importing the package alone no longer loads every step.
