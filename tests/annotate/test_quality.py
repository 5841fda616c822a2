from __future__ import annotations

import time

import pytest

from tamis.annotate.quality import MeasureQuality, duplicate_ngram_chars, measure_all, top_ngram_chars
from tamis.annotate.text_units import MAX_MEASURED_CHARS, split_text
from tamis.document import Document
from text_samples import LANGS, paragraphs

STEP = MeasureQuality()


def test_every_provided_signal_is_a_number() -> None:
    out = STEP.measure(Document("d", paragraphs("en")[0], annotations={"language": "en"}))
    assert set(out) == set(STEP.provides)
    assert all(isinstance(v, int | float) for v in out.values())


@pytest.mark.parametrize("lang", LANGS)
def test_real_paragraphs_have_prose_signals(lang: str) -> None:
    out = measure_all(paragraphs(lang)[1], lang)
    assert out["gopher.stop_word_count"] >= 2  # its own language's stop words
    assert 0.1 < out["text.stop_word_ratio"] < 0.8
    assert 3 < out["gopher.mean_word_length"] < 10
    assert out["gopher.dup_line_fraction"] == 0
    assert out["gopher.dup_5gram_char_fraction"] < 0.1  # real prose repeats a phrase or two
    assert out["c4.sentence_count"] >= 3
    assert out["fineweb.line_punct_ratio"] > 0.5


def test_english_stop_words_are_not_used_for_german() -> None:
    text = paragraphs("de")[1]
    assert measure_all(text, "de")["gopher.stop_word_count"] >= 3
    assert measure_all(text, "en")["gopher.stop_word_count"] < 2


def test_repetition_signals_see_repeated_lines_and_ngrams() -> None:
    line = "Buy cheap watches online today with free shipping."
    out = measure_all("\n".join([line] * 6 + ["A different closing line ends here."]), "en")
    assert out["gopher.dup_line_fraction"] == pytest.approx(5 / 7)
    assert out["gopher.dup_line_char_fraction"] > 0.5
    assert out["gopher.dup_10gram_char_fraction"] > 0.5
    assert out["fineweb.dup_line_char_ratio"] > 0.5


def test_ngram_helpers_match_gophers_definitions() -> None:
    # top 2-gram "a b" occurs twice: (1 + 1 + 1 space) * 2
    assert top_ngram_chars(["a", "b", "a", "b", "c"], 2) == 6
    # the second "x y z" repeats the first; the scan skips past it
    assert duplicate_ngram_chars(["x", "y", "z", "x", "y", "z"], 3) == 3
    assert duplicate_ngram_chars(["x", "y"], 3) == 0


def test_c4_rules_count_lines() -> None:
    text = (
        "Please enable JavaScript to view this page properly.\n"
        "This website uses cookies to improve your experience.\n"
        "Menu\n"
        "The committee met on Tuesday. It approved the budget.\n"
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
        "var x = {a: 1};"
    )
    out = measure_all(text, "en")
    assert out["c4.lines_javascript"] == 1
    assert out["c4.lines_policy"] == 1
    assert out["c4.lines_no_terminal_punct"] == 2  # "Menu" and the code line
    assert out["c4.lorem_ipsum"] == 1
    assert out["c4.sentence_count"] == 2 + 1  # two in the committee line, one lorem line


def test_tokens_work_for_every_script() -> None:
    u = split_text("Қазақстан бойынша, 3.5 млн. Привіт! 東京")
    assert u.words[:3] == ("Қазақстан", "бойынша", "3.5")
    assert "!" in u.tokens and "東京" in u.words
    # combining marks stay inside their word (stress accents, Indic vowel signs, Hebrew points)
    assert split_text("Как дела́? नमस्ते दुनिया। שָׁלוֹם").tokens == (
        "Как",
        "дела́",
        "?",
        "नमस्ते",
        "दुनिया",
        "।",
        "שָׁלוֹם",
    )


def test_tokens_keep_what_spacy_keeps_whole() -> None:
    assert split_text("Mr. J. Smith of the U.S. met Dr. Brown.").tokens == (
        "Mr.",
        "J.",
        "Smith",
        "of",
        "the",
        "U.S.",
        "met",
        "Dr.",
        "Brown",
        ".",
    )
    assert split_text("Hier&nbsp;brach&nbsp;sie, dann &amp; so").tokens[0] == "Hier&nbsp;brach&nbsp;sie,"


@pytest.mark.parametrize("text", ["", "   \n\t  ", "!!! ### ... ---", "a" * 5000, "Ab Ωμέγα Привет 東京 ١٢٣"])
def test_bad_input_gives_numbers(text: str) -> None:
    out = measure_all(text, "und")
    assert all(isinstance(v, int | float) for v in out.values())


def test_fifty_megabytes_is_measured_on_a_bounded_prefix() -> None:
    text = ("Ein ganz normaler Satz mit einigen Wörtern darin. " * 1_000_000)[: 50 * 1024 * 1024]
    t0 = time.perf_counter()
    out = measure_all(text, "de")
    assert time.perf_counter() - t0 < 20
    assert out["text.char_count"] == len(text)
    assert out["text.measured_chars"] == MAX_MEASURED_CHARS
    assert out["gopher.word_count"] > 100_000  # extrapolated: the thresholds reject it as too long


