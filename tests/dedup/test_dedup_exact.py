"""dedup.exact: copies that differ only in case, spacing or punctuation are removed; keep policies."""

from __future__ import annotations

from pathlib import Path

import pytest
from dedup_helpers import doc, paragraphs, run_phases

from tamis.dedup.exact import RemoveExactDuplicates
from tamis.errors import ConfigError


def _verdicts(docs):
    return {d.id: (d.verdict.of_id if d.verdict else None) for d in docs}


def test_normalised_copies_are_removed_and_name_the_kept_document(tmp_path: Path) -> None:
    p = paragraphs()
    shard0 = [doc("a", p[0]), doc("b", p[1])]
    shard1 = [doc("c", "  " + p[0].upper().replace(",", " ,") + "\n"), doc("d", p[2]), doc("e", p[1])]
    out = run_phases(RemoveExactDuplicates(), [shard0, shard1], tmp_path)
    assert _verdicts(out) == {"a": None, "b": None, "c": "a", "d": None, "e": "b"}
    removed = [d for d in out if d.verdict]
    assert all(d.verdict.method == "exact" and d.verdict.similarity == 1.0 for d in removed)


def test_case_matters_when_casefold_is_not_asked_for(tmp_path: Path) -> None:
    p = paragraphs()[3]
    out = run_phases(
        RemoveExactDuplicates(normalize=("whitespace",)), [[doc("a", p), doc("b", p.upper())]], tmp_path
    )
    assert _verdicts(out) == {"a": None, "b": None}


@pytest.mark.parametrize(
    ("keep", "score", "kept"),
    [
        ("first", "", "a"),
        ("longest", "", "c"),
        ("best_quality", "quality.score", "b"),
        ("best_quality", "-mt.score", "c"),
    ],
)
def test_keep_policies(tmp_path: Path, keep: str, score: str, kept: str) -> None:
    p = paragraphs()[4]
    docs = [
        doc("a", p, **{"quality.score": 0.2, "mt.score": 0.5}),
        doc("b", p + " ", **{"quality.score": 0.9}),
        doc("c", p + " ...", **{"quality.score": 0.5, "mt.score": 0.1}),
        doc("z", paragraphs()[5]),
    ]
    out = run_phases(RemoveExactDuplicates(keep=keep, score=score), [docs[:2], docs[2:]], tmp_path)
    verdicts = _verdicts(out)
    assert verdicts[kept] is None and verdicts["z"] is None
    assert {k: v for k, v in verdicts.items() if v} == {k: kept for k in "abc" if k != kept}


def test_url_key_ignores_text_and_documents_without_url(tmp_path: Path) -> None:
    p = paragraphs()
    docs = [
        doc("a", p[0], "https://x.org/1"),
        doc("b", p[1], "https://x.org/1#top"),
        doc("c", p[2]),
        doc("d", p[2]),
    ]
    out = run_phases(RemoveExactDuplicates(key="url"), [docs], tmp_path)
    assert _verdicts(out) == {"a": None, "b": "a", "c": None, "d": None}


def test_bad_parameters_are_config_errors() -> None:
    from tamis.config import build_step

    with pytest.raises(ConfigError, match="keep"):
        build_step({"use": "dedup.exact", "keep": "newest"})
    with pytest.raises(ConfigError, match="normalisation"):
        build_step({"use": "dedup.exact", "normalize": ["nfkc", "stem"]})
