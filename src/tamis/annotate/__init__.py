"""Annotate steps: measure language, quality and machine-translation signals."""

from tamis.annotate import language, machine_translation, mt_frequency_signals, quality, site_mt  # noqa: F401  (registers the steps)
