from __future__ import annotations

import pytest

from tamis.annotate.language import IdentifyLanguage, declared_language, dominant_script, refine
from tamis.document import Document
from text_samples import LANGS, paragraphs, sentences

STEP = IdentifyLanguage()


@pytest.mark.parametrize("lang", LANGS)
def test_sentences_of_each_language_are_identified(lang: str) -> None:
    sents = sentences(lang)
    right = sum(STEP.label(s)["language"] == lang for s in sents)
    assert right / len(sents) >= 0.9, f"{lang}: {right}/{len(sents)}"


@pytest.mark.parametrize("lang", LANGS)
def test_paragraphs_get_language_script_and_no_mix(lang: str) -> None:
    doc = Document("d", paragraphs(lang)[1])
    out = STEP.measure(doc)
    assert out["language"] == lang
    assert out["script"] == ("Latin" if lang in {"de", "en", "fr"} else "Cyrillic")
    assert out["language_mix"] < 0.2
    assert out["language_mismatch"] == 0


def test_mixed_document_reports_mix_and_declared_mismatch() -> None:
    text = "\n".join(paragraphs("de")[2].splitlines()[:1] + paragraphs("ru")[1].splitlines())
    out = STEP.measure(Document("d", text, meta={"lang": "de-DE"}))
    assert out["language"] == "ru"
    assert 0.1 < out["language_mix"] < 0.9
    assert "de:" in out["paragraph_languages"] and "ru:" in out["paragraph_languages"]
    assert out["language_declared"] == "de"
    assert out["language_mismatch"] == 1


def test_declared_language_that_matches_is_not_flagged() -> None:
    out = STEP.measure(Document("d", paragraphs("fr")[0], meta={"metadata": {"lang": "fr"}}))
    assert out["language_mismatch"] == 0


def test_kazakh_letters_fix_lid176_confusions() -> None:
    assert refine("ky", "Бұл жылы елімізде көп жұмыс атқарылды.") == "kk"
    assert refine("uk", "Қазақстан бойынша жалпы салық қарызы өсті.") == "kk"
    assert refine("ru", "Вона сказала, що прийде завтра і принесе їжу.") == "uk"
    # Russian text keeps its label, and Bashkir (ҙ, ҫ) is not taken for Kazakh
    assert refine("ru", "Он сказал, что придёт завтра.") == "ru"
    assert refine("ba", "Беҙҙең ауылда ҡыш оҙаҡ була, ғәҙәттә ҡар күп яуа.") == "ba"


@pytest.mark.parametrize(
    ("text", "script"),
    [("", "none"), ("   \n ", "none"), ("#### !!! 1234", "none"), ("aaaaaaaaaaaa", "Latin")],
)
def test_bad_input_does_not_crash(text: str, script: str) -> None:
    out = STEP.measure(Document("d", text))
    assert out["script"] == script
    if script == "none":
        assert out["language"] == "und"


def test_declared_language_forms() -> None:
    assert declared_language({"language": "EN_us"}) == "en"
    assert declared_language({"lang": ""}) is None
    assert dominant_script("Ελληνικά και λίγο English") == "Greek"


def test_script_counts_match_the_unicode_patterns() -> None:
    import random

    from tamis.annotate.language import _COMMON_SCRIPTS, _OTHER_LETTERS, script_counts

    def by_pattern(text: str) -> tuple[int, int, int]:
        latin, cyrillic = (sum(map(len, p.findall(text))) for _, p in _COMMON_SCRIPTS)
        return sum(map(len, _OTHER_LETTERS.findall(text))), latin, cyrillic

    rng = random.Random(7)
    # ASCII, Latin and Cyrillic blocks, other BMP scripts and symbols, text beyond the BMP, and
    # lone surrogates from broken input
    ranges = [
        (0x20, 0x80),
        (0x80, 0x600),
        (0x400, 0x530),
        (0x1E00, 0x2200),
        (0x10000, 0x10500),
        (0xD800, 0xE000),
    ]
    texts = ["Привет, world! 42", "ⅠⅡ ª º ǅ Ꙁ", "plain ascii only"]
    texts += ["".join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(30)) for _ in range(2000)]
    for text in texts:
        assert script_counts(text) == by_pattern(text)
