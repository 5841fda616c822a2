"""CPU share of `annotate.machine_translation` in the annotate chain, and a digest of its output.

    python ../shared/bench/make_corpus.py --n-docs 2000 --seed 1 --out-dir /tmp/mtbench
    PYTHONPATH=src:bench .venv/bin/python bench/mt_speed.py /tmp/mtbench [--profile] [--sections] [--digest OUT.jsonl]
    PYTHONPATH=src:bench .venv/bin/python bench/mt_speed.py ../shared/realpages/dev.jsonl.gz --limit 5000 --repeat 1 --statuses

The documents go through the default pipeline's per-document steps up to the MT step
(corpus stages skipped: this times the steps, not the run), then `annotate.language`,
`annotate.quality` and `annotate.machine_translation` are timed on the same documents as the
pipeline runs them (`pipeline.process_all`: each step over a batch of `--batch` documents before
the next step; `time.process_time`, so other jobs on the machine move the figures less), best of
`--repeat` passes. `--digest` writes every document's MT annotations, one JSON line
each, to compare before and after a change that should only change speed. `--sections` times
the parts of the MT step in that same loop (cProfile's per-call cost distorts small functions,
and a loop of the MT step alone runs with warm caches that the pipeline's order does not leave).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gzip
import json
import pickle
import pstats
import time
from collections import Counter
from pathlib import Path

from tamis.annotate import fluency, machine_translation, mt_artifacts
from tamis.annotate.text_units import split_text
from tamis.config import default_pipeline
from tamis.document import Document
from tamis.pipeline import STEP_BATCH, RunStats, apply_step
from tamis.steps import Annotate, CorpusStage

TIMED = ("annotate.language", "annotate.quality", "annotate.machine_translation")
#: the parts of the MT step `--sections` times: (module or class, function)
SECTIONS = (
    (machine_translation, "split_text"),
    (machine_translation, "fluency_features"),
    (machine_translation, "token_hashes"),
    (fluency.NgramModel, "surprisal"),
    (machine_translation, "find_artifacts"),
    (mt_artifacts, "foreign_ui_lines"),
    (mt_artifacts, "name_variants"),
    (mt_artifacts, "capitalised_function_words"),
    (mt_artifacts, "foreign_outlet_credits"),
    (mt_artifacts, "spaces_before_punctuation"),
    (mt_artifacts, "possible_checks"),
    (machine_translation.Calibration, "contributions"),
    (machine_translation, "_verdict"),
)


def time_sections(spent: dict[str, float]) -> None:
    """Wrap each of SECTIONS in a CPU timer adding to `spent` (for this process only)."""
    for owner, name in SECTIONS:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, __original=original, __name=name, **kwargs):  # type: ignore[no-untyped-def]
            t0 = time.process_time()
            try:
                return __original(*args, **kwargs)
            finally:
                spent[__name] = spent.get(__name, 0.0) + time.process_time() - t0

        setattr(owner, name, timed)


def prepared_documents(folder: Path, limit: int) -> list[Document]:
    """The corpus' documents as they reach the MT step of the default pipeline."""
    steps = []
    for step in default_pipeline().steps:
        if step.name == "annotate.machine_translation":
            break
        if not isinstance(step, CorpusStage):
            steps.append(step)
            step.setup()
    stats = RunStats()
    docs = []
    paths = [folder] if folder.is_file() else sorted(folder.glob("corpus-*.jsonl"))
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            records = [json.loads(line) for line in lines]
        for record in records:
            doc = Document(id=str(record["id"]), text=record["text"], meta=record.get("meta") or {})
            for step in steps:
                if doc.verdict is not None:
                    break
                doc = apply_step(step, doc, stats[step.name])
            if doc.verdict is None:
                docs.append(doc)
            if len(docs) >= limit:
                return docs
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a make_corpus.py output folder, or one JSONL(.gz) file")
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--batch",
        type=int,
        default=STEP_BATCH,
        help="documents a step takes before the next step (1: one by one)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the MT step, top 25 by own time")
    parser.add_argument("--digest", type=Path, help="write each document's mt.* annotations here")
    parser.add_argument(
        "--statuses", action="store_true", help="mt.status per language; pages flagged without a model"
    )
    parser.add_argument("--cache", type=Path, help="keep the prepared documents in this pickle file")
    parser.add_argument("--sections", action="store_true", help="time the MT step's parts in the same loop")
    args = parser.parse_args()
    if args.cache and args.cache.exists():
        docs = pickle.loads(args.cache.read_bytes())
    else:
        docs = prepared_documents(args.corpus, args.limit)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(docs))
    steps = {s.name: s for s in default_pipeline().steps if s.name in TIMED}
    for step in steps.values():
        step.setup()
    best = dict.fromkeys(TIMED, float("inf"))
    parts: dict[str, float] = {}
    if args.sections:
        time_sections(parts)
    for _ in range(args.repeat):
        spent = dict.fromkeys(TIMED, 0.0)
        # as `pipeline.process_all` runs them: each step over a batch before the next step
        for first in range(0, len(docs), args.batch):
            batch = docs[first : first + args.batch]
            for name in TIMED:
                step = steps[name]
                assert isinstance(step, Annotate)
                t0 = time.process_time()
                for i, doc in enumerate(batch):
                    batch[i] = doc.replace(annotations={**doc.annotations, **step.measure(doc)})
                spent[name] += time.process_time() - t0
        best = {name: min(best[name], spent[name]) for name in TIMED}
    total = sum(best.values())
    for name in TIMED:
        print(f"{name:32s} {1000 * best[name] / len(docs):6.3f} ms/doc  {100 * best[name] / total:5.1f}%")
    print(f"{len(docs)} documents, best of {args.repeat} passes (CPU time)")
    for name, seconds in parts.items():
        print(f"  {name:30s} {1000 * seconds / len(docs) / args.repeat:6.3f} ms/doc (mean of the passes)")
    mt = steps["annotate.machine_translation"]
    assert isinstance(mt, Annotate)
    language = steps["annotate.language"]
    assert isinstance(language, Annotate)
    annotated = [doc.replace(annotations={**doc.annotations, **language.measure(doc)}) for doc in docs]
    if args.profile:
        profiler = cProfile.Profile()
        for doc in annotated:
            split_text(doc.text)  # annotate.quality's split, which the MT step reuses
            profiler.enable()
            mt.measure(doc)
            profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    if args.statuses:
        counts: Counter[tuple[str, str]] = Counter()
        for doc in annotated:
            out = mt.measure(doc)
            counts[out["mt.status"], doc.language] += 1
            if out["mt.status"] == "artifacts_only" and "fluency" not in out.get("mt.evidence", ()):
                rules = sorted({r["rule"] for r in out["mt.reasons"]})
                print(f"  {doc.id} ({doc.language}): p={out['mt.probability']} {rules}")
        for (status, lang), n in sorted(counts.items()):
            print(f"{status:18s} {lang:4s} {n}")
    if args.digest:
        with args.digest.open("w", encoding="utf-8") as out:
            for doc in annotated:
                out.write(
                    json.dumps({"id": doc.id, **mt.measure(doc)}, ensure_ascii=False, sort_keys=True) + "\n"
                )


if __name__ == "__main__":
    main()
