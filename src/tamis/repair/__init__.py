"""Repair steps: fix what extraction broke instead of throwing the document away."""

from tamis.repair import unicode, whitespace  # noqa: F401  (registers the steps)
