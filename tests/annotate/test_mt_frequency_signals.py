from __future__ import annotations

import pytest

from tamis.annotate.mt_frequency_signals import MeasureMachineTranslation
from tamis.document import Document
from text_samples import paragraphs

STEP = MeasureMachineTranslation()


@pytest.mark.parametrize("lang", ["de", "en", "fr", "ru", "uk"])
def test_signals_are_numbers_and_score_is_a_probability(lang: str) -> None:
    out = STEP.measure(Document("d", paragraphs(lang)[1], annotations={"language": lang}))
    assert set(out) == set(STEP.provides)
    assert 0.0 <= out["mt.score"] <= 1.0
    assert 0.0 < out["mt.type_token_ratio"] <= 1.0


def test_repetitive_vocabulary_scores_higher_than_varied_prose() -> None:
    varied = paragraphs("en")[1]
    words = varied.split()[:40]
    repetitive = " ".join(words[:10] * 4) + "."
    score = lambda t: STEP.measure(Document("d", t, annotations={"language": "en"}))["mt.score"]  # noqa: E731
    assert score(repetitive) > score(varied)


def test_short_or_unknown_language_text_gives_no_signals() -> None:
    assert STEP.measure(Document("d", "Too short.", annotations={"language": "en"})) == {}
    assert STEP.measure(Document("d", paragraphs("kk")[0], annotations={"language": "kk"})) == {}


def test_more_commas_per_word_score_higher_all_else_equal() -> None:
    # the same words, once with the clause commas a translation spells out, once without
    text = paragraphs("de")[1]
    without = text.replace(",", "")
    words = len(text.split())
    with_more = " ".join(
        w + "," if i % 6 == 5 and not w.endswith((",", ".")) else w for i, w in enumerate(text.split())
    )
    measure = lambda t: STEP.measure(Document("d", t, annotations={"language": "de"}))  # noqa: E731
    a, b = measure(without), measure(with_more)
    assert a["mt.type_token_ratio"] == b["mt.type_token_ratio"] and words > 20
    assert b["mt.comma_rate"] > a["mt.comma_rate"]
    assert b["mt.score"] > a["mt.score"]
