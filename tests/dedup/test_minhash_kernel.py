"""The compiled MinHash kernel (`tamis.native.minhash`) gives bit-identical signatures to its
NumPy twin (`shingle_hashes` + `signatures_cpu`) on real text and on awkward strings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dedup_helpers import paragraphs
from hypothesis import given, settings
from hypothesis import strategies as st

from native_twins import real_texts
from tamis.dedup import minhash as mh
from tamis.dedup.near import RemoveNearDuplicates, shingle_text
from tamis.native import kernel

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
DATA = REPO / "tests" / "data"

compiled = kernel("minhash")
pytestmark = pytest.mark.skipif(compiled is None, reason="tamis.native.minhash is not built")


def _both(texts: list[str], n: int = 5, k: int = 120, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    a, b = mh.permutations(k, seed)
    twin = mh.signatures_cpu(*mh.shingle_hashes(texts, n), a, b, max_shingles=4096)
    fast = compiled.signatures(texts, n, a, b, mh.char_classes(), mh._shingle_constants(n))
    return twin, fast


def _real_texts() -> list[str]:
    return [shingle_text(t) for t in real_texts()]


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_kernel_equals_numpy_twin_on_real_text(n: int) -> None:
    texts = _real_texts()
    assert len(texts) > 200
    twin, fast = _both(texts, n)
    assert fast.dtype == np.uint32 and fast.shape == twin.shape
    bad = [i for i in range(len(texts)) if not np.array_equal(twin[i], fast[i])]
    assert not bad, f"{len(bad)} of {len(texts)} differ, first: {texts[bad[0]][:80]!r}"


AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a",
        "İ",
        "K",  # Kelvin sign
        "e\u0301",  # combining acute
        "\u200b",
        "\u00a0",
        "\u2028",
        "\u3000",
        "𝐀",
        "😀",
        "\U00020000",  # CJK extension B
        "\ud800",  # a lone surrogate, as broken input has it
        "東京",
        "ภาษา",
        "Привет",
        "word",
        "don't",
        "_",
        "42",
        "\n",
        "-",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(AWKWARD | st.text(max_size=6), max_size=40).map("".join), max_size=8), st.integers(1, 6)
)
def test_kernel_equals_numpy_twin_on_awkward_strings(texts: list[str], n: int) -> None:
    twin, fast = _both(texts, n, k=16)
    assert np.array_equal(twin, fast)


def test_stage_signatures_use_the_kernel_and_match_the_reference() -> None:
    stage = RemoveNearDuplicates(device="cpu")
    texts = [p for p in paragraphs()[:20]] + ["", "two words", "東京都は日本の首都です。"]
    sigs = stage.signatures(texts)
    a, b = mh.permutations(stage.num_perm, stage.seed)
    for text, sig in zip(texts, sigs, strict=True):
        ref = mh.reference_signature(shingle_text(text), stage.shingle, a.tolist(), b.tolist())
        assert sig.tolist() == ref, text[:40]


def test_kernel_refuses_a_shingle_it_cannot_hold() -> None:
    a, b = mh.permutations(4, 1)
    with pytest.raises(ValueError):
        compiled.signatures(["a b"], 65, a, b, mh.char_classes(), mh._shingle_constants(65))
