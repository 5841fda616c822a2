"""The compiled mapping + whitespace collapse (`tamis.native.dedup_norm`) behind `normalize` and
`normalize_lines` gives exactly what their Python twins give, on real text and awkward strings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native_twins import real_texts
from tamis.dedup import normalize as nz
from tamis.native import PURE_PYTHON_VARIABLE, kernel

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
DATA = REPO / "tests" / "data"

pytestmark = pytest.mark.skipif(kernel("dedup_norm") is None, reason="tamis.native.dedup_norm is not built")

SETTINGS = [
    ("nfkc", "casefold", "punctuation", "whitespace"),  # dedup.exact's default
    ("nfkc", "casefold", "punctuation", "digits", "whitespace"),  # dedup.repeated_lines' default
    ("punctuation",),
    ("digits",),
    ("whitespace",),
    ("casefold", "digits", "whitespace"),
]


def twin(text: str, what: tuple[str, ...]) -> str:
    """`normalize` as Python computes it."""
    text = nz._prepare(text, what)
    return " ".join(text.split()) if "whitespace" in what else text


def twin_lines(text: str, what: tuple[str, ...]) -> list[str]:
    raw = text.split("\n")
    lines = nz._prepare(text, what).split("\n")
    if len(lines) != len(raw):
        return [twin(line, what) for line in raw]
    return [" ".join(line.split()) for line in lines] if "whitespace" in what else lines


def _real_texts() -> list[str]:
    return real_texts()


@pytest.mark.parametrize("what", SETTINGS)
def test_kernel_equals_python_twin_on_real_text(what: tuple[str, ...]) -> None:
    texts = _real_texts()
    assert len(texts) > 100
    for text in texts:
        assert nz.normalize(text, what) == twin(text, what), text[:60]
        assert nz.normalize_lines(text, what) == twin_lines(text, what), text[:60]


AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "\r\n",
        "\t",
        "\x0b",
        "\x1c",
        "\x85",
        "\u00a0",
        "\u2028",
        "\u2029",
        "\u3000",
        "\u200b",
        "İ",
        "K",  # Kelvin sign
        "e\u0301",
        "ﬁ",  # NFKC: fi
        "\u2163",  # Roman numeral four: NFKC "IV"
        "２",  # full-width digit
        "٣",  # Arabic-Indic digit
        "𝟙",  # mathematical digit (astral)
        "😀",
        "𝐀",
        "\ud800",
        "Привет",
        "東京",
        "a.b",
        "!!",
        "–",
        "€",
        "_",
        "42",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(AWKWARD | st.text(max_size=5), max_size=30).map("".join), st.sampled_from(SETTINGS))
def test_kernel_equals_python_twin_on_awkward_strings(text: str, what: tuple[str, ...]) -> None:
    assert nz.normalize(text, what) == twin(text, what)
    assert nz.normalize_lines(text, what) == twin_lines(text, what)


def test_pure_python_path_is_the_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PURE_PYTHON_VARIABLE, "1")
    assert nz._compiled(SETTINGS[0]) is None
    text = "Ｐａｇｅ 2023!\n  Leave  a Reply \u2028x"
    for what in SETTINGS:
        assert nz.normalize(text, what) == twin(text, what)
        assert nz.normalize_lines(text, what) == twin_lines(text, what)
