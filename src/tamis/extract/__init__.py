"""Extraction: turn raw HTML pages into text that the repair steps can work on."""

from tamis.extract import html  # noqa: F401  (registers the steps)
