"""Guard for speed work on the repair steps: a digest of their output, to compare before and after.

One command per corpus (make_corpus.py output, as bench/repair_quality.py builds it):

    .venv/bin/python bench/repair_identity.py bench/out/repair-corpus-10000-s1 --write /tmp/before.json
    .venv/bin/python bench/repair_identity.py bench/out/repair-corpus-10000-s1 --check /tmp/before.json
    .venv/bin/python bench/repair_identity.py tests/data/repair --write /tmp/pages.json   # *.txt pages

It runs the steps of `tamis.repair.REPAIR_ORDER` in order over the first `--n` documents and
hashes, after each step (applied as the pipeline applies it), the text, the step's edits (rule,
offsets, removed, inserted, evidence), the title, the captions and the annotations. `--check` names the first step whose digest moved. By default
`repair.glued_words` is left out of the chain (`--with-glue` keeps it), so that work on that step
does not move the digests of the others. `--with-pii` adds `repair.pii` (which the pipeline runs
after the filters) at the end of the chain.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from tamis.document import Document, replay
from tamis.pipeline import StepStats, apply_step
from tamis.repair import REPAIR_ORDER
from tamis.steps import REGISTRY


def _documents(folder: Path) -> Iterator[tuple[str, str, str]]:
    """(id, text, language) of a make_corpus.py folder, or of every *.txt file under `folder`."""
    corpus = sorted(folder.glob("corpus-*.jsonl"))
    if not corpus:
        for path in sorted(folder.rglob("*.txt")):
            yield path.name, path.read_text(encoding="utf-8"), "und"
        return
    truth = {}
    if (folder / "truth.jsonl").exists():
        for line in (folder / "truth.jsonl").open(encoding="utf-8"):
            t = json.loads(line)
            truth[t["id"]] = t.get("lang", "und")
    for path in corpus:
        for line in path.open(encoding="utf-8"):
            d = json.loads(line)
            yield d["id"], d["text"], truth.get(d["id"], "und")


def digests(folder: Path, n: int, with_glue: bool, with_pii: bool = False) -> dict[str, str]:
    names = [s for s in REPAIR_ORDER if with_glue or s != "repair.glued_words"] + ["repair.pii"] * with_pii
    steps = [REGISTRY.get(name)() for name in names]
    for s in steps:
        s.setup()
    hashes = {name: hashlib.sha256() for name in names}
    stats = StepStats()
    count = 0
    for doc_id, text, lang in itertools.islice(_documents(folder), n):
        count += 1
        doc = Document(id=doc_id, text=text, annotations={"language": lang}, original=text)
        for name, step in zip(names, steps, strict=True):
            before = len(doc.edits)
            doc = apply_step(step, doc, stats)
            edits = [[e.rule, e.start, e.end, e.removed, e.inserted, e.evidence] for e in doc.edits[before:]]
            annotations = sorted((k, repr(v)) for k, v in doc.annotations.items())
            record = [doc_id, doc.text, edits, doc.title, list(doc.captions), annotations]
            hashes[name].update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        assert replay(text, doc.edits) == doc.text, doc_id
    out = {name: h.hexdigest() for name, h in hashes.items()}
    out["docs"] = str(count)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, help="a make_corpus.py output folder, or a folder of .txt pages")
    ap.add_argument("--n", type=int, default=10_000, help="documents to run (the first n)")
    ap.add_argument("--with-glue", action="store_true", help="keep repair.glued_words in the chain")
    ap.add_argument("--with-pii", action="store_true", help="add repair.pii at the end of the chain")
    ap.add_argument("--write", type=Path, help="write the digests here")
    ap.add_argument("--check", type=Path, help="compare with digests written earlier")
    args = ap.parse_args(argv)
    got = digests(args.corpus, args.n, args.with_glue, args.with_pii)
    if args.write:
        args.write.write_text(json.dumps(got, indent=1))
    if args.check:
        want = json.loads(args.check.read_text())
        moved = [k for k in want if want[k] != got.get(k)]
        if moved:
            print(f"DIFFERENT after: {', '.join(moved)}")
            return 1
        print(f"identical ({got['docs']} docs, {len(got) - 1} steps)")
    else:
        print(json.dumps(got, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
