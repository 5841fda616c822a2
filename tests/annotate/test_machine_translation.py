from __future__ import annotations

import random
from pathlib import Path

import pytest

from tamis.annotate import mt_artifacts
from tamis.annotate.machine_translation import (
    FEATURES,
    DetectMachineTranslation,
    all_models,
    fluency_features,
    load_models,
)
from tamis.document import Document, Edit
from text_samples import LANGS, paragraphs

STEP = DetectMachineTranslation()
SEED = (
    Path(__file__).resolve().parents[2] / "src" / "tamis" / "data" / "samples" / "seed_newsfarm_de.txt"
).read_text("utf-8")


def measure(text: str, lang: str, edits: tuple[Edit, ...] = ()) -> dict:
    return STEP.measure(Document("d", text, annotations={"language": lang}, edits=edits))


@pytest.mark.issue(12)
def test_seed_page_is_flagged_with_at_least_three_artifacts() -> None:
    out = measure(SEED, "de")
    assert out["mt.suspected"] == 1 and out["mt.probability"] >= 0.9
    artifacts = {r["rule"]: r for r in out["mt.reasons"] if r["rule"] != "fluency"}
    assert {"foreign_ui_line", "name_variants", "capitalised_function_word"} <= set(artifacts)
    # every span points at the evidence in the text
    start, end = artifacts["capitalised_function_word"]["span"]
    assert SEED[start:end] == "Dass"
    assert (
        "Ermachanow" in artifacts["name_variants"]["text"]
        and "Ermanachow" in artifacts["name_variants"]["text"]
    )


@pytest.mark.parametrize("lang", LANGS)
def test_every_shipped_language_scores_real_prose_with_a_probability(lang: str) -> None:
    text = "\n\n".join(paragraphs(lang))
    out = measure(text, lang)
    assert out["mt.status"] == "scored"
    assert 0.0 <= out["mt.probability"] <= 1.0
    assert all(r["rule"] == "fluency" for r in out["mt.reasons"]), out[
        "mt.reasons"
    ]  # no artifact in clean prose


def test_a_language_without_a_model_is_unknown_not_guessed() -> None:
    out = measure("Dette er en helt almindelig dansk tekst om vejret i dag og i morgen. " * 10, "da")
    assert out == {"mt.status": "unknown"}


def test_short_text_without_artifacts_is_too_short() -> None:
    assert measure("Ein kurzer Satz.", "de") == {"mt.status": "too_short"}


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_word_model_finds_real_prose_less_surprising_than_its_words_shuffled(lang: str) -> None:
    models = load_models(lang)
    words = " ".join(paragraphs(lang)).split()[:100]  # within MAX_WORDS: the same words, both orders
    text = " ".join(words)
    random.Random(1).shuffle(words)
    real, shuffled = fluency_features(text, models), fluency_features(" ".join(words), models)
    assert set(real) == set(FEATURES)
    assert real["word_surprisal_mean"] < shuffled["word_surprisal_mean"]
    assert real["word_trigram_hits"] > shuffled["word_trigram_hits"]


def test_untranslated_ui_line_removed_by_an_earlier_step_still_counts() -> None:
    body = "\n\n".join(paragraphs("de"))
    edit = Edit("repair.boilerplate_lines", "comment_form", len(body), len(body) + 14, "\nLeave a Reply", "")
    out = measure(body, "de", edits=(edit,))
    rules = [r for r in out["mt.reasons"] if r["rule"] == "foreign_ui_line"]
    assert rules and rules[0]["text"] == "Leave a Reply" and rules[0]["span"] == [-1, -1]


def test_ui_line_in_the_page_language_is_not_an_artifact() -> None:
    de, others = load_models("de"), all_models()
    assert mt_artifacts.foreign_ui_lines("Hinterlasse einen Kommentar\nMehr lesen", de, others) == []
    # only the template language (English) counts: a French phrase on an English page does not
    en = load_models("en")
    assert mt_artifacts.foreign_ui_lines("Tour de force\nEt tu, Brute?\nLeave a Reply", en, others) == []
    assert mt_artifacts.foreign_ui_lines("7 p.m. to 9 p.m.", de, others) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Der Anwalt Ermachanow sagte das. Später bestätigte Ermanachow es.", True),  # letters reordered
        ("Die Ministerin Baerbockova kam. Baerbokova sprach danach.", False),  # one letter dropped: a typo
        ("Der Forscher Tverdovsky schrieb. Tverdvosky antwortete.", False),  # neighbours swapped: a typo
        ("Putin kam. Putins Besuch war kurz.", False),  # an inflection, and not rare
        ("Die Firma Ermakowa und Ermakowu sind Formen eines Namens.", False),  # differ only at the end
    ],
)
def test_name_variants(text: str, found: bool) -> None:
    assert bool(mt_artifacts.name_variants(text, load_models("de"), all_models())) is found


@pytest.mark.parametrize(
    ("text", "lang", "found"),
    [
        ("Er sagte gegenüber Channel 24 Dass Putins Besuch spontan war.", "de", True),
        (
            "Er sagte, dass Putins Besuch spontan war. Dass er kam, überraschte.",
            "de",
            False,
        ),  # sentence start
        ("We read Pride And Prejudice at school last year.", "en", False),  # a title-case run
        ("He said that the visit was short. And then he left.", "en", False),
        ("Compare with Less Than or Equal To here.", "en", False),
    ],
)
def test_capitalised_function_words(text: str, lang: str, found: bool) -> None:
    assert bool(mt_artifacts.capitalised_function_words(text, lang)) is found


def test_foreign_outlet_credit_but_not_a_photo_agency() -> None:
    de, others = load_models("de"), all_models()
    hits = mt_artifacts.foreign_outlet_credits(
        "Putin in Astana/Getty Images, Collage 24 Channel\nText.", de, others
    )
    assert [a.text for a in hits] == ["Collage 24 Channel"]
    assert mt_artifacts.foreign_outlet_credits("Foto: Getty Images\nQuelle: Reuters", de, others) == []


@pytest.mark.issue(12)
def test_seed_page_through_the_default_pipeline_keeps_all_four_artifacts() -> None:
    """Boilerplate removal and caption moves run first: the evidence they take out still counts."""
    from tamis.config import default_pipeline
    from tamis.pipeline import RunStats, process
    from tamis.steps import CorpusStage, Filter

    steps = [s for s in default_pipeline().steps if not isinstance(s, CorpusStage | Filter)]
    for s in steps:
        s.setup()
    doc = process(Document("seed", SEED), steps, RunStats(), strict=True)
    rules = {r["rule"] for r in doc.annotations["mt.reasons"]}
    assert {"foreign_ui_line", "name_variants", "capitalised_function_word", "foreign_outlet_credit"} <= rules
    assert doc.annotations["mt.suspected"] == 1


def test_spaces_before_punctuation_where_links_were_but_not_french_spacing() -> None:
    sentence = "Der Begriff wurde von dem Entwickler Warren geprägt , um eine versteckte Botschaft im Spiel zu beschreiben ."
    mirror = "\n".join([sentence] * 3)
    found = mt_artifacts.spaces_before_punctuation(mirror)
    assert [a.rule for a in found] == ["spaces_before_punctuation"] and "6 marks" in found[0].detail
    french = "Il a dit : nous viendrons demain ; puis il est parti sans un mot de plus pour nous !"
    assert mt_artifacts.spaces_before_punctuation("\n".join([french] * 6)) == []
    assert mt_artifacts.spaces_before_punctuation("\n\n".join(paragraphs("de"))) == []
