"""The MT step in the pipeline's order: it reads the split `annotate.quality` made of each text
of a batch (`pipeline.process_all` takes each step over a whole batch before the next one), and
its annotations are the same whether documents go through the steps one by one or in batches."""

from __future__ import annotations

import gc
import gzip
import json
from pathlib import Path

import pytest

from tamis.config import default_pipeline
from tamis.document import Document
from tamis.native import kernel
from tamis.pipeline import STEP_BATCH, RunStats, process, process_all
from tamis.steps import CorpusStage
from tamis.text.segmentation import segment

SHARED = Path(__file__).resolve().parents[3] / "shared"
REALPAGES = SHARED / "realpages" / "dev.jsonl.gz"


def test_a_batch_of_texts_keeps_its_segmentations() -> None:
    # quality splits every text of the batch, then MT reads the same texts: each must find the
    # split made for it (a new split costs the MT step more than all its own work)
    texts = [f"Document {i}: some words, and a few more words {i * 7}." for i in range(STEP_BATCH)]
    first = [segment(text) for text in texts]
    assert all(segment(text) is split for text, split in zip(texts, first, strict=True))


@pytest.mark.skipif(kernel("segment") is None, reason="kernel not built (or TAMIS_PURE_PYTHON=1)")
def test_the_kept_splits_give_the_garbage_collector_nothing_to_visit() -> None:
    # a batch of kept splits would otherwise cost the next collection a visit of every word
    split = segment("Kept for the batch: words, more words.")
    assert split.words and not any(map(gc.is_tracked, (split.tokens, split.words, split.lowered)))


@pytest.mark.skipif(not REALPAGES.exists(), reason="realpages not available")
def test_mt_annotations_are_the_same_in_batches_and_one_by_one() -> None:
    with gzip.open(REALPAGES, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for _, line in zip(range(300), lines, strict=False)]
    docs = [Document(id=str(r["id"]), text=r["text"], meta=r.get("meta") or {}) for r in records]
    names = [s.name for s in default_pipeline().steps]
    steps = default_pipeline().steps[: names.index("annotate.machine_translation") + 1]
    pipeline_steps = [s for s in steps if not isinstance(s, CorpusStage)]  # per-document steps
    for step in pipeline_steps:
        step.setup()
    batched = list(process_all(docs, pipeline_steps, RunStats(), batch=64))
    single = [process(doc, pipeline_steps, RunStats()) for doc in docs]
    mt = [{k: v for k, v in d.annotations.items() if k.startswith("mt.")} for d in batched]
    assert any(m.get("mt.status") == "scored" for m in mt)
    assert mt == [{k: v for k, v in d.annotations.items() if k.startswith("mt.")} for d in single]