@pytest.mark.parametrize("argsort_above", [0, 1000])  # `_recurring`'s two ways, both on every text
@pytest.mark.parametrize("lang", LANGS)
def test_vectorised_repetition_matches_the_reference_definitions(
    lang: str, argsort_above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tamis.annotate.quality as quality
    from tamis.annotate.quality import DUP_NGRAM_SIZES, TOP_NGRAM_SIZES, repetition_chars

    monkeypatch.setattr(quality, "_MARK_BY_ARGSORT", argsort_above)
    whole = "\n".join(paragraphs(lang))
    texts = [
        *paragraphs(lang),
        "\n".join(paragraphs(lang)[0].splitlines()[:2] * 4),
        whole + "\n" + whole[:3000],
    ]
    for text in texts:
        tokens = split_text(text).tokens
        reference = (
            {n: top_ngram_chars(tokens, n) for n in TOP_NGRAM_SIZES},
            {n: duplicate_ngram_chars(tokens, n) for n in DUP_NGRAM_SIZES},
        )
        assert repetition_chars(tokens) == reference
        assert repetition_chars(tokens, split_text(text).token_keys) == reference  # the step's keys


def test_recurring_positions_are_those_of_keys_seen_twice() -> None:
    from collections import Counter

    import numpy as np

    from tamis.annotate.quality import _recurring

    rng = np.random.default_rng(7)
    arrays = [np.arange(n, dtype=np.uint64) for n in (1, 5, 1500)]  # nothing recurs
    arrays += [rng.integers(0, n // 3 + 2, n).astype(np.uint64) for n in (2, 50, 999, 1000, 1001, 4000)]
    for keys in arrays:
        counts = Counter(keys.tolist())
        assert _recurring(keys).tolist() == [i for i, k in enumerate(keys.tolist()) if counts[k] > 1]


@pytest.mark.parametrize("lang", LANGS)
def test_upper_and_digit_counts_match_the_unicode_classes(lang: str) -> None:
    import random
    import re

    import regex

    from tamis.annotate.quality import upper_and_digit_counts

    def by_pattern(text: str) -> tuple[int, int]:
        return len(regex.findall(r"\p{Lu}", text)), len(re.findall(r"\d", text))

    rng = random.Random(lang)
    # real text, and made-up strings mixing ASCII, other BMP letters and digits, characters
    # beyond the BMP (emoji, mathematical capitals) and lone surrogates from broken input
    texts = list(paragraphs(lang))
    for _ in range(300):
        ranges = [(0x20, 0x80), (0x80, 0x3000), (0x1D400, 0x1D800), (0x1F300, 0x1F700), (0xD800, 0xE000)]
        texts.append("".join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(40)))
    for text in texts:
        assert upper_and_digit_counts(text) == by_pattern(text)


def test_whitespace_chunked_tokens_match_one_findall() -> None:
    from tamis.annotate.text_units import _FIND_TOKENS, _FIND_TOKENS_WITH_ENTITIES, _tokens

    texts = [p for lang in LANGS for p in paragraphs(lang)]
    texts += ["U.S. Mr. Smith's 3.5 km -- far... x.com a&nbsp;b «Ja!» (1,000) don't\u2028ok\x1cz"]
    for text in texts:
        find = _FIND_TOKENS_WITH_ENTITIES if "&" in text else _FIND_TOKENS
        assert _tokens(text) == find.findall(text)


@pytest.mark.parametrize("lang", LANGS)
def test_every_signal_matches_the_plain_definitions(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The step's shortcuts (chunked tokens, string splits, set-counted duplicates, the C4
    pre-check, numpy n-grams, class tables) give bit-identical signals to the plain definitions they replace, on real
    text and on text with repeated lines, a cookie notice, entities and digits."""
    import re

    import regex

    import tamis.annotate.quality as quality
    import tamis.text.segmentation as segmentation

    whole = "\n".join(paragraphs(lang))
    first = paragraphs(lang)[0]
    texts = [
        whole,
        "\n\n".join(
            [first, first, "We use cookies. Read our privacy policy.", "3.5 km &amp; 1,000 J. Smith..."]
        ),
        "\n".join(first.splitlines()[:2] * 4) + "\n\n\n\n" + whole[:500],
        first + "\nThis site uses cookies to work well.\n" + first,
    ]
    fast = []
    for text in texts:
        segmentation.segment.cache_clear()
        fast.append(measure_all(text, lang))

    def plain_tokens(text: str) -> list[str]:
        pattern = segmentation.TOKEN_WITH_ENTITIES if "&" in text else segmentation.TOKEN
        return pattern.findall(text)

    def plain_repetition(tokens, hashes=None):  # type: ignore[no-untyped-def]
        return (
            {n: top_ngram_chars(tokens, n) for n in quality.TOP_NGRAM_SIZES},
            {n: duplicate_ngram_chars(tokens, n) for n in quality.DUP_NGRAM_SIZES},
        )

    def plain_duplicates(items):  # type: ignore[no-untyped-def]
        seen: set[str] = set()
        n = chars = 0
        for item in items:  # Gopher's loop: each item seen before is a repeat
            if item in seen:
                n += 1
                chars += len(item)
            else:
                seen.add(item)
        return n, chars

    monkeypatch.setattr(segmentation, "python_tokens", plain_tokens)
    monkeypatch.setattr(quality, "find_duplicates", plain_duplicates)
    monkeypatch.setattr(quality, "split_lines", quality.LINE_BREAKS.split)
    monkeypatch.setattr(quality, "split_paragraphs", quality.PARAGRAPH_BREAK.split)
    monkeypatch.setattr(quality, "C4_POLICY_HINTS", ("",))  # every line checked with the pattern
    monkeypatch.setattr(quality, "repetition_chars", plain_repetition)
    monkeypatch.setattr(
        quality,
        "upper_and_digit_counts",
        lambda text: (len(regex.findall(r"\p{Lu}", text)), len(re.findall(r"\d", text))),
    )
    for text, expected in zip(texts, fast, strict=True):
        segmentation.segment.cache_clear()
        plain = measure_all(text, lang)
        assert plain == expected
        assert [type(v) for v in plain.values()] == [type(v) for v in expected.values()]
    segmentation.segment.cache_clear()
