"""Annotate steps: measure language, quality, machine-translation and personal-data signals."""

from tamis.annotate import language, machine_translation, pii, quality  # noqa: F401  (registers the steps)
