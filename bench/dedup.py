"""MinHash dedup speed against datatrove, and tamis' scaling, each from one command.

    python bench/dedup.py --n-docs 10000 --workers 2          # tamis vs datatrove, same corpus and cores
    python bench/dedup.py --scale 100000,300000,1000000 --tamis-only

Compare mode builds (or reuses) a make_corpus.py corpus, then runs end to end on the same
JSONL files with the same worker count:
- datatrove: MinhashDedupSignature -> Buckets -> Cluster -> Filter (LocalPipelineExecutor,
  its default 5-grams, 14 x 8 hashes), run with bench/.venv-datatrove/bin/python;
- tamis "near": read -> dedup.near -> write (signatures, buckets, clusters, filter);
- tamis "lines+near": dedup.repeated_lines first (the default pipeline's order), so site
  boilerplate does not hide copies.
For each it reports wall seconds, CPU seconds (user + system of the whole process tree: the
fair ratio when other jobs share the machine), docs/s, peak RSS of the largest process, and recall on the
injected near-duplicate pairs (both documents in one cluster) and precision of removals.

Scale mode runs tamis "near" (and "lines+near") on corpora of growing size with a fixed number
of documents per input shard, reporting seconds, seconds per 1k documents and peak RSS: time
should grow linearly and peak memory stay flat.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import build_corpus, run_tree  # noqa: E402
from dedup_quality import Components, read_rows, run_tamis, score  # noqa: E402

DATATROVE_PY = HERE / ".venv-datatrove" / "bin" / "python"
CONFIGS = {
    "near": [{"use": "dedup.near"}],
    "lines+near": [{"use": "dedup.repeated_lines"}, {"use": "dedup.near"}],
}


def _child(argv: list[str]) -> tuple[float, str]:
    """Run a command; wall seconds and stdout. CPU time and peak RSS of its whole process tree go to
    `_TREE` (bench/common.py `run_tree`)."""
    seconds, stdout, tree = run_tree(argv)
    _TREE.update(tree)
    return seconds, stdout


_TREE: dict[str, Any] = {}


def tamis_once(corpus: Path, out: Path, workers: int, config: str) -> dict[str, Any]:
    seconds, stdout = _child(
        [
            sys.executable,
            __file__,
            "--one",
            config,
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--workers",
            str(workers),
        ]
    )
    res = json.loads(stdout.strip().splitlines()[-1])
    res.update(_TREE)
    res["process_seconds"] = round(seconds, 2)
    return res


def _one(args: argparse.Namespace) -> None:
    result = run_tamis(args.corpus, args.out, args.workers, CONFIGS[args.one])
    print(
        json.dumps(
            {"seconds": round(result["seconds"], 2), "corpus_stages": result["stats"]["corpus_stages"]}
        )
    )


def datatrove_once(corpus: Path, work: Path, workers: int) -> dict[str, Any]:
    import shutil

    if work.exists():
        shutil.rmtree(work)
    seconds, stdout = _child(
        [str(DATATROVE_PY), str(HERE / "dedup_datatrove.py"), str(corpus), str(work), str(workers)]
    )
    res = json.loads(stdout.strip().splitlines()[-1])
    return {
        "seconds": round(res["seconds"], 2),
        "process_seconds": round(seconds, 2),
        **_TREE,
        "clusters": res["clusters"],
        "removed": res["removed"],
    }


def datatrove_quality(
    truth: list[dict[str, Any]], clusters: dict[str, int], removed: list[str]
) -> dict[str, Any]:
    pairs = [(t["id"], t["near_dup_of"]) for t in truth if "near_dup_of" in t]
    found = sum(a in clusters and clusters.get(a) == clusters.get(b) for a, b in pairs)
    true_groups = Components()
    for t in truth:
        for key in ("exact_dup_of", "near_dup_of"):
            if key in t:
                true_groups.union(t["id"], t[key])
    # a removal is right when its cluster holds a true copy of it
    members: dict[int, list[str]] = {}
    for doc_id, cid in clusters.items():
        members.setdefault(cid, []).append(doc_id)
    good = sum(
        any(o != r and true_groups.find(o) == true_groups.find(r) for o in members[clusters[r]])
        for r in removed
        if r in clusters
    )
    return {
        "near_recall": found / max(1, len(pairs)),
        "precision": good / max(1, len(removed)),
        "removed": len(removed),
    }


def compare(args: argparse.Namespace) -> None:
    corpus = args.corpus or build_corpus(
        args.out / f"corpus-{args.n_docs}-{args.seed}", args.n_docs, args.seed
    )
    truth = [json.loads(line) for line in (corpus / "truth.jsonl").open(encoding="utf-8")]
    n = len(truth)
    report: dict[str, Any] = {"docs": n, "workers": args.workers, "cores": os.cpu_count()}
    for name in CONFIGS:
        out = args.out / f"tamis-{name}"
        res = tamis_once(corpus, out, args.workers, name)
        rows = read_rows(out, ["id", "verdict", "step", "rule", "duplicate_of"])
        q = score(truth, rows, with_lines=False)
        removed = q["near_removed"]
        report[f"tamis {name}"] = {
            "seconds": res["seconds"],
            "cpu_seconds": res["cpu_seconds"],
            "docs_per_s": round(n / res["seconds"], 1),
            "peak_rss_mib": res["peak_rss_mib"],
            "near_recall": round(q["near_recall"], 4),
            "precision": round(q["near_precision"], 4),
            "removed": removed,
        }
    if not args.tamis_only:
        if not DATATROVE_PY.exists():
            sys.exit(f"{DATATROVE_PY} not found: datatrove's venv is needed for the comparison")
        dt = datatrove_once(corpus, args.out / "datatrove", args.workers)
        q = datatrove_quality(truth, dt["clusters"], dt["removed"])
        report["datatrove minhash"] = {
            "seconds": dt["seconds"],
            "cpu_seconds": dt["cpu_seconds"],
            "docs_per_s": round(n / dt["seconds"], 1),
            "peak_rss_mib": dt["peak_rss_mib"],
            "near_recall": round(q["near_recall"], 4),
            "precision": round(q["precision"], 4),
            "removed": q["removed"],
        }
        for name in CONFIGS:
            report[f"speedup tamis {name} vs datatrove"] = round(
                dt["seconds"] / report[f"tamis {name}"]["seconds"], 1
            )
            # CPU seconds: the same ratio with the other jobs of a shared machine taken out
            report[f"cpu-time speedup tamis {name} vs datatrove"] = round(
                dt["cpu_seconds"] / report[f"tamis {name}"]["cpu_seconds"], 1
            )
    print(json.dumps(report, indent=1))


def scale(args: argparse.Namespace) -> None:
    rows = []
    for n in [int(x) for x in args.scale.split(",")]:
        corpus = args.out / f"scale-{n}"
        build_corpus(corpus, n, args.seed, shards=max(8, n // args.docs_per_shard))
        for name in args.configs.split(","):
            res = tamis_once(corpus, args.out / f"scale-run-{name}", args.workers, name)
            row = {
                "docs": n,
                "config": name,
                "seconds": res["seconds"],
                "s_per_1k_docs": round(1000 * res["seconds"] / n, 3),
                "peak_rss_mib": res["peak_rss_mib"],
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
        if args.delete_corpora:
            import shutil

            shutil.rmtree(corpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", type=Path, help="an existing make_corpus.py output folder")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "dedup")
    ap.add_argument("--tamis-only", action="store_true", help="skip datatrove")
    ap.add_argument("--scale", help="comma-separated corpus sizes for the scaling run")
    ap.add_argument("--configs", default="near", help="scale mode: which tamis configs (near, lines+near)")
    ap.add_argument("--docs-per-shard", type=int, default=12_500)
    ap.add_argument("--delete-corpora", action="store_true", help="scale mode: delete each corpus after use")
    ap.add_argument("--one", choices=sorted(CONFIGS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(args)
    elif args.scale:
        scale(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
