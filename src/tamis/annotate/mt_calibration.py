"""The calibration of `annotate.machine_translation`: data/mt/calibration.toml, written by
bench/mt_calibrate.py, read by the step and by `filter.thresholds` (its operating threshold)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """The fitted calibrator: per-language centring, one weight per feature, artifact weights."""

    features: tuple[str, ...]
    center: Mapping[str, np.ndarray]  # per language: median of each feature on human text
    scale: Mapping[str, np.ndarray]  # per language: its spread (IQR / 1.35)
    coef: np.ndarray
    intercept: float
    threshold: float  # operating threshold on mt.probability
    artifact_weights: Mapping[str, float]
    max_artifact_logit: float
    #: the most fluency alone may add to mt.probability's log-odds: below the threshold, so
    #: that a page is flagged only with an artifact (fluency is standardised on clean text of
    #: another genre for some languages: fr web pages score like MT on it)
    max_fluency_logit: float = math.inf
    _per_language: dict[str, tuple[list[float], list[float]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _rounded: dict[str, list[float]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def page_probability(self, fluency_logit: float, rules: set[str]) -> float:
        """mt.probability from the fluency log-odds and the kinds of artifact found."""
        artifact_logit = min(
            sum(self.artifact_weights.get(rule, 0.0) for rule in rules), self.max_artifact_logit
        )
        return sigmoid(min(fluency_logit, self.max_fluency_logit) + artifact_logit)

    def standardised(self, features: Mapping[str, float], lang: str) -> np.ndarray:
        x = np.fromiter(map(features.__getitem__, self.features), dtype=float, count=len(self.features))
        return (x - self.center[lang]) / self.scale[lang]

    def fluency_logit(self, z: np.ndarray) -> float:
        return float(self.intercept + z @ self.coef)

    def contributions(self, features: Mapping[str, float], lang: str) -> list[float]:
        """Each feature's log-odds (weight times standardised value; `fluency_logit` is the
        intercept plus their sum), in plain Python: a handful of numpy calls on 14 numbers
        cost more than the arithmetic."""
        weighted = self._weighted(lang)
        return [(features[name] - c) * w for name, c, w in zip(self.features, *weighted, strict=True)]

    def center_list(self, lang: str) -> list[float]:
        return self._weighted(lang)[0]

    def rounded_centers(self, lang: str) -> list[float]:
        """`center_list(lang)` rounded to 4 places (the `human_median` of `mt.reasons`), once a language."""
        rounded = self._rounded.get(lang)
        if rounded is None:
            rounded = self._rounded[lang] = [round(c, 4) for c in self.center_list(lang)]
        return rounded

    def _weighted(self, lang: str) -> tuple[list[float], list[float]]:
        """Per language (cached): the centres, and each weight over its feature's scale."""
        cached = self._per_language.get(lang)
        if cached is None:
            cached = self.center[lang].tolist(), (self.coef / self.scale[lang]).tolist()
            self._per_language[lang] = cached
        return cached


@cache
def load_calibration() -> Calibration | None:
    """The shipped calibration.toml (None before bench/mt_calibrate.py has written one)."""
    path = resources.files("tamis").joinpath("data/mt/calibration.toml")
    if not path.is_file():
        return None
    data = tomllib.loads(path.read_text("utf-8"))
    ref = data["reference"]
    return Calibration(
        tuple(data["model"]["features"]),
        {lang: np.array(v["center"], dtype=float) for lang, v in ref.items()},
        {lang: np.array(v["scale"], dtype=float) for lang, v in ref.items()},
        np.array(data["model"]["coef"], dtype=float),
        float(data["model"]["intercept"]),
        float(data["model"]["threshold"]),
        dict(data["artifacts"]["weights"]),
        float(data["artifacts"]["max_logit"]),
        float(data["model"].get("max_fluency_logit", math.inf)),
    )


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, x))))
