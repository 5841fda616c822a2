"""The prefilter compiler's scans accept at least what the patterns they come from accept."""

from __future__ import annotations

import re

import regex

from tamis.text import prefilter


def test_no_character_beyond_the_folded_range_has_a_case_or_is_space() -> None:
    # the fold and space tables look only below U+20000 (`every_character`): nothing above matters
    above = "".join(map(chr, range(0x20000, 0x110000)))
    assert (
        regex.search(r"\p{Cased}|\p{Changes_When_Casemapped}|\p{Changes_When_Casefolded}|\s", above) is None
    )


def test_re_and_regex_folds_differ_where_the_engines_do() -> None:
    assert "K" in prefilter.re_fold("k") and "\u212a" in prefilter.re_fold("k")
    assert "\u0131" in prefilter.re_fold("i")  # dotless i is an "i" to `re` ...
    assert "\u0131" not in prefilter.regex_fold("i")  # ... and not to `regex`
    assert "\u0130" in prefilter.regex_fold("i")


def test_an_exact_trie_matches_every_case_variant_of_a_finite_pattern() -> None:
    pattern = r"(?:foto(?:s)?|bild|фото)\s?:"
    scan = re.compile(prefilter.exact_trie(pattern), re.IGNORECASE)
    for line in ["Foto:", "FOTOS :", "bild:", "ФОТО:", "Fotos\u00a0:"]:
        assert regex.fullmatch(pattern, line, regex.IGNORECASE), line
        assert scan.fullmatch(line), line
    assert scan.match("Photo:") is None


def test_the_line_scan_names_every_line_a_pattern_takes() -> None:
    patterns = [(r"(?:share on (?:facebook|twitter))\s*", ()), (r"(?:.{0,20}cookies? policy)\s*", ())]
    scan = prefilter.build_line_scan(patterns, ["home", "about us"], " |·")
    assert scan is not None
    text = "Prose line.\nShare on Facebook\nRead our COOKIE POLICY\nHome | About us\nMore prose."
    found, _ = prefilter.candidate_lines(text, scan)
    assert {1, 2, 3} <= set(found)
    assert 0 not in found  # a superset of the lines taken, but prose that starts no pattern stays out


def test_non_ascii_reach_is_the_widest_alternative_or_none() -> None:
    assert prefilter.non_ascii_reach(re.compile("Ã[\x80-\xbf]|â€.")) == 3
    assert prefilter.non_ascii_reach(re.compile("Ã|x")) is None  # an ASCII-only alternative
    assert prefilter.non_ascii_reach(re.compile(r"Ã(?=y)")) is None  # looks beyond its match
