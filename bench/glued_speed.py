"""CPU seconds of `repair.glued_words` alone, on the texts as they reach it in the default pipeline.

    PYTHONPATH=src .venv/bin/python bench/glued_speed.py bench/out/corpus-10000-s1-x8-nonc
    PYTHONPATH=src .venv/bin/python bench/glued_speed.py --realpages        # ../shared/realpages/dev.jsonl.gz

The default pipeline's steps before `repair.glued_words` (repairs and annotate.language) run first,
untimed; then the step runs twice over every text in one process: `cold` (the per-language memo of
decisions empty, as in a worker's first pass) and `warm` (the memo filled). A digest of the texts
and edits is printed so that two revisions can be compared (TAMIS_PURE_PYTHON=1: the Python twins).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import time
from pathlib import Path

from tamis.config import default_pipeline
from tamis.document import Document
from tamis.pipeline import StepStats, apply_step
from tamis.repair import glue_splitting
from tamis.repair.glued_words import SplitGluedWords

REALPAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "realpages" / "dev.jsonl.gz"


def inputs(items: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(id, text, language) of each document as `repair.glued_words` receives it."""
    steps = []
    for step in default_pipeline().steps:
        if step.name == "repair.glued_words":
            break
        if step.name.startswith(("repair.", "annotate.")):
            step.setup()
            steps.append(step)
    stats = StepStats()
    out = []
    for doc_id, text in items:
        doc = Document(id=doc_id, text=text, original=text)
        for step in steps:
            doc = apply_step(step, doc, stats)
        out.append((doc.id, doc.text, doc.language))
    return out


def run(step: SplitGluedWords, docs: list[tuple[str, str, str]]) -> tuple[float, str, int]:
    digest, edits = hashlib.sha256(), 0
    start = time.process_time()
    for doc_id, text, lang in docs:
        result = step.split_glues(text, lang)
        if result.edits:
            edits += len(result.edits)
            record = [
                doc_id,
                result.text,
                [[e.start, e.end, e.removed, e.inserted, e.evidence] for e in result.edits],
            ]
            digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return time.process_time() - start, digest.hexdigest()[:16], edits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, nargs="?", help="a make_corpus.py folder (corpus-*.jsonl)")
    ap.add_argument("--realpages", action="store_true", help="the real dev pages instead")
    args = ap.parse_args()
    if args.realpages:
        with gzip.open(REALPAGES, "rt", encoding="utf-8") as f:
            items = [(d["id"], d["text"]) for d in map(json.loads, f)]
    else:
        items = []
        for path in sorted(args.corpus.glob("corpus-*.jsonl")):
            items += [(d["id"], d["text"]) for d in map(json.loads, path.open(encoding="utf-8"))]
    docs = inputs(items)
    step = SplitGluedWords()
    glue_splitting.memo.cache_clear()
    step.preload()
    mb = sum(len(text.encode("utf-8")) for _, text, _ in docs) / 1e6
    cold, digest, edits = run(step, docs)
    warm, digest_again, _ = run(step, docs)
    assert digest == digest_again
    print(
        f"{len(docs)} docs, {mb:.1f} MB, {edits} edits, digest {digest}; CPU s cold {cold:.2f} "
        f"({mb / cold:.1f} MB/s), warm {warm:.2f} ({mb / warm:.1f} MB/s)"
    )


if __name__ == "__main__":
    main()
