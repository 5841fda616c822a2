"""Filter steps: decide from stored signals, naming the rule, the value and the threshold."""

from tamis.filter import empty_text, thresholds  # noqa: F401  (registers the steps)
