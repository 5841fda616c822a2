"""The compiled kernel of repair.debris_lines (native/line_features.pyx) against its Python twins.

Every result must be the same bit for bit: the feature matrix (line_features._features), the
leaves and scores of the trees, the deciding features and the evidence of each removed line, and
the step's whole output. Compared on real text (the dev pages of ../shared/realpages, the
permissive corpora of ../shared/corpora, this suite's composed pages) and on awkward strings made
by hypothesis (astral characters, combining marks, odd spaces, "İ", the Kelvin sign, mixed
scripts, stamps and counts, repeated lines, a page longer than the small-page path).
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_debris_lines import FURNITURE, page

import tamis.repair.line_features as line_features
from tamis.document import Document
from tamis.native import PURE_PYTHON_VARIABLE, kernel
from tamis.repair.debris_lines import (
    WORDS,
    DebrisModel,
    RemoveDebrisLines,
    _evidence_texts,
    load_model,
)
from tamis.repair.line_features import FEATURE_NAMES

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEV = SHARED / "realpages" / "dev.jsonl.gz"
CORPORA = SHARED / "corpora"


@pytest.fixture(scope="module")
def compiled() -> ModuleType:
    found = kernel("line_features")
    if found is None:
        if os.environ.get("TAMIS_REQUIRE_NATIVE") == "1" and os.environ.get(PURE_PYTHON_VARIABLE) != "1":
            pytest.fail("the line_features kernel is not built (python setup.py build_ext --inplace)")
        pytest.skip("the line_features kernel is not built (or TAMIS_PURE_PYTHON=1)")
    return found


def twin(lines: list[str]) -> np.ndarray:
    return line_features._features(lines, *line_features._code_points(lines))


def assert_same_features(lines: list[str], compiled: ModuleType) -> None:
    expected = twin(lines)
    got = line_features._features_compiled(lines, compiled)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if got.tobytes() != expected.tobytes():
        columns = sorted({FEATURE_NAMES[j] for j in np.nonzero((got != expected).any(axis=0))[0]})
        raise AssertionError(f"compiled features differ from the twin's in {columns} on {lines[:3]}…")


def dev_pages(every: int = 4) -> list[dict]:
    if not DEV.is_file():
        pytest.skip(f"{DEV} is missing (the shared folder sits beside the checkout)")
    with gzip.open(DEV, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in itertools.islice(fh, 0, None, every)]


def step_lines(text: str) -> list[str]:
    """The lines the step hands to page_features: not blank, stripped."""
    return [s.strip() for s in text.split("\n") if s and not s.isspace()]


def test_features_of_real_pages_are_the_twins(compiled: ModuleType) -> None:
    pages = [step_lines(p["text"]) for p in dev_pages()]
    assert len(pages) > 500
    for lines in pages:
        if lines:
            assert_same_features(lines, compiled)


def test_features_of_corpus_text_are_the_twins(compiled: ModuleType) -> None:
    # paragraphs of the permissive corpora (literary Latin and Cyrillic text, Kazakh news) cut
    # into pages of 1 to 300 lines; and this suite's composed pages in six languages
    if not CORPORA.is_dir():
        pytest.skip(f"{CORPORA} is missing")
    rng = np.random.default_rng(3)
    for path in sorted(CORPORA.glob("*/*.txt")):
        lines = step_lines(path.read_text("utf-8"))[:6000]
        at = 0
        while at < len(lines):
            size = int(rng.integers(1, 300))
            assert_same_features(lines[at : at + size], compiled)
            at += size
    for lang in FURNITURE:
        assert_same_features(step_lines(page(lang)[0]), compiled)


def test_long_lines_and_long_pages_take_the_twins_values(compiled: ModuleType, monkeypatch) -> None:
    # a line beyond the length-class table as first built, and a page whose length in characters
    # takes the twin's own float32 sums (made to happen here by lowering the limit)
    lines = ["Home", "x" * 70_000, "The council met on Monday. " * 400, "12:45", "Home"]
    assert_same_features(lines, compiled)
    monkeypatch.setattr(line_features, "_EXACT_CHARS", 50)
    assert_same_features(lines, compiled)
    assert_same_features(step_lines(page("de")[0]), compiled)


#: characters that have tripped up code-point loops: astral letters and emoji, combining marks,
#: spaces that are not " ", separators, "İ" (lower-cases to two characters), the Kelvin sign,
#: final sigma, digits of other scripts, CJK, the stamp and count patterns' characters
AWKWARD = (
    "aZ ,.!?:;|/-•·»>…。！？()[]（）【】'\"«»“”0123456789٣४"
    "İıKΣσςßẞﬁ\u0301\u0308\u200b\u00a0\u2009\u3000\u2028\u2029\t\r\x0b\x0c\x1c\x85"
    "é𝔘😀𠀋字会議ไทยАбвЖҚәΩ"
)
line_text = st.text(
    alphabet=st.one_of(st.sampled_from(AWKWARD), st.characters(exclude_characters="\n")),
    min_size=1,
    max_size=60,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line_text, min_size=1, max_size=8), st.lists(st.integers(0, 7), min_size=1, max_size=60))
def test_features_of_awkward_lines_are_the_twins(pool: list[str], picks: list[int]) -> None:
    # pages drawn from a small pool of lines, so that copies and shapes repeat; up to 60 lines
    # takes both of the twin's main-text paths (SMALL_PAGE)
    found = kernel("line_features")
    if found is None:
        pytest.skip("the line_features kernel is not built")
    lines = [pool[k % len(pool)] for k in picks]
    assert_same_features(lines, found)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["12:45", "Home", "2024-01-05 Notes", "Sport (12)", "• item", "A."]), min_size=1)
)
def test_templated_lines_are_the_twins(lines: list[str]) -> None:
    found = kernel("line_features")
    if found is None:
        pytest.skip("the line_features kernel is not built")
    assert_same_features(lines, found)


#: lines of digit runs and the characters around stamps and counts ("12/03/2024", "Sport (3)")
templated_line = st.lists(
    st.one_of(st.text("0123456789٣৪", min_size=1, max_size=4), st.sampled_from(list(":-/.年月 a()（）"))),
    min_size=1,
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(templated_line, min_size=1, max_size=30))
def test_stamps_and_counts_are_the_twins(lines: list[str]) -> None:
    # the kernel runs the stamp and count patterns only where a cheap scan says they can match
    found = kernel("line_features")
    if found is None:
        pytest.skip("the line_features kernel is not built")
    assert_same_features(lines, found)


def _pure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PURE_PYTHON_VARIABLE, "1")


def test_the_step_gives_the_same_output_with_and_without_the_kernel(
    compiled: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # whole pages through the step: same text, same edits, same probabilities and features
    step = RemoveDebrisLines()
    pages = dev_pages(every=12)
    docs = [Document(id=p["id"], text=p["text"], original=p["text"]) for p in pages]
    fast = [step.repair(d.text, d) for d in docs]
    _pure(monkeypatch)
    slow = [step.repair(d.text, d) for d in docs]
    assert sum(len(r.edits) for r in slow) > 1000
    for a, b in zip(fast, slow, strict=True):
        assert a.text == b.text
        assert a.edits == b.edits


def test_the_trees_walked_in_the_kernel_are_the_twins(compiled: ModuleType) -> None:
    model = load_model()
    assert model.trees is not None
    rng = np.random.default_rng(5)
    x = np.concatenate(
        [line_features.page_features(step_lines(page(lang)[0])) for lang in FURNITURE]
        + [rng.normal(size=(50, len(FEATURE_NAMES))).astype(np.float32)]
    )
    leaves = model.trees.leaves(x)
    assert np.array_equal(leaves, model.trees._leaves(x))
    expected = model.trees.value.ravel()[
        np.arange(len(model.trees.value)) * model.trees.value.shape[1] + leaves
    ].sum(1, dtype=np.float64)
    assert model.trees.scores(leaves).tobytes() == expected.tobytes()


def _column_twin(model: DebrisModel, x, words=None, leaves=None) -> np.ndarray:
    return model._deciding_columns(x, 3, words, leaves)


def test_the_deciding_features_in_the_kernel_are_the_twins(compiled: ModuleType) -> None:
    model = load_model()
    rng = np.random.default_rng(9)
    x = np.concatenate(
        [line_features.page_features(step_lines(page(lang)[0])) for lang in FURNITURE]
        + [rng.normal(size=(40, len(FEATURE_NAMES))).astype(np.float32)]
    )
    leaves = model.trees.leaves(x)
    assert np.array_equal(model.deciding_columns(x, leaves=leaves), _column_twin(model, x, leaves=leaves))
    assert np.array_equal(model.deciding_columns(x), _column_twin(model, x))
    words = rng.normal(size=len(x)) * 3
    assert np.array_equal(
        model.deciding_columns(x, words=words, leaves=leaves), _column_twin(model, x, words, leaves)
    )
    names = (*model.names, WORDS)
    p = rng.random(len(x)).tolist()
    order = model.deciding_columns(x, words=words, leaves=leaves)
    assert compiled.evidence_texts(order, names, p) == _evidence_texts(order, names, p)


def test_ties_and_nans_pick_as_numpy_argmax_does(compiled: ModuleType) -> None:
    # equal contributions: the first column first; a NaN counts as the largest
    n = len(FEATURE_NAMES)
    model = DebrisModel.linear(np.zeros(n, np.float32), np.ones(n, np.float32), np.ones(n, np.float32), 0.0)
    x = np.zeros((3, n), dtype=np.float32)
    x[1, [5, 9]] = 2.0
    x[2, [7, 3]] = np.nan
    assert model.deciding_columns(x).tolist() == _column_twin(model, x).tolist()
    assert model.deciding_columns(x).tolist()[:2] == [[0, 1, 2], [5, 9, 0]]


def test_nonblank_lines_are_the_steps(compiled: ModuleType) -> None:
    lines = ["", " a ", "\u3000", "b", "\u2028", " \t", "c\u00a0"]
    index, stripped = compiled.nonblank_lines(lines)
    assert index == [i for i, s in enumerate(lines) if s and not s.isspace()]
    assert stripped == [lines[i].strip() for i in index]
