"""Annotate steps: measure language, quality, machine-translation and personal-data signals."""

from tamis.annotate import language, machine_translation, mt_frequency_signals, pii, quality, site_mt  # noqa: F401  (registers the steps)
