"""Corpus stages fed a batch at a time write the same map files and give the same documents as one list."""

from __future__ import annotations

from pathlib import Path

import pytest
from dedup_helpers import doc, paragraphs

from tamis.dedup import stream
from tamis.dedup.exact import RemoveExactDuplicates
from tamis.dedup.near import RemoveNearDuplicates
from tamis.dedup.repeated_lines import RemoveRepeatedLines
from tamis.document import Document
from tamis.errors import AccountingError
from tamis.steps import CorpusStage

MENU = "Home | News | Sport | Contact"
FOOTER = "© 2021 News A. All rights reserved."


def _shards() -> list[list[Document]]:
    """Two shards with site boilerplate, exact copies and near copies (a sentence dropped)."""
    p = paragraphs()
    site = [
        doc(f"a{i}", f"{MENU}\n{body}\n{FOOTER}", f"https://news-a.com/{i}") for i, body in enumerate(p[:9])
    ]
    site.append(doc("a-copy", site[3].text, "https://news-a.com/copy"))
    near = " ".join(p[10].split(". ")[1:])
    other = [doc(f"b{i}", body, f"https://b{i}.org/x") for i, body in enumerate(p[9:20])]
    other += [doc("b-near", near, "https://b-near.org/"), doc("b-copy", p[12], "https://b-copy.org/")]
    return [site, other]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(stage: CorpusStage, shards: list[list[Document]], work: Path, size: int | None) -> list[Document]:
    """map, reduce and apply: one list per shard (size None) or batches of `size` documents."""
    for i, docs in enumerate(shards):
        if size is None:
            stage.map_shard(docs, i, work)
        else:
            stream.map_stream(stage, iter(docs), i, work, size)
    stage.reduce(work, 1)
    out: list[Document] = []
    for i, docs in enumerate(shards):
        if size is None:
            out += stage.apply_shard(docs, i, work)
        else:
            out += list(stream.apply_stream(stage, iter(docs), i, work, size))
    return out


@pytest.mark.parametrize(
    "stage", [RemoveRepeatedLines(), RemoveExactDuplicates(), RemoveNearDuplicates()], ids=lambda s: s.name
)
def test_batches_give_the_map_files_and_documents_of_one_list(stage: CorpusStage, tmp_path: Path) -> None:
    shards = _shards()
    whole = _run(stage, shards, tmp_path / "whole", None)
    assert any(d.verdict is not None or d.edits for d in whole)  # the stage had something to do
    for size in (1, 3, 7):
        batched = _run(stage, shards, tmp_path / f"b{size}", size)
        assert batched == whole
        assert _files(tmp_path / f"b{size}") == _files(tmp_path / "whole")


@pytest.mark.parametrize("stage", [RemoveExactDuplicates(), RemoveNearDuplicates()], ids=lambda s: s.name)
def test_a_stream_missing_or_reordering_documents_is_refused(stage: CorpusStage, tmp_path: Path) -> None:
    docs = _shards()[0]
    stage.map_shard(docs, 0, tmp_path)
    stage.reduce(tmp_path, 1)
    with pytest.raises(AccountingError, match="not the 10 map saw"):
        list(stream.apply_stream(stage, iter(docs[:-1]), 0, tmp_path, 4))
    with pytest.raises(AccountingError, match="not the 10 map saw"):
        list(stream.apply_stream(stage, iter([docs[1], docs[0], *docs[2:]]), 0, tmp_path, 4))


def test_repeated_lines_finds_lines_afresh_for_documents_map_did_not_see(tmp_path: Path) -> None:
    stage = RemoveRepeatedLines()
    shards = _shards()
    whole = _run(stage, shards, tmp_path, None)
    # the same documents in another order: the saved line records do not apply, the result is the same
    reordered = list(stream.apply_stream(stage, iter(shards[0][::-1]), 0, tmp_path, 3))
    assert reordered == whole[: len(shards[0])][::-1]
    assert reordered[0].text == shards[0][-1].text.split("\n")[1]  # menu and footer gone


def test_near_map_files_hold_the_whole_shards_signatures_and_band_keys(tmp_path: Path) -> None:
    import io

    import numpy as np

    from tamis.dedup import minhash as mh
    from tamis.dedup.partitions import doc_index

    stage = RemoveNearDuplicates()
    docs = _shards()[1]
    stream.map_stream(stage, iter(docs), 2, tmp_path, 3)
    sigs = stage.signatures([d.text for d in docs])
    saved = io.BytesIO()
    np.save(saved, sigs)
    assert (tmp_path / "sig" / "00002.npy").read_bytes() == saved.getvalue()
    rec = np.load(tmp_path / "map" / "00002.npy")
    keys = mh.band_keys(sigs, stage.bands, stage.rows).ravel()
    index = np.repeat(doc_index(2, len(docs)), stage.bands)
    assert sorted(zip(rec["key"].tolist(), rec["index"].tolist(), strict=True)) == sorted(
        zip(keys.tolist(), index.tolist(), strict=True)
    )
