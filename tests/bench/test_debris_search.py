"""bench/debris_search.py: the pieces its candidates and its paired comparison rest on."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from debris_search import compare_to, densest_stretch, page_counts, rank


def test_densest_stretch_finds_the_run_with_the_largest_sum() -> None:
    assert densest_stretch(np.array([-1.0, 3, -1, 4, -10, 2])) == (1, 4)
    assert densest_stretch(np.array([-3.0, -1, -2])) == (1, 2)  # all negative: the least bad line


def test_rank_is_the_position_in_the_page_scaled_to_one() -> None:
    assert rank(np.array([0.5, -2.0, 9.0])).tolist() == [0.5, 0.0, 1.0]
    assert rank(np.array([4.0])).tolist() == [0.0]


def test_page_counts_and_a_paired_comparison() -> None:
    # 20 pages of three lines (debris; body of 6 words; body of 2), datasets a and b alternating
    search = SimpleNamespace(
        pages=[{"dataset": "ab"[i % 2], "lang": "en", "site": str(i)} for i in range(20)],
        page=np.repeat(np.arange(20), 3),
        y=np.tile([True, False, False], 20),
        words=np.tile([1, 6, 2], 20),
        scored=np.ones(60, dtype=bool),
        datasets=np.array(["a", "b"] * 10),
        langs=np.array(["en"] * 20),
    )
    nothing = page_counts(search, np.zeros(60, dtype=bool))
    debris_only = page_counts(search, search.y.copy())
    # removed debris, removed body, debris, body words (5+) kept, body words (5+)
    assert debris_only[0].tolist() == [1, 0, 1, 6, 6]
    result = compare_to(search, nothing, debris_only, np.random.default_rng(0))
    ra, rb, diff, ci, precision, kept, n_pages, debris = result["all"]
    assert (ra, rb, diff, precision, kept, n_pages, debris) == (0.0, 1.0, 1.0, 1.0, 1.0, 20, 20)
    assert ci == (1.0, 1.0)
    same = compare_to(search, debris_only, debris_only, np.random.default_rng(0))
    assert same["all"][2] == 0.0 and same["all"][3] == (0.0, 0.0)
    assert "dataset=a" not in result  # 10 debris lines: under the 20 a group needs
