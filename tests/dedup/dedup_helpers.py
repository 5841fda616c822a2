"""Real paragraphs (ELTeC, public domain) and small builders shared by the dedup tests."""

from __future__ import annotations

import random
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


def _sentences() -> list[str]:
    import regex

    return [s for p in paragraphs() for s in regex.split(r"(?<=[.!?])\s+", p) if len(s.split()) > 3]


def corpus(n: int, seed: int = 0, shards: int = 4) -> list[list[Document]]:
    """`n` documents of 5 sentences drawn from the real paragraphs, one in five an exact or a near
    copy (a word dropped) of an earlier one, some with a shared menu line; split into shards."""
    rng = random.Random(seed)
    pool = _sentences()
    docs: list[Document] = []
    for i in range(n):
        if i > 10 and rng.random() < 0.2:
            source = docs[rng.randrange(len(docs))].text
            words = source.split(" ")
            text = source if rng.random() < 0.5 else " ".join(words[:5] + words[6:])
        else:
            text = " ".join(rng.sample(pool, 5))
        if rng.random() < 0.3:
            text = "Home | News | Contact\n" + text
        docs.append(doc(f"d{i}", text, url=f"https://site{rng.randrange(8)}.example/{i}"))
    return [docs[s::shards] for s in range(shards)]
