"""repair.glued_words' compiled kernel (tamis/native/glue.pyx) against its Python twin
(`glue_splitting.candidate_runs`): the same tokens and letter runs on real text (the shared corpora,
the real dev pages, the tests' pages, with each language's real memo) and on awkward strings."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.native import kernel
from tamis.repair import glue_splitting as glue
from tamis.repair.glued_words import SplitGluedWords

GLUE = kernel("glue")
if GLUE is None:
    if os.environ.get("TAMIS_REQUIRE_NATIVE") == "1":
        raise AssertionError("tamis.native.glue is not built")
    pytest.skip("tamis.native.glue is not built", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
LANGUAGES = ("de", "en", "fr")


def real_texts() -> list[str]:
    """Real text of many kinds: corpus sentences in chunks, real web pages, the tests' pages."""
    texts = []
    for path in sorted((SHARED / "corpora").glob("*/*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()[:3000]
        texts += ["\n".join(lines[i : i + 60]) for i in range(0, len(lines), 60)]
    dev = SHARED / "realpages" / "dev.jsonl.gz"
    if dev.exists():
        with gzip.open(dev, "rt", encoding="utf-8") as f:
            for line in f:
                page = json.loads(line)
                texts += [page["text"], page["gold"]]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "data").rglob("*.txt"))]
    return texts


@pytest.fixture(scope="module")
def memos() -> list[glue.Memo]:
    step = SplitGluedWords()
    memos = [glue.memo(step, lang) for lang in LANGUAGES]
    for m in memos:
        m.build_hot()
    return memos


def both(text: str, harmless: set[str], min_letters: int, hot: frozenset[str]) -> tuple[object, object]:
    table = GLUE.HotWords(hot)
    return GLUE.candidate_runs(text, harmless, min_letters, table), glue.candidate_runs(
        text, harmless, min_letters, hot
    )


def test_real_text_gives_the_same_candidates(memos: list[glue.Memo]) -> None:
    texts = real_texts()
    assert len(texts) > 1000
    found = 0
    for m in memos:
        assert len(m.hot) > 5_000
        # a fresh copy of the common words: the memo's own set grows with what it has seen
        harmless = set(m.common)
        for text in texts:
            compiled = GLUE.candidate_runs(text, harmless, m.p.min_letters, m.hot_table)
            twin = glue.candidate_runs(text, harmless, m.p.min_letters, m.hot)
            assert compiled == twin, text[:200]
            found += len(twin[1])
    assert found > 1000  # the texts hold candidates in each language: the comparison is not empty


def test_the_step_is_unchanged_without_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole step with the kernel and with its twin, on the real dev pages (fresh memos)."""
    texts = real_texts()[-400:]
    step = SplitGluedWords()
    results = []
    for candidate_runs, kernel_module in ((GLUE.candidate_runs, GLUE), (glue.candidate_runs, None)):
        monkeypatch.setattr(glue, "_candidate_runs", candidate_runs)
        monkeypatch.setattr(glue, "_GLUE_KERNEL", kernel_module)
        glue.memo.cache_clear()
        results.append([step.split_glues(t, lang) for t in texts for lang in LANGUAGES])
    glue.memo.cache_clear()
    assert results[0] == results[1]
    assert sum(len(r.edits) for r in results[1]) > 0


AWKWARD = st.sampled_from(
    [
        *"abcXYZ_0123456789'’-.,;:()",
        *["ä", "ß", "é", "İ", "ı", "\u212a", "\u212b", "Å", "ǅ", "ﬁ", "²", "½", "Ⅻ", "三"],  # Kelvin sign, digits that are not decimal
        *["\u0301", "\u0308", "\u200d", "\u00ad", "𝔘", "😀", "𐐀", "Я", "ж", "Ω", "ع", "ä"],  # marks, astral
        *[" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2007"],
        *["\u2028", "\u2029", "\u3000", "\u200b", "\ufeff"],  # separators, and two that are not spaces
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(AWKWARD, max_size=80).map("".join), st.data(), st.integers(1, 5))
def test_awkward_strings_give_the_same_candidates(text: str, data: st.DataObject, min_letters: int) -> None:
    pieces = sorted(set(text.split()) | set(glue._letter_runs(1).findall(text)))
    harmless = set(data.draw(st.lists(st.sampled_from(pieces), unique=True)) if pieces else [])
    hot_words = sorted(
        data.draw(st.lists(st.sampled_from(sorted(harmless)), unique=True)) if harmless else []
    )
    compiled, twin = both(text, harmless, min_letters, frozenset(hot_words))
    assert compiled == twin
    # without the table the runs are the same (the tokens are those of an empty `hot`)
    assert GLUE.candidate_runs(text, harmless, min_letters, None) == glue.candidate_runs(
        text, harmless, min_letters
    )
    assert compiled[1] == twin[1] == glue.candidate_runs(text, harmless, min_letters)[1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(AWKWARD, min_size=0, max_size=8).map("".join), max_size=30),
    st.lists(AWKWARD, max_size=8).map("".join),
)
def test_hot_words_is_an_exact_set(words: list[str], other: str) -> None:
    hot = GLUE.HotWords(words)
    assert len(hot) == len(set(words) - {""})
    for w in [*words, other, other.upper(), other + "a"]:
        assert (w in hot) == (w in set(words) - {""})  # the empty word is never a token
