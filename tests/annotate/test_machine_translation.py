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
    load_calibration,
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


# Pages written for these tests (no fluency model ships for es, it, pl): clean prose, and the
# same prose as a farm leaves it (an English template line, a conjunction capitalised after a
# word, a foreign outlet's credit).
CLEAN_NO_MODEL = {
    "es": "El ayuntamiento aprobó ayer el presupuesto para el próximo año, que incluye más dinero "
    "para las escuelas y los parques del barrio. La alcaldesa dijo que la ciudad necesita "
    "también nuevas líneas de autobús, porque muchos vecinos tardan una hora en llegar al trabajo. "
    "Los vecinos de Los Ángeles de San Rafael viajaron a La Paz para ver el partido.",
    "it": "Il consiglio comunale ha approvato ieri il bilancio per il prossimo anno, che prevede più "
    "fondi per le scuole e per i parchi del quartiere. La sindaca ha detto che la città ha bisogno "
    "anche di nuove linee di autobus, perché molti abitanti impiegano un'ora per arrivare al lavoro. "
    "Una mostra su Piero Della Francesca apre domani.",
    "pl": "Rada miasta przyjęła wczoraj budżet na przyszły rok, który przewiduje więcej pieniędzy na "
    "szkoły i parki w dzielnicy. Burmistrz powiedziała, że miasto potrzebuje także nowych linii "
    "autobusowych, ponieważ wielu mieszkańców jedzie do pracy ponad godzinę.",
}
FARM_NO_MODEL = {
    "es": "El ministro dijo a la cadena Channel 24 Que el acuerdo se firmará la próxima semana en la "
    "capital, según fuentes del gobierno.\nFoto: Collage 24 Channel\nLeave a Reply",
    "it": "Il ministro ha detto alla rete Channel 24 Che l'accordo sarà firmato la prossima settimana "
    "nella capitale, secondo fonti del governo.\nFoto: Collage 24 Channel\nLeave a Reply",
    "pl": "Minister powiedział w rozmowie z Channel 24 Jak podają źródła rządowe, porozumienie "
    "zostanie podpisane w przyszłym tygodniu w stolicy.\nFoto: Collage 24 Channel\nLeave a Reply",
}


@pytest.mark.parametrize("lang", sorted(CLEAN_NO_MODEL))
def test_a_language_without_a_fluency_model_gets_no_guess_on_clean_prose(lang: str) -> None:
    out = measure(CLEAN_NO_MODEL[lang], lang)
    assert out["mt.status"] == "no_fluency_model" and "mt.probability" not in out
    assert "fluency" not in out["mt.evidence"] and "capitalised_function_word" in out["mt.evidence"]


@pytest.mark.parametrize("lang", sorted(FARM_NO_MODEL))
def test_a_language_without_a_fluency_model_is_flagged_by_its_artifacts(lang: str) -> None:
    text = FARM_NO_MODEL[lang]
    out = measure(text, lang)
    assert out["mt.status"] == "artifacts_only" and out["mt.suspected"] == 1
    found = {r["rule"]: r for r in out["mt.reasons"]}
    # foreign_outlet_credit is checked but does not fire here: wordfreq's web lists hold
    # "channel" in every language (docs/quality.md)
    assert {"foreign_ui_line", "capitalised_function_word"} <= set(found)
    assert "foreign_outlet_credit" in out["mt.evidence"]
    start, end = found["capitalised_function_word"]["span"]
    assert text[start:end] in {"Que", "Che", "Jak"}


