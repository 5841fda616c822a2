"""MinHash kernel: the vectorised CPU path equals a slow pure-Python reference; estimates track Jaccard."""

from __future__ import annotations

import numpy as np
import pytest
from dedup_helpers import paragraphs

from tamis.dedup import minhash as mh
from tamis.dedup.near import shingle_text
from tamis.dedup.unionfind import components


def _sigs(texts: list[str], n: int = 5, k: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b = mh.permutations(k, seed=7)
    hashes, offsets = mh.shingle_hashes(texts, n)
    return mh.signatures_cpu(hashes, offsets, a, b, max_shingles=64), a, b  # small groups: many batches


def test_cpu_signatures_equal_slow_reference() -> None:
    texts = [shingle_text(p) for p in paragraphs()[:6]] + [
        "",
        "!!!",
        "two words",
        "東京都は日本の首都です。人口は約千四百万人。",
        "ภาษาไทยไม่มีช่องว่าง ระหว่างคำ",
        "mixed 日本語 words here and more",
    ]
    sigs, a, b = _sigs(texts)
    for text, sig in zip(texts, sigs, strict=True):
        assert sig.tolist() == mh.reference_signature(text, 5, a.tolist(), b.tolist()), text[:40]


def test_empty_text_has_empty_signature_and_batches_do_not_matter() -> None:
    texts = [shingle_text(p) for p in paragraphs()[:5]] + [""]
    small, _, _ = _sigs(texts)
    a, b = mh.permutations(32, seed=7)
    one_by_one = np.vstack([mh.signatures_cpu(*mh.shingle_hashes([t], 5), a, b) for t in texts])
    assert np.array_equal(small, one_by_one)
    assert (small[-1] == mh.EMPTY).all()


def test_estimated_similarity_tracks_shingle_jaccard() -> None:
    base = shingle_text(paragraphs()[0])
    words = base.split()
    edited = " ".join(words[:20] + words[23:])  # three words dropped
    other = shingle_text(paragraphs()[1])

    def shingles(t: str) -> set[tuple[str, ...]]:
        w = t.split()
        return {tuple(w[i : i + 5]) for i in range(len(w) - 4)}

    true = len(shingles(base) & shingles(edited)) / len(shingles(base) | shingles(edited))
    sigs, _, _ = _sigs([base, edited, other], k=256)
    est = (sigs[0] == sigs[1]).mean()
    assert abs(est - true) < 0.1
    assert (sigs[0] == sigs[2]).mean() < 0.05


def test_spaceless_scripts_get_character_shingles() -> None:
    # without per-character tokens a Chinese sentence is one token: any edit would make it a different doc
    a = "今天天气很好我们一起去公园散步然后去吃饭"
    b = "今天天气很好我们一起去公园散步然后去喝茶"
    sigs, _, _ = _sigs([a, b], n=5, k=256)
    assert 0.5 < (sigs[0] == sigs[1]).mean() < 1.0


def test_band_keys_equal_exactly_when_band_rows_equal() -> None:
    sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [5, 2, 3, 4]], dtype=np.uint32)
    keys = mh.band_keys(sigs, bands=2, rows=2)
    assert keys[0, 0] == keys[1, 0] and keys[0, 1] != keys[1, 1]
    assert keys[0, 1] == keys[2, 1] and keys[0, 0] != keys[2, 0]
    assert keys[0, 0] != keys[0, 1]  # the band number is part of the key


def test_components_join_chains_and_keep_singletons_apart() -> None:
    nodes, labels = components(np.array([10, 11, 30, 12]), np.array([11, 12, 31, 13]))
    groups = {int(n): int(g) for n, g in zip(nodes, labels, strict=True)}
    assert groups == {10: 10, 11: 10, 12: 10, 13: 10, 30: 30, 31: 30}


@pytest.mark.skipif(not mh.gpu_available(), reason="no CuPy or no CUDA device here")
def test_gpu_signatures_and_band_keys_equal_cpu() -> None:
    import cupy as cp

    texts = [shingle_text(p) for p in paragraphs()] + ["", "東京都は日本の首都です。"]
    a, b = mh.permutations(120, seed=1)
    hashes, offsets = mh.shingle_hashes(texts, 5)
    cpu = mh.signatures_cpu(hashes, offsets, a, b)
    assert np.array_equal(mh.signatures_gpu(hashes, offsets, a, b), cpu)
    gpu_keys = cp.asnumpy(mh.band_keys(cp.asarray(cpu), 24, 5, xp=cp))
    assert np.array_equal(gpu_keys, mh.band_keys(cpu, 24, 5))
