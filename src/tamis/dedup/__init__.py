"""Corpus-wide deduplication stages: exact copies, near copies (MinHash LSH), repeated lines."""

# The step modules register themselves when tamis.steps imports them (STEP_MODULES there):
# importing the package alone no longer loads every step.
