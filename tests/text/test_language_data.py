"""The language files: well formed, read by the steps, and each language's lists complete."""

from __future__ import annotations

import re

import regex

from tamis.repair.boilerplate_lines import RemoveBoilerplateLines
from tamis.repair.captions import MoveCaptions
from tamis.repair.datelines import RemoveDatelines
from tamis.text.boilerplate_patterns import rule_data
from tamis.text.language_data import language_files, section, words
from tamis.text.lexicon import gopher_stop_words, top_words

KEYS = {
    "captions": {"labels", "agencies", "link_words", "photo_words", "source_labels", "picture_words"},
    "datelines": {"months", "stamp_words", "filler_words", "range_words"},
    "stop_words": {"gopher", "top_words"},
    "boilerplate": {"patterns", "words"},
}


def test_every_file_holds_only_known_sections_and_lists_of_words() -> None:
    for lang, data in language_files():
        assert lang == "any" or re.fullmatch(r"[a-z]{2,3}", lang), lang
        for name, lists in data.items():
            assert name in KEYS, (lang, name)
            assert set(lists) <= KEYS[name], (lang, name, set(lists) - KEYS[name])
            by_rule = lists.values() if name == "boilerplate" else [lists]
            for table in by_rule:
                for key, values in table.items():
                    assert name != "boilerplate" or key in rule_data(), (lang, key)
                    assert values and all(isinstance(v, str) and v == v.strip() for v in values), (lang, key)
                    assert len(values) == len(set(values)), (lang, key)


def test_caption_pieces_compile_and_month_names_are_lower_case() -> None:
    for key in ("labels", "agencies", "picture_words"):
        for piece in words("captions", key):
            regex.compile(piece)
    for lang, lists in section("datelines").items():
        months = lists["months"]
        assert all(m == m.lower() for m in months), lang
        assert len(months) >= 11, lang  # every month ("may" is no English month name: a common word)


def test_a_word_of_a_language_file_reaches_its_step() -> None:
    captions, datelines = MoveCaptions(), RemoveDatelines()
    # a Polish label and a Turkish month, each read from its own file only
    assert "zdjęcie" in section("captions")["pl"]["labels"]
    page = "Pomnik w centrum miasta\nZdjęcie: PAP\nDalszy tekst artykułu o pomniku."
    assert captions.repair(page, None).captions == ("Zdjęcie: PAP",)  # type: ignore[arg-type]
    assert "mayıs" in section("datelines")["tr"]["months"]
    assert datelines.is_dateline("Güncelleme: 3 Mayıs 2024 14:35")
    assert not datelines.is_dateline("3 Mayıs 2024 tarihinde toplantı yapıldı.")


def test_a_boilerplate_pattern_of_a_language_file_reaches_the_step() -> None:
    assert any("пікір" in p for p in section("boilerplate")["kk"]["patterns"]["comment_form"])
    page = "Мақаланың мәтіні осында жазылған.\nПікір қалдыру\nСоңғы жол."
    result = RemoveBoilerplateLines().repair(page, None)  # type: ignore[arg-type]
    assert result.text == "Мақаланың мәтіні осында жазылған.\nСоңғы жол."
    assert [e.rule for e in result.edits] == ["comment_form"]


def test_stop_words_come_from_wordfreq_or_a_language_file() -> None:
    assert gopher_stop_words("en") == frozenset(section("stop_words")["en"]["gopher"])
    assert top_words("kk", 3) == tuple(section("stop_words")["kk"]["top_words"][:3])
    assert len(top_words("de", 100)) == 100 and "und" in top_words("de", 10)
