"""The compiled kernels of the MT step against their Python twins: the same features bit for bit,
the same word hashes, the same capitalised names, and no artifact lost behind the gates of the artifact checks."""

from __future__ import annotations

import gzip
import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.annotate import machine_translation, mt_artifacts
from tamis.annotate.machine_translation import all_models, fluency_features, python_fluency_features
from tamis.annotate.text_units import split_text
from tamis.native import kernel
from text_samples import LANGS, paragraphs

FLUENCY = kernel("fluency")
ARTIFACTS = kernel("mt_artifacts")
pytestmark = pytest.mark.skipif(
    FLUENCY is None or ARTIFACTS is None, reason="kernels not built (or TAMIS_PURE_PYTHON=1)"
)
SHARED = Path(__file__).resolve().parents[3] / "shared"
MIN_LOWER = mt_artifacts.MIN_NAME_CHARS - 1

#: what hypothesis draws words and texts from: the awkward characters (astral, combining marks,
#: odd spaces and separators, "İ" that lower-cases to two characters, the Kelvin sign, mixed
#: scripts) and plain letters, so that texts also hold names and n-grams the models know
AWKWARD = "İıK\u212aß\u0301\u0308\u200d\u00a0\u2028\u3000\u1680😀𝐀𝐚ǅΣσςЁёӀ\t\n ,.!?…-'’"
PLAIN = "abcdefghijklmnoprstuvwzABCDEGHKMNPRSTWäöüéАБВГДабвгдеклмнорстуя"
awkward_text = st.text(alphabet=st.sampled_from(AWKWARD + PLAIN * 3) | st.characters(), max_size=400)


def bits(features: dict[str, float]) -> dict[str, bytes]:
    return {name: struct.pack("<d", value) for name, value in features.items()}


def real_texts() -> Iterator[str]:
    """The tests' paragraphs, the shared corpora in page-sized pieces, and realpages dev pages."""
    for lang in LANGS:
        yield "\n\n".join(paragraphs(lang))
    for path in sorted((SHARED / "corpora").glob("*/*.txt")):
        lines = path.read_text("utf-8", errors="replace").splitlines()[:3000]
        for i in range(0, len(lines), 60):
            yield "\n".join(lines[i : i + 60])
    pages = SHARED / "realpages" / "dev.jsonl.gz"
    if pages.is_file():
        with gzip.open(pages, "rt", encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                if n >= 600:
                    break
                yield json.loads(line)["text"]


def test_fluency_kernel_gives_the_python_twins_features_bit_for_bit_on_real_text() -> None:
    models = all_models()
    compared = scored = 0
    for text in real_texts():
        for lang, model in models.items():
            native, python = fluency_features(text, model), python_fluency_features(text, model)
            assert bits(native) == bits(python), (lang, text[:80])
            compared += 1
            scored += bool(python)
    assert compared > 1000 and scored > 0.5 * compared  # most pieces are long enough to score


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(AWKWARD + PLAIN) | st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12), min_size=40, max_size=200), st.sampled_from(LANGS))  # fmt: skip
def test_fluency_kernel_matches_on_awkward_words(words: list[str], lang: str) -> None:
    text = " ".join(words)
    model = machine_translation.load_models(lang)
    assert model is not None
    assert bits(fluency_features(text, model)) == bits(python_fluency_features(text, model))


def test_a_lone_surrogate_fails_both_ways_alike() -> None:
    text = " ".join(["wort"] * 50 + ["\ud800"])
    model = machine_translation.load_models("de")
    assert model is not None
    for features in (fluency_features, python_fluency_features):
        with pytest.raises(UnicodeEncodeError):
            features(text, model)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(AWKWARD + PLAIN) | st.characters(blacklist_categories=["Cs"]), max_size=80))  # fmt: skip
def test_word_hash_is_xxh64_of_the_utf8_bytes(word: str) -> None:
    assert FLUENCY.token_hash(word) == xxhash.xxh64_intdigest(word.encode())


