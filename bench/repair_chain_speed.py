"""Where the repair chain's time goes: MB of input text per CPU second of each step, on the
bench corpus and on real pages, in one run.

    .venv/bin/python bench/repair_chain_speed.py \
        --corpus bench/out/corpus-10000-s1-x8-nonc --real-pages ../shared/realpages/dev.jsonl.gz

Each document runs the steps of `tamis.repair.REPAIR_ORDER` and then `repair.pii` (the pipeline
masks after the filters), applied as the pipeline applies them; `process_time` around each
step's `repair` only. Before the timed pass the steps are set up and preloaded (as a run's parent
does before the pool forks), 50 documents warm the memos, and the garbage collector's heap is
frozen so that a collection does not land in whichever step allocates at that moment. MB are
the UTF-8 bytes of the documents as read (so the figures add up: chain s/MB = sum of the steps').
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from repair_quality import run_steps
from tamis.document import Document
from tamis.repair import REPAIR_ORDER
from tamis.steps import REGISTRY, Repair


def corpus_documents(folder: Path, limit: int) -> Iterator[tuple[str, str, str]]:
    """(id, text, language) of a make_corpus.py folder (languages from its truth.jsonl)."""
    langs = {}
    truth = folder / "truth.jsonl"
    if truth.exists():
        for line in truth.open(encoding="utf-8"):
            t = json.loads(line)
            langs[t["id"]] = t.get("lang", "und")
    n = 0
    for path in sorted(folder.glob("corpus-*.jsonl")):
        for line in path.open(encoding="utf-8"):
            d = json.loads(line)
            yield d["id"], d["text"], langs.get(d["id"], d.get("lang", "und"))
            n += 1
            if n >= limit:
                return


def real_documents(path: Path, limit: int) -> Iterator[tuple[str, str, str]]:
    """(id, text, language) of a realpages .jsonl.gz (each page's crawler-extracted `text`)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= limit:
                return
            page = json.loads(line)
            yield page["id"], page["text"], page.get("lang", "und")


def time_chain(docs: list[tuple[str, str, str]], steps: list[Repair]) -> dict:
    seconds: Counter = Counter()
    for doc_id, text, lang in docs[:50]:  # warm-up, not timed
        run_steps(steps, Document(id=doc_id, text=text, annotations={"language": lang}), Counter())
    gc.collect()
    gc.freeze()
    for doc_id, text, lang in docs:
        run_steps(steps, Document(id=doc_id, text=text, annotations={"language": lang}), seconds)
    gc.unfreeze()
    mb = sum(len(t.encode("utf-8")) for _, t, _ in docs) / 1e6
    cpu = sum(seconds.values())
    return {
        "docs": len(docs),
        "mb": round(mb, 2),
        "cpu_s": round(cpu, 3),
        "mb_per_cpu_s": round(mb / cpu, 2) if cpu else None,
        "steps": {
            k: {"cpu_s": round(v, 3), "mb_per_cpu_s": round(mb / v, 1) if v else None}
            for k, v in seconds.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="a make_corpus.py folder")
    ap.add_argument("--real-pages", type=Path, help="a realpages .jsonl.gz")
    ap.add_argument("--n", type=int, default=10_000, help="documents of each (the first n)")
    ap.add_argument("--skip", default="", help="comma-separated steps to leave out of the chain")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    names = [n for n in (*REPAIR_ORDER, "repair.pii") if n not in skip]
    steps = [REGISTRY.get(name)() for name in names]
    for s in steps:
        s.setup()
        s.preload()
    result = {}
    if args.corpus:
        result["corpus"] = time_chain(list(corpus_documents(args.corpus, args.n)), steps)
    if args.real_pages:
        result["real_pages"] = time_chain(list(real_documents(args.real_pages, args.n)), steps)
    print(f"{'step':28s}" + "".join(f"{k:>22s}" for k in result))
    for name in names:
        row = "".join(
            f"{r['steps'][name]['mb_per_cpu_s'] or 0:>11.1f} MB/s {r['steps'][name]['cpu_s']:>6.2f} s"
            for r in result.values()
        )
        print(f"{name:28s}{row}")
    print(
        f"{'chain':28s}"
        + "".join(f"{r['mb_per_cpu_s']:>11.2f} MB/s {r['cpu_s']:>6.2f} s" for r in result.values())
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
