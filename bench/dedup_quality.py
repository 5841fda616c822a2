"""Dedup quality against make_corpus.py ground truth, through tamis' own runner.

    python bench/dedup_quality.py --n-docs 10000            # builds the corpus under bench/out/ if needed

Runs dedup.repeated_lines -> dedup.exact -> dedup.near (their default parameters; nothing else),
then scores:

- repeated lines: every line the stage removed is mapped back to its index in the original text
  through the edit log; truth = the document's `boilerplate_lines` (for an exact copy, those of the
  document it copies). Precision = removed lines that are boilerplate / removed lines; recall =
  boilerplate lines removed / boilerplate lines.
- near duplicates: an injected pair (doc, near_dup_of) is found when both end in one predicted
  cluster (the graph of removed -> kept edges of dedup.exact and dedup.near). A removal is correct
  when the removed document and the one it names are copies by the truth (same component of the
  exact_dup_of / near_dup_of graph). Precision is reported for dedup.near's removals and for all.
- exact duplicates: the same, for exact_dup_of pairs and dedup.exact's removals.

Exits 1 when a floor (near P>=0.98 R>=0.95, lines P>=0.98 R>=0.90) is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from common import build_corpus

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {"near_precision": 0.98, "near_recall": 0.95, "lines_precision": 0.98, "lines_recall": 0.90}


def run_tamis(corpus: Path, out: Path, workers: int, steps: list[dict[str, Any]]) -> dict[str, Any]:
    import shutil

    from tamis.config import from_dict
    from tamis.execute import LocalExecutor, RunConfig, run_pipeline
    from tamis.read import discover

    if out.exists():
        shutil.rmtree(out)
    config = from_dict({"steps": steps})
    shards = discover(sorted(str(p) for p in corpus.glob("corpus-*.jsonl*")))
    t0 = time.perf_counter()
    summary = run_pipeline(config.pipeline, shards, RunConfig(output=str(out)), LocalExecutor(workers))
    return {"seconds": time.perf_counter() - t0, "stats": summary.stats}


def read_rows(out: Path, columns: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for sub in ("kept", "rejected"):
        for path in sorted((out / sub).glob("*.parquet")):
            table = pq.read_table(path)
            cols = [c for c in columns if c in table.column_names]
            rows.extend(table.select(cols).to_pylist())
    return rows


def removed_line_indices(original: str, edits: list[dict[str, Any]], step: str) -> set[int]:
    """Original line indices of the lines `step` removed (edit offsets index the text before each edit)."""
    out: set[int] = set()
    delta = 0
    for e in edits:
        if e["step"] == step:
            start = e["start"] - delta  # all earlier edits of this step lie to the left
            nl = 1 if e["removed"].startswith("\n") else 0
            out.add(original.count("\n", 0, start + nl))
        delta += len(e["inserted"]) - len(e["removed"])
    return out


class Components:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def score(truth: list[dict[str, Any]], rows: list[dict[str, Any]], with_lines: bool = True) -> dict[str, Any]:
    by_id = {t["id"]: t for t in truth}
    true_groups, pred_groups = Components(), Components()
    for t in truth:
        for key in ("exact_dup_of", "near_dup_of"):
            if key in t:
                true_groups.union(t["id"], t[key])
    removed: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in rows:
        if r.get("verdict") == "duplicate":
            pred_groups.union(r["id"], r["duplicate_of"])
            removed[r["step"]].append((r["id"], r["duplicate_of"]))
    res: dict[str, Any] = {}
    for name, key in (("near", "near_dup_of"), ("exact", "exact_dup_of")):
        pairs = [(t["id"], t[key]) for t in truth if key in t]
        found = sum(pred_groups.find(a) == pred_groups.find(b) for a, b in pairs)
        res[f"{name}_recall"] = found / max(1, len(pairs))
        res[f"{name}_pairs"] = len(pairs)
    for name, step in (("near", "dedup.near"), ("exact", "dedup.exact")):
        rem = removed.get(step, [])
        good = sum(true_groups.find(a) == true_groups.find(b) for a, b in rem)
        res[f"{name}_precision"] = good / max(1, len(rem))
        res[f"{name}_removed"] = len(rem)
    allrem = [p for v in removed.values() for p in v]
    res["all_dedup_precision"] = sum(true_groups.find(a) == true_groups.find(b) for a, b in allrem) / max(
        1, len(allrem)
    )
    if with_lines:
        tp = fp = total = 0
        fp_examples: list[str] = []
        for r in rows:
            t = by_id[r["id"]]
            src = by_id[t["exact_dup_of"]] if "exact_dup_of" in t else t
            truth_lines = set(src.get("boilerplate_lines", []))
            total += len(truth_lines)
            original = r["original"]
            if r.get("verdict") == "rejected" and r.get("rule") == "only_repeated_lines":
                got = {i for i, line in enumerate(original.split("\n")) if line.strip()}
            else:
                got = removed_line_indices(original, r["edits"] or [], "dedup.repeated_lines")
            tp += len(got & truth_lines)
            for i in got - truth_lines:
                fp += 1
                if len(fp_examples) < 8:
                    fp_examples.append(original.split("\n")[i][:80])
        res["lines_precision"] = tp / max(1, tp + fp)
        res["lines_recall"] = tp / max(1, total)
        res["lines_removed"] = tp + fp
        res["lines_truth"] = total
        res["lines_false_positive_examples"] = fp_examples
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", type=Path, help="an existing make_corpus.py output folder")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/out/dedup_quality")
    ap.add_argument("--threshold", type=float, help="dedup.near threshold (default: the step's default)")
    args = ap.parse_args()
    corpus = args.corpus or build_corpus(
        args.out / f"corpus-{args.n_docs}-{args.seed}", args.n_docs, args.seed
    )
    truth = [json.loads(line) for line in (corpus / "truth.jsonl").open(encoding="utf-8")]
    near: dict[str, Any] = {"use": "dedup.near"}
    if args.threshold is not None:
        near["threshold"] = args.threshold
    steps = [{"use": "dedup.repeated_lines"}, {"use": "dedup.exact"}, near]
    result = run_tamis(corpus, args.out / "run", args.workers, steps)
    rows = read_rows(args.out / "run", ["id", "verdict", "step", "rule", "duplicate_of", "edits", "original"])
    res = score(truth, rows)
    res["docs"] = len(truth)
    res["workers"] = args.workers
    res["seconds"] = round(result["seconds"], 2)
    res["corpus_stages"] = result["stats"]["corpus_stages"]
    print(json.dumps(res, indent=1, ensure_ascii=False))
    missed = [f"{k} {res[k]:.4f} < {v}" for k, v in FLOORS.items() if res[k] < v]
    for m in missed:
        print("FLOOR MISSED:", m, file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
