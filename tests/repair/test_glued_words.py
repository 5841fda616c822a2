"""repair.glued_words: the noisy-channel test for listed tokens, case seams in listed words, and the
per-language memo of context-free decisions (results must not depend on what was seen before)."""

from __future__ import annotations

import pytest

from tamis.document import Document, replay
from tamis.repair.glued_words import SplitGluedWords, _memo, channel_split, lexicon


def split(text: str, lang: str, step: SplitGluedWords | None = None) -> tuple[str, list[str]]:
    step = step or SplitGluedWords()
    result = step.repair(text, Document(id="t", text=text, annotations={"language": lang}))
    assert replay(text, result.edits) == result.text
    return result.text, [e.evidence for e in result.edits]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # listed by wordfreq because web text glues them, far rarer than the halves' chance meeting
        ("He was one ofthe first to arrive.", "en", "He was one of the first to arrive."),
        ("Itis raining again.", "en", "It is raining again."),
        ("It was theworld he knew.", "en", "It was the world he knew."),
        ("He wasa good man.", "en", "He was a good man."),
        # a capital seam inside a listed word ("derzeit", "einmann" are words; "derZeit" is a glue)
        ("Das war zu derZeit nicht möglich.", "de", "Das war zu der Zeit nicht möglich."),
        ("Du bist auch einMann, der kann.", "de", "Du bist auch ein Mann, der kann."),
        ("I know thatI was wrong.", "en", "I know that I was wrong."),
        # glued twice: the half left by the first split is split again, and the evidence names both
        (
            "Das wird wohl kaum so leicht seinwieSie denken.",
            "de",
            "Das wird wohl kaum so leicht sein wie Sie denken.",
        ),
        ("It was theboyHarry who came.", "en", "It was the boy Harry who came."),
        # English "I" is written with a capital inside a sentence too: no name
        ("as much as Ialways admired her.", "en", "as much as I always admired her."),
        # a clitic after the apostrophe belongs to the last word only
        ('"Butwhat\'s to be done?" she asked.', "en", '"But what\'s to be done?" she asked.'),
        # next to a closed-class English word a less common word is enough
        ("The valley wasscreened by trees.", "en", "The valley was screened by trees."),
        ("She smiled at thedinners they gave.", "en", "She smiled at the dinners they gave."),
    ],
)
def test_glues_split(text: str, lang: str, expected: str) -> None:
    assert split(text, lang)[0] == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # words far more common than their halves' chance meeting stay
        ("Er schwieg, indem er nickte.", "de"),
        ("She climbed onto the roof, and herein lies another problem.", "en"),
        # German spelling fused function words for centuries: the channel needs a wider gap there
        ("Er blieb, dieweil es regnete.", "de"),
        # old words with the English a- prefix, and names ending in a one-letter word
        ("The sun went adown the hill.", "en"),
        ("Longa was there.", "en"),
        # a word with a stray capital is no glue; brand names with a one-letter left part stay
        ("That was confusIng to all of us.", "en"),
        ("She bought an iPhone on eBay.", "en"),
        # a capitalised unknown token inside an English sentence is a name, "I" aside
        ("He met Goldmore at noon, and Makepiece too.", "en"),
        # dialect with an elided letter: the apostrophe ends the word, no clitic follows
        ("He was agoin' home.", "en"),
        # English compounds of two content words stay
        ("He spoke of his playfellow and the publichouse.", "en"),
    ],
)
def test_words_stay(text: str, lang: str) -> None:
    assert split(text, lang)[0] == text


def test_channel_evidence_names_the_listed_frequency() -> None:
    _, evidence = split("He was one ofthe first to arrive.", "en")
    assert evidence == ["ofthe: listed=3.33; of=7.40 the=7.73"]
    i, z_left, z_right = channel_split("ofthe", lexicon("en"), "en")
    assert (i, z_left, z_right) == (2, pytest.approx(7.40, abs=0.01), pytest.approx(7.73, abs=0.01))


def test_channel_is_off_for_languages_not_checked() -> None:
    # French word lists hold English glues and words; the channel is measured for de and en only
    assert channel_split("ofthe", lexicon("fr"), "fr") is None


def test_decisions_do_not_depend_on_what_was_seen_before() -> None:
    # the same capitalised listed glue at a sentence start splits, inside an English sentence it
    # reads as a name; the memo keeps both decisions, so the order of documents changes nothing
    step = SplitGluedWords()
    start, inside = "Itis raining again.", "We met Itis yesterday."
    _memo.cache_clear()
    first = [split(start, "en", step), split(inside, "en", step), split(start, "en", step)]
    _memo.cache_clear()
    second = [split(inside, "en", step), split(start, "en", step), split(inside, "en", step)]
    assert (
        first[0] == first[2] == second[1] == ("It is raining again.", ["Itis: listed=2.70; It=6.95 is=7.07"])
    )
    assert first[1] == second[0] == second[2] == (inside, [])


def test_token_seen_twice_in_a_text_stays_after_the_memo_knows_it() -> None:
    step = SplitGluedWords()
    assert split("He said thatI knew.", "en", step)[0] == "He said that I knew."
    twice = "He said thatI knew, and thatI cared."
    assert split(twice, "en", step)[0] == twice


def test_a_token_glued_twice_records_both_splits() -> None:
    _, evidence = split("Das wird wohl kaum so leicht seinwieSie denken.", "de")
    assert evidence == ["seinwieSie: unknown; seinwie=0.00 Sie=6.82; sein=6.32 wie=6.65"]
