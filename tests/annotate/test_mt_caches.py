"""The MT step's per-process caches give what they cache (the step's outputs stay the same)."""

from __future__ import annotations

import pytest

from tamis.annotate import mt_artifacts
from tamis.annotate.mt_calibration import load_calibration


def test_rounded_centers_are_the_centres_rounded_to_four_places() -> None:
    calibration = load_calibration()
    if calibration is None:
        pytest.skip("no calibration.toml")
    assert calibration.center
    for lang in calibration.center:
        expected = [round(c, 4) for c in calibration.center_list(lang)]
        assert calibration.rounded_centers(lang) == expected
        assert calibration.rounded_centers(lang) == expected  # the cached list, unchanged


@pytest.mark.parametrize(
    "line", ["  Leave a Reply  ", "• Related Posts:", "LEAVE  A\tREPLY!", "", "Antworten"]
)
def test_cached_ui_key_is_ui_key(line: str) -> None:
    assert mt_artifacts._cached_ui_key(line) == mt_artifacts._ui_key(line)
    assert mt_artifacts._cached_ui_key(line) == mt_artifacts._ui_key(line)
