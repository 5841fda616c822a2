"""Corpus-wide deduplication stages: exact copies, near copies (MinHash LSH), repeated lines."""

from tamis.dedup import exact, near, repeated_lines  # noqa: F401  (registers the stages)
