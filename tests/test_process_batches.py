"""`process_all` takes documents through the steps a batch at a time, one step over the whole
batch before the next (for the CPU cache): each document must come out exactly as `process`
makes it one by one, with the same counts, including documents rejected or failed mid-batch."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from tamis.config import default_pipeline
from tamis.document import Document, Failed
from tamis.pipeline import RunStats, process, process_all
from tamis.steps import CorpusStage, Repair, Repaired

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class _Explode(Repair):
    """Raises on every document whose id ends in 3: a step that fails mid-batch."""

    name: ClassVar[str] = "test.explode"
    rules: ClassVar[dict[str, str]] = {}

    def repair(self, text: str, doc: Document) -> Repaired:
        if doc.id.endswith("3"):
            raise ValueError(f"boom on {doc.id}")
        return Repaired(text, ())


def _documents() -> list[Document]:
    """Real paragraphs of six languages, joined into pages of 1-12 paragraphs, some tiny or empty
    (the thresholds filter rejects those, so verdicts fall in the middle of batches)."""
    rng = random.Random(15)
    paragraphs = [
        line
        for lang in ("de", "en", "fr", "kk", "ru", "uk")
        for line in (DATA / f"paragraphs_{lang}.txt").read_text("utf-8").splitlines()
        if line.strip()
    ]
    docs = []
    for i in range(150):
        if i % 17 == 0:
            text = rng.choice(["", "ok", "Leave a Reply\n\nTeilen auf Facebook"])
        else:
            text = "\n\n".join(rng.sample(paragraphs, rng.randint(1, 12)))
        docs.append(
            Document(id=f"d{i}", text=text, original=text, meta={"url": f"https://h{i % 9}.example/{i}"})
        )
    return docs


def _counts(stats: RunStats) -> dict[str, tuple]:
    return {k: (s.docs, s.changed, s.rejected, s.failed, dict(s.rules)) for k, s in stats.items()}


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_batched_steps_give_what_one_by_one_gives(batch: int) -> None:
    pipeline = default_pipeline()
    pipeline.setup()
    steps = [s for s in pipeline.steps if not isinstance(s, CorpusStage)]
    steps.insert(3, _Explode())
    docs = _documents()

    one_stats, all_stats = RunStats(), RunStats()
    one = [process(d, steps, one_stats) for d in docs]
    together = list(process_all(iter(docs), steps, all_stats, batch=batch))

    assert [d.id for d in together] == [d.id for d in docs]
    assert together == one
    assert _counts(all_stats) == _counts(one_stats)
    # the test means something: some documents failed, some were rejected, some kept and edited
    assert sum(isinstance(d.verdict, Failed) for d in one) >= 5
    assert sum(d.verdict is not None and not isinstance(d.verdict, Failed) for d in one) >= 3
    assert sum(d.verdict is None and d.text != d.original for d in one) >= 10


def test_strict_raises_in_a_batch() -> None:
    docs = [Document(id=f"s{i}", text="Ein Satz.", original="Ein Satz.") for i in range(10)]
    with pytest.raises(ValueError, match="boom on s3"):
        list(process_all(iter(docs), [_Explode()], RunStats(), strict=True, batch=4))