def test_word_hash_at_each_utf8_width_and_around_the_stack_buffer() -> None:
    # the kernel encodes words of up to 64 characters itself, longer ones through CPython
    for ch in (
        "\x7f",
        "\x80",
        "\xff",
        "\u07ff",
        "\u0800",
        "\ud7ff",
        "\ue000",
        "\uffff",
        "\U00010000",
        "\U0010ffff",
    ):
        for n in (1, 2, 63, 64, 65, 200):
            for word in (ch * n, "a" + ch * (n - 1), ch * (n - 1) + "я"):
                assert FLUENCY.token_hash(word) == xxhash.xxh64_intdigest(word.encode()), (ch, n)
    for word in ("a\ud800", "\udfff" * 70):
        with pytest.raises(UnicodeEncodeError):
            FLUENCY.token_hash(word)


def test_word_hash_of_every_length_up_to_the_long_input_lanes() -> None:
    for n in range(0, 80):  # xxh64's 32-byte stripes, 8- and 4-byte tails, single bytes
        word = "".join(chr(0x61 + i % 26) for i in range(n)) + "é" * (n % 3)
        assert FLUENCY.token_hash(word) == xxhash.xxh64_intdigest(word.encode())


def test_capitalised_names_are_the_regex_findall_on_real_text() -> None:
    classes = mt_artifacts.name_classes()
    for text in real_texts():
        assert ARTIFACTS.capitalised_names(text, classes, MIN_LOWER) == mt_artifacts._CAPITALISED.findall(
            text
        )


@settings(max_examples=500, deadline=None)
@given(awkward_text)
def test_capitalised_names_are_the_regex_findall_on_awkward_text(text: str) -> None:
    classes = mt_artifacts.name_classes()
    assert ARTIFACTS.capitalised_names(text, classes, MIN_LOWER) == mt_artifacts._CAPITALISED.findall(text)


@pytest.mark.parametrize(
    ("text", "respelt"),
    [
        ("Ermachanow sagte, Ermanachow habe", True),
        ("Ermachanow sagte, Ermachanow habe", False),  # the same name twice
        ("Ermachanow sagte, Ermachanowa habe", False),  # another letter: not the same letters
        ("Bolton and Boston", False),
        ("Tverdovsky or Tverdvosky", True),  # the gate lets it through; the check decides
        ("xErmachanow, Ermanachow", False),  # inside a word: not a name
    ],
)
def test_respelt_names(text: str, respelt: bool) -> None:
    assert ARTIFACTS.has_respelt_names(text, mt_artifacts.name_classes(), MIN_LOWER) is respelt


#: every language the gates may see: listed conjunctions, and wordfreq's derived top words (es, it, pl)
GATE_LANGS = (*LANGS, "es", "it", "pl")


def every_check(text: str, lang: str) -> dict[str, list[mt_artifacts.Artifact]]:
    """What each gated check finds in `text`, run as it is (the reference)."""
    page = machine_translation.load_models(lang) or mt_artifacts.wordfreq_page(lang)
    assert page is not None
    return {
        "name_variants": mt_artifacts.name_variants(text, page, all_models()),
        "capitalised_function_word": mt_artifacts.capitalised_function_words(text, lang),
        "spaces_before_punctuation": mt_artifacts.spaces_before_punctuation(text),
    }


def assert_gates_lose_nothing(text: str, lang: str) -> tuple[str, ...]:
    possible = mt_artifacts.possible_checks(text, lang)
    found = every_check(text, lang)
    assert set(found) == set(mt_artifacts.GATED_CHECKS)
    lost = {check: artifacts for check, artifacts in found.items() if artifacts and check not in possible}
    assert not lost, (lang, text[:80])
    return possible


def test_the_gates_lose_no_artifact_on_real_text() -> None:
    ruled_out = found = 0
    for text in real_texts():
        for lang in GATE_LANGS:
            possible = assert_gates_lose_nothing(text, lang)
            ruled_out += len(mt_artifacts.GATED_CHECKS) - len(possible)
            found += sum(map(bool, every_check(text, lang).values()))
    assert ruled_out > 0 and found > 0  # the gates do rule checks out, and the checks do fire


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["Ermachanow", "Ermanachow", "Ermachanowa", "Ёлкина", "Ёклина", "İstanbul", "İnstabul", "Dass", "Und", "И", "Что", "Que", "And", "dass", "Channel", "24", "Putins", "viele", "Aber", "_x", "\t", "  ", "\n", ",", " ,", " .", " )", "сказал", "Los", "Angeles", "é\u0301"]), max_size=16), st.sampled_from(GATE_LANGS))  # fmt: skip
def test_the_gates_lose_no_artifact_on_made_up_pages(words: list[str], lang: str) -> None:
    assert_gates_lose_nothing(" ".join(words), lang)


