"""Which copy of a duplicate group to keep: the earliest, the longest, or the best by a score."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tamis.document import Document

KEEP_POLICIES = ("first", "longest", "best_quality")


def check_keep(keep: str) -> None:
    if keep not in KEEP_POLICIES:
        raise ValueError(f"keep={keep!r}; choose one of {', '.join(KEEP_POLICIES)}")


def rank_keys(docs: Sequence[Document], keep: str, score: str) -> np.ndarray:
    """Per document, a float where smaller means "keep this one"; ties go to the earliest document.

    "first" ranks all equal (input order decides), "longest" by -len(text), "best_quality" by
    -annotations[score], or by +annotations[name] when score is "-name" (lower is better, e.g.
    "-mt.score"); documents without a numeric score rank last.
    """
    if keep == "first":
        return np.zeros(len(docs))
    if keep == "longest":
        return np.fromiter((-len(d.text) for d in docs), dtype=np.float64, count=len(docs))
    sign, name = (1.0, score[1:]) if score.startswith("-") else (-1.0, score)
    out = np.empty(len(docs))
    for i, d in enumerate(docs):
        value = d.annotations.get(name)
        try:
            v = float(value) if value is not None and not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            v = math.nan
        out[i] = math.inf if math.isnan(v) else sign * v
    return out


def keep_order(group: np.ndarray, rank: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Order rows by (group, rank, index): the first row of each group is the one to keep."""
    return np.lexsort((index, rank, group))
