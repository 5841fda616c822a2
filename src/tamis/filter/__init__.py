"""Filter steps: decide from stored signals, naming the rule, the value and the threshold."""

from tamis.filter import thresholds  # noqa: F401  (registers the step)
