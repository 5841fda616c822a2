"""repair.debris_lines alone: CPU MB/s per core on real pages and on the synthetic bench corpus.

    .venv/bin/python bench/debris_speed.py                       # both sets, 3 rounds each
    .venv/bin/python bench/debris_speed.py --sets real --rounds 5
    .venv/bin/python bench/debris_speed.py --digest out.json     # also a digest of every output
    TAMIS_PURE_PYTHON=1 .venv/bin/python bench/debris_speed.py   # the Python twin of each kernel

The step is timed on the texts it receives in the default chain: each page is first run through
the repair steps before it (repair/__init__.REPAIR_ORDER), once, outside the timing; then the
step's `repair` runs on every text, and the CPU seconds (process time) of that loop are reported
as MB/s of the step's input (UTF-8 bytes). Sets: `real`, the texts of
../shared/realpages/dev.jsonl.gz (2,283 real pages as crawlers extract them); `bench`, the first
--bench-docs documents of bench/out/corpus-10000-s1-x8-nonc (bench/run.py's speed corpus).

`--digest` writes, per set, a SHA-256 over every output text and edit (offsets, removed text,
evidence with probability and deciding features): two code versions give the same outputs when
their digests are equal (docs/speed.md, the debris kernel).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from pathlib import Path

from tamis.document import Document
from tamis.repair import REPAIR_ORDER
from tamis.steps import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "realpages" / "dev.jsonl.gz"
BENCH = ROOT / "bench" / "out" / "corpus-10000-s1-x8-nonc"
PREFIX = REPAIR_ORDER[: REPAIR_ORDER.index("repair.debris_lines")]


def real_pages() -> list[tuple[str, str]]:
    """(text, language) of every dev page."""
    if not DEV.is_file():
        sys.exit(f"debris_speed: {DEV} is missing (the shared folder sits beside the checkout)")
    with gzip.open(DEV, "rt", encoding="utf-8") as fh:
        return [(page["text"], page["lang"]) for page in map(json.loads, fh)]


def bench_pages(limit: int, folder: Path) -> list[tuple[str, str]]:
    """(text, language) of the first `limit` documents of the bench corpus ("en" where unsaid)."""
    pages: list[tuple[str, str]] = []
    for path in sorted(folder.glob("corpus-*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                pages.append((record["text"], record.get("lang") or "en"))
                if len(pages) >= limit:
                    return pages
    if not pages:
        sys.exit(f"debris_speed: no corpus-*.jsonl in {folder} (bench/make_corpus.py builds it)")
    return pages


def step_inputs(pages: list[tuple[str, str]]) -> list[Document]:
    """Each page as repair.debris_lines receives it: after the repair steps before it."""
    steps = [REGISTRY.get(name)() for name in PREFIX]
    for step in steps:
        step.setup()
    docs = []
    for i, (text, lang) in enumerate(pages):
        doc = Document(id=str(i), text=text, annotations={"language": lang}, original=text)
        for step in steps:
            r = step.repair(doc.text, doc)
            doc = doc.replace(text=r.text, edits=doc.edits + r.edits, title=r.title or doc.title)
        docs.append(doc)
    return docs


def digest(outputs: list) -> str:
    h = hashlib.sha256()
    for r in outputs:
        h.update(r.text.encode("utf-8", "surrogatepass"))
        for e in r.edits:
            h.update(repr((e.step, e.rule, e.start, e.end, e.removed, e.inserted, e.evidence)).encode())
        h.update(b"\x00")
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="real,bench", help="comma-separated: real, bench")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over each set (best is reported)")
    parser.add_argument("--bench-docs", type=int, default=3000)
    parser.add_argument("--bench-dir", type=Path, default=BENCH)
    parser.add_argument("--digest", type=Path, help="write each set's output digest and removal count here")
    args = parser.parse_args()
    from tamis.native import kernel

    step = REGISTRY.get("repair.debris_lines")()
    step.setup()
    print(f"kernel line_features: {'compiled' if kernel('line_features') else 'Python twin'}")
    digests = {}
    for name in args.sets.split(","):
        pages = real_pages() if name == "real" else bench_pages(args.bench_docs, args.bench_dir)
        docs = step_inputs(pages)
        size = sum(len(d.text.encode("utf-8", "surrogatepass")) for d in docs)
        times = []
        for _ in range(args.rounds):
            start = time.process_time()
            outputs = [step.repair(d.text, d) for d in docs]
            times.append(time.process_time() - start)
        removed = sum(len(r.edits) for r in outputs)
        best = min(times)
        print(
            f"{name:6s} {len(docs):5d} docs {size / 1e6:6.1f} MB  cpu s {' '.join(f'{t:.3f}' for t in times)}"
            f"  best {size / 1e6 / best:6.1f} MB/s  lines removed {removed}"
        )
        digests[name] = {"digest": digest(outputs), "removed": removed, "docs": len(docs)}
    if args.digest:
        args.digest.write_text(json.dumps(digests, indent=1) + "\n")


if __name__ == "__main__":
    main()
