"""Real paragraphs (ELTeC, public domain) and small builders shared by the dedup tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tamis.document import Document, Source
from tamis.steps import CorpusStage

DATA = Path(__file__).resolve().parents[1] / "data" / "dedup_eltec.txt"


def paragraphs() -> list[str]:
    """24 documents of 8 real sentences each (12 English, 6 German, 6 French)."""
    text = DATA.read_text(encoding="utf-8")
    return [block for block in text.split("\n\n") if block.strip() and not block.startswith("#")]


def doc(doc_id: str, text: str, url: str | None = None, **annotations: float) -> Document:
    return Document(doc_id, text, source=Source("mem", url=url), annotations=annotations, original=text)


def run_phases(stage: CorpusStage, shards: Sequence[Sequence[Document]], work: Path) -> list[Document]:
    """map every shard, reduce once, apply every shard: what the runner does, without the runner."""
    for i, docs in enumerate(shards):
        stage.map_shard(docs, i, work)
    stage.reduce(work, 1)
    out: list[Document] = []
    for i, docs in enumerate(shards):
        applied = stage.apply_shard(docs, i, work)
        assert [d.id for d in applied] == [d.id for d in docs]
        out.extend(applied)
    return out
