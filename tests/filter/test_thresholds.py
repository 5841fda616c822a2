from __future__ import annotations

from pathlib import Path

import pytest

from tamis.annotate.language import IdentifyLanguage
from tamis.annotate.quality import measure_all
from tamis.document import Document, Rejected
from tamis.errors import ConfigError
from tamis.filter.thresholds import PRESETS, RULES, RejectByThresholds
from tamis.pipeline import RunStats, process
from text_samples import LANGS, paragraphs

SEED = Path(__file__).resolve().parents[2] / "src" / "tamis" / "data" / "samples" / "seed_newsfarm_de.txt"
LANGUAGE = IdentifyLanguage()


def signals(text: str) -> tuple[dict, str]:
    found = LANGUAGE.label(text)
    return {**found, **measure_all(text, found["language"])}, found["language"]


@pytest.mark.parametrize("preset", PRESETS)
def test_seed_page_is_judged_as_german(preset: str) -> None:
    sig, lang = signals(SEED.read_text("utf-8"))
    assert lang == "de"
    verdict = RejectByThresholds(preset=preset).judge(sig, lang)
    assert verdict is None or verdict.rule != "too_few_stop_words"
    # datatrove's mistake, reproduced by judging the same page with English stop words:
    english = {**sig, **measure_all(SEED.read_text("utf-8"), "en")}
    assert RejectByThresholds(preset="gopher").judge(english, "en") == Rejected(
        "filter.thresholds", "too_few_stop_words", english["gopher.stop_word_count"], 2
    )


@pytest.mark.parametrize("lang", LANGS)
def test_real_paragraphs_pass_stop_words_in_their_own_language(lang: str) -> None:
    flt = RejectByThresholds(preset="gopher")
    for text in paragraphs(lang):
        sig, found = signals(text)
        assert found == lang
        verdict = flt.judge(sig, found)
        assert verdict is None or verdict.rule != "too_few_stop_words", verdict


@pytest.mark.parametrize("lang", LANGS)
def test_default_preset_keeps_real_paragraphs(lang: str) -> None:
    flt = RejectByThresholds()
    for text in paragraphs(lang):
        sig, found = signals(text)
        if sig["gopher.word_count"] >= 50:
            assert flt.judge(sig, found) is None, (lang, flt.judge(sig, found))


def test_rejection_names_rule_value_and_threshold() -> None:
    sig, lang = signals(max(paragraphs("en")[0].splitlines(), key=len))
    verdict = RejectByThresholds(preset="gopher").judge(sig, lang)
    assert sig["gopher.word_count"] >= 50  # one long sentence: enough words, too few sentences
    assert verdict == Rejected("filter.thresholds", "too_few_sentences", sig["c4.sentence_count"], 5)


def test_changing_a_threshold_rejudges_stored_signals() -> None:
    sig, lang = signals(paragraphs("en")[0])
    assert RejectByThresholds().judge(sig, lang) is None
    strict = RejectByThresholds(overrides={"too_few_words": 10_000})
    assert strict.judge(sig, lang).rule == "too_few_words"
    assert RejectByThresholds(overrides={"too_few_words": False}).judge(sig, lang) is None


def test_thresholds_differ_per_language() -> None:
    flt = RejectByThresholds()
    assert flt.thresholds("kk")["too_few_stop_words"] < flt.thresholds("en")["too_few_stop_words"]
    assert flt.thresholds("xx") == {**flt.thresholds("xx"), "too_few_words": 50}
    assert RejectByThresholds(preset="fineweb-like").thresholds("de")["low_language_score"] == 0.65


def test_gopher_preset_matches_datatrove_defaults() -> None:
    t = RejectByThresholds(preset="gopher").thresholds("en")
    assert (t["too_few_words"], t["mean_word_length_too_long"], t["too_few_alpha_words"]) == (50, 10, 0.8)
    assert (t["top_2gram_char_fraction_too_high"], t["dup_10gram_char_fraction_too_high"]) == (0.2, 0.1)


def test_unknown_preset_or_rule_is_a_helpful_error() -> None:
    with pytest.raises(ConfigError, match="known presets"):
        RejectByThresholds(preset="nope")
    with pytest.raises(ConfigError, match="valid"):
        RejectByThresholds(overrides={"too_short": 3})


def test_every_rule_is_declared_and_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "quality.md").read_text("utf-8")
    for code in RULES:
        assert code in RejectByThresholds.rules
        assert f"`{code}`" in docs, code


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "no_words"),
        ("  \n\t ", "no_words"),
        ("!!! ### ... ???", "no_words"),
        ("a" * 10_000, "too_few_words"),
    ],
)
def test_bad_input_is_rejected_with_a_reason_through_the_steps(text: str, rule: str) -> None:
    from tamis.annotate.quality import MeasureQuality

    steps = [LANGUAGE, MeasureQuality(), RejectByThresholds()]
    doc = process(Document("d", text), steps, RunStats(), strict=True)
    assert isinstance(doc.verdict, Rejected) and doc.verdict.rule == rule
