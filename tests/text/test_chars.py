"""Code-point tables agree with the patterns they are built from, character by character."""

from __future__ import annotations

import re

import numpy as np
import regex

from tamis.text.chars import CODE_POINTS, code_point_table, every_character, matching_code_points


def test_the_matching_code_points_are_exactly_those_the_pattern_matches() -> None:
    for pattern in (regex.compile(r"[\p{P}\p{S}]"), regex.compile(r"\w"), re.compile(r"[^\W\d_]", re.I)):
        found = set(matching_code_points(pattern).tolist())
        expected = {ord(c) for c in every_character() if pattern.fullmatch(c)}
        assert found == expected, pattern.pattern


def test_later_classes_win_and_surrogates_match_nothing() -> None:
    table = code_point_table(
        [(regex.compile(r"\w"), 1), (regex.compile(r"\d"), 2), (regex.compile(r"\W"), 3)]
    )
    assert table.shape == (CODE_POINTS,)
    assert table[ord("a")] == 1 and table[ord("٣")] == 2 and table[ord("!")] == 3
    assert not np.any(table[0xD800:0xE000])
    assert len(every_character()) == CODE_POINTS - 0x800
