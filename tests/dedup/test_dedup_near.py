"""dedup.near on real paragraphs with controlled edits: near copies found, distinct texts kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from dedup_helpers import doc, paragraphs, run_phases

from tamis.dedup.near import RemoveNearDuplicates
from tamis.errors import ConfigError


def _sentences(text: str) -> list[str]:
    import regex

    return regex.split(r"(?<=[.!?])\s+", text)


def _near_copy(text: str, how: str) -> str:
    s = _sentences(text)
    if how == "drop_word":  # one word deleted in one sentence
        w = s[2].split()
        s[2] = " ".join(w[:3] + w[4:])
    elif how == "swap":  # two sentences swapped and a word doubled elsewhere
        s[1], s[2] = s[2], s[1]
        w = s[5].split()
        s[5] = " ".join(w[:2] + w[1:])
    elif how == "boilerplate":  # a share line and a markup residue added
        s = ["<b>" + s[0] + "</b>", *s[1:], "Share this: Facebook Twitter"]
    return " ".join(s)


@pytest.fixture()
def corpus() -> list[list]:
    p = paragraphs()
    originals = [doc(f"orig-{i}", t) for i, t in enumerate(p)]
    copies = [
        doc("copy-drop", _near_copy(p[0], "drop_word")),
        doc("copy-swap", _near_copy(p[13], "swap")),
        doc("copy-boiler", _near_copy(p[20], "boilerplate")),
    ]
    # the first half of one document and the second half of another: related, but not a near copy
    w3, w5 = p[3].split(), p[5].split()
    mixed = doc("mixed", " ".join(w3[: len(w3) // 2] + w5[len(w5) // 2 :]))
    return [originals[:12], originals[12:], [*copies, mixed]]


def test_near_copies_removed_naming_the_kept_document(tmp_path: Path, corpus: list[list]) -> None:
    stage = RemoveNearDuplicates()
    out = run_phases(stage, corpus, tmp_path)
    removed = {d.id: d.verdict for d in out if d.verdict}
    assert set(removed) == {"copy-drop", "copy-swap", "copy-boiler"}
    assert removed["copy-drop"].of_id == "orig-0"
    assert removed["copy-swap"].of_id == "orig-13"
    assert removed["copy-boiler"].of_id == "orig-20"
    for verdict in removed.values():
        assert verdict.method == "minhash" and stage.threshold <= verdict.similarity <= 1.0
        assert verdict.step == "dedup.near"


def test_keep_longest_keeps_the_longer_copy(tmp_path: Path, corpus: list[list]) -> None:
    out = run_phases(RemoveNearDuplicates(keep="longest"), corpus, tmp_path)
    removed = {d.id: d.verdict.of_id for d in out if d.verdict}
    assert removed["copy-drop"] == "orig-0"  # one word shorter than the original
    assert removed["orig-20"] == "copy-boiler"  # the copy with a share line added is longer


def test_stricter_threshold_keeps_more(tmp_path: Path, corpus: list[list]) -> None:
    out = run_phases(RemoveNearDuplicates(threshold=1.0), corpus, tmp_path)
    assert not any(d.verdict for d in out)


def test_bands_must_fit_in_permutations() -> None:
    from tamis.config import build_step

    with pytest.raises(ConfigError, match="exceeds num_perm"):
        build_step({"use": "dedup.near", "num_perm": 64, "bands": 20, "rows": 5})