def test_a_language_without_word_data_is_unknown_not_guessed() -> None:
    # Kazakh has a model; a language with neither a model nor a wordfreq list gets nothing
    out = measure("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 10, "la")
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
        # a one-letter conjunction counts after a number only: run-together verse opens lines with it
        ("Он сказал каналу 24 И визит был коротким.", "ru", True),
        ("Тебе достойного супруга получить И падший род опять от низких отличить.", "ru", False),
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


@pytest.mark.issue(12)
def test_fluency_alone_never_reaches_the_threshold_but_one_artifact_on_top_can() -> None:
    calibration = load_calibration()
    assert calibration is not None
    # French human web pages scored 0.98-0.9998 on fluency alone (docs/quality.md)
    assert calibration.page_probability(12.0, set()) < calibration.threshold
    assert calibration.page_probability(12.0, {"spaces_before_punctuation"}) >= calibration.threshold
    assert calibration.page_probability(-2.0, {"spaces_before_punctuation"}) < calibration.threshold


@pytest.mark.parametrize("lang", LANGS)
def test_surprisal_is_the_longest_order_found_plus_its_backoff(lang: str) -> None:
    """The coded one-pass pick (`HashTable.longest_hits`) against the rule spelt out per word:
    the longest n-gram the table holds gives the cost, plus 0.4's backoff per order skipped."""
    from tamis.annotate.fluency import BACKOFF_COST, COST_STEP, ngram_keys, stored_key, token_hashes

    words = [w.lower() for w in " ".join(paragraphs(lang)).split()][:150]
    model = load_models(lang).words
    hashes = token_hashes(words)
    cost, found = model.surprisal(hashes)
    hits = [model.table.lookup(stored_key(ngram_keys(hashes, n))) for n in range(1, model.order + 1)]
    for i in range(len(words)):
        order = max((n for n in range(1, model.order + 1) if hits[n - 1][0][i]), default=0)
        expected = (
            hits[order - 1][1][i] * COST_STEP + BACKOFF_COST * (model.order - order)
            if order
            else model.unknown_cost
        )
        assert found[i] == order and cost[i] == expected
    assert 0 < (found == model.order).sum() < len(words)  # real text: some 3-grams held, not all


def test_the_word_gates_change_no_artifact() -> None:
    """foreign_ui_lines and foreign_outlet_credits skip a page whose words hold no template
    string or credit marker: with the gate or without, the same artifacts."""
    from tamis.annotate.text_units import split_text

    de, others = load_models("de"), all_models()
    for text in (SEED, "\n\n".join(paragraphs("de")), "Text.\nLeave a Reply\nFoto: Collage 24 Channel"):
        lowered = split_text(text).lowered
        for words in (lowered, set(lowered)):  # the step passes the words as split: a sequence
            assert mt_artifacts.foreign_ui_lines(
                text, de, others, (), words
            ) == mt_artifacts.foreign_ui_lines(text, de, others)
            assert mt_artifacts.foreign_outlet_credits(
                text, de, others, words
            ) == mt_artifacts.foreign_outlet_credits(text, de, others)
    assert mt_artifacts.foreign_ui_lines("Text.\nLeave a Reply", de, others, (), {"text"}) == []  # gated out


@pytest.mark.parametrize("lang", LANGS)
def test_the_plain_python_contributions_are_the_calibrators_weighted_standardised_features(lang: str) -> None:
    """measure sums `Calibration.contributions` (plain Python); the benches use the numpy form."""
    calibration = load_calibration()
    assert calibration is not None
    features = fluency_features("\n\n".join(paragraphs(lang)), load_models(lang))
    contributions = calibration.contributions(features, lang)
    z = calibration.standardised(features, lang)
    assert contributions == pytest.approx((calibration.coef * z).tolist(), rel=1e-9, abs=1e-12)
    assert calibration.intercept + sum(contributions) == pytest.approx(calibration.fluency_logit(z))


def test_one_scan_for_either_gate_finds_what_the_checks_find_alone() -> None:
    """find_artifacts passes no words to the gated checks when the page holds no gate word."""
    from tamis.annotate.machine_translation import find_artifacts

    de, others = load_models("de"), all_models()
    for text in ("\n\n".join(paragraphs("de")), "Text, wie er ist.\nLeave a Reply\nFoto: Collage 24 Channel"):
        doc = Document("d", text, annotations={"language": "de"})
        alone = [
            *mt_artifacts.foreign_ui_lines(text, de, others),
            *mt_artifacts.foreign_outlet_credits(text, de, others),
        ]
        gated = [a for a in find_artifacts(doc, de) if a.rule in ("foreign_ui_line", "foreign_outlet_credit")]
        assert sorted(gated, key=repr) == sorted(alone, key=repr)
    assert mt_artifacts.gate_words("de").isdisjoint(split_words("\n\n".join(paragraphs("de"))))


def split_words(text: str) -> tuple[str, ...]:
    from tamis.annotate.text_units import split_text

    return split_text(text).lowered


def test_a_page_without_gate_words_still_gets_its_removed_lines_and_captions_checked() -> None:
    """find_artifacts skips the two word-gated checks on a text without gate words, but not the
    boilerplate lines removed before nor the captions: the same artifacts as every check run."""
    from tamis.annotate.machine_translation import find_artifacts

    de, others = load_models("de"), all_models()
    body = "\n\n".join(paragraphs("de"))
    assert mt_artifacts.gate_words("de").isdisjoint(split_words(body))
    edit = Edit("repair.boilerplate_lines", "comment_form", len(body), len(body) + 14, "\nLeave a Reply", "")
    for edits, captions in (
        ((edit,), ()),
        ((), ("Foto: Collage 24 Channel",)),
        ((edit,), ("Foto: Collage 24 Channel",)),
    ):
        doc = Document("d", body, annotations={"language": "de"}, edits=edits, captions=captions)
        alone = [
            *mt_artifacts.foreign_ui_lines(body, de, others, ["Leave a Reply"] if edits else []),
            *mt_artifacts.foreign_outlet_credits(body, de, others),
            *mt_artifacts.foreign_outlet_credits("\n".join(captions), de, others),
        ]
        found = [a for a in find_artifacts(doc, de) if a.rule in ("foreign_ui_line", "foreign_outlet_credit")]
        assert [(a.rule, a.text) for a in found] == [(a.rule, a.text) for a in alone]
        expected = {"foreign_ui_line"} if edits else set()
        assert {a.rule for a in found} == expected | ({"foreign_outlet_credit"} if captions else set())