@settings(max_examples=300, deadline=None)
@given(awkward_text, st.sampled_from(GATE_LANGS))
def test_the_gates_lose_no_artifact_on_awkward_text(text: str, lang: str) -> None:
    assert_gates_lose_nothing(text, lang)


@pytest.mark.parametrize(
    ("text", "possible"),
    [
        ("Ermachanow sagte, Ermanachow habe", ("name_variants",)),
        ("Ermachanow sagte, Ermachanow habe", ()),
        ("gegenüber Channel 24 Dass Putins Besuch", ("capitalised_function_word",)),
        ("Dass Putins Besuch", ()),  # at the start: no word before
        ("gesagt. Dass Putins", ()),  # after a full stop
        ("gegenüber Channel 24 Dassel kam", ()),  # a longer word
        ("gegenüber 24 Dass ,", ()),  # no word character after the spaces
        ("gegenüber 24 Dass\tund", ("capitalised_function_word",)),
        ("a , b . c ) d , e .", ("spaces_before_punctuation",)),
        ("a , b . c ) d ,", ()),  # four marks: fewer than the check needs
    ],
)
def test_gates(text: str, possible: tuple[str, ...]) -> None:
    assert mt_artifacts.possible_checks(text, "de") == possible


def python_gate_hits(words: tuple[str, ...], lang: str, limit: int) -> frozenset[str]:
    """`mt_artifacts.gate_hits`' pure-Python twin (what it does without the kernel)."""
    return mt_artifacts.gate_words(lang).intersection(words[:limit])


def test_gate_hits_are_the_set_intersection_on_real_text() -> None:
    hit_pages = 0
    for text in real_texts():
        words = split_text(text).lowered
        for lang in GATE_LANGS:
            for limit in (0, 50, len(words)):
                hits = mt_artifacts.gate_hits(words, lang, limit)
                assert set(hits) == python_gate_hits(words, lang, limit), (lang, limit, text[:80])
            hit_pages += bool(hits)  # on all the words
    assert hit_pages > 0  # the gates do find their words on some pages


#: gate words of every language, their look-alikes (same first letter and length, other case,
#: a combining mark, the Kelvin sign), and awkward words
GATE_SAMPLES = sorted(set().union(*map(mt_artifacts.gate_words, GATE_LANGS)))
GATE_LOOKALIKES = [w[0] + "x" * (len(w) - 1) for w in GATE_SAMPLES] + [w.upper() for w in GATE_SAMPLES]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(GATE_SAMPLES + GATE_LOOKALIKES)
        | st.text(alphabet=st.sampled_from(AWKWARD + PLAIN), max_size=70)
        | st.sampled_from(["", "k", "\u212a", "i̇", "foto\u0301", "😀", "x" * 63, "x" * 64, "x" * 200]),
        max_size=40,
    ),
    st.sampled_from(GATE_LANGS),
    st.integers(min_value=0, max_value=50),
)
def test_gate_hits_match_the_twin_on_awkward_words(words: list[str], lang: str, limit: int) -> None:
    assert set(mt_artifacts.gate_hits(tuple(words), lang, limit)) == python_gate_hits(
        tuple(words), lang, limit
    )


def test_gate_hits_find_a_gate_word_of_each_length() -> None:
    for lang in GATE_LANGS:
        gate = mt_artifacts.gate_words(lang)
        for word in gate:
            words = ("the", word.upper(), word[:-1], word + "s", word, "end")
            assert mt_artifacts.gate_hits(words, lang, len(words)) == {word} | gate.intersection(words)
            before = mt_artifacts.gate_hits(words, lang, 4)  # the word lies past the limit
            assert set(before) == gate.intersection(words[:4]) and (word not in before or word.isupper())
