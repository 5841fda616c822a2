"""Issue 15's speed bench, in one command and one run: tamis' pipelines against datatrove's on the
same make_corpus.py corpus and the same cores, with each ratio against its target.

    python bench/speed.py                          # 10k docs (seed 1, 8 shards), all cores
    python bench/speed.py --n-docs 2000 --workers 2 --skip datatrove_filters,datatrove_minhash
    python bench/speed.py --memory 100000,1000000  # also: peak RSS of the default pipeline at those sizes
    python bench/speed.py --memory 100000,1000000 --memory-pipeline corpus_stages --skip startup,null,default,annotate_filter,datatrove_filters,datatrove_minhash
    python bench/speed.py --startup-only           # CPU seconds of `tamis clean` on one page

Five runs, each started as a user starts it (wall time includes start-up and model loading):
- null: read -> repair.whitespace -> write Parquet (the cost of moving the data);
- default: the whole default pipeline, Parquet (src/tamis/data/default.toml);
- annotate-and-filter: language -> quality -> thresholds, jsonl.gz (bench/run.py's "equivalent");
- datatrove filters: Gopher repetition, Gopher quality, C4, FineWeb, jsonl.gz (bench/foundation_datatrove.py);
- datatrove MinHash: its four stages, signatures -> buckets -> clusters -> filter (bench/dedup_datatrove.py).
Datatrove runs from bench/.venv-datatrove (bench/peers.sh creates it).

For each: wall seconds, docs/s, CPU seconds of the whole process tree (user + system: the steadier
figure when other jobs share the machine) and peak RSS of its largest process. Then issue 15's
targets, as ratios of wall time and of CPU time:
- default <= 6x the null pipeline;
- default >= 10x datatrove's filter chain + MinHash;
- annotate-and-filter >= 25x datatrove's filter chain;
- peak RSS flat (within 20%) across the --memory sizes.
Also the CPU seconds of `tamis clean` on one page per language (target: under 1 s; best of two).
The load average is printed with each run: on a shared machine, figures are indicative only.
Writes bench/out/speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATATROVE_PY, HERE, OUT, cores, corpus_files, ensure_corpus, run_tree
from run import EQUIVALENT, datatrove_filters_argv, tamis_argv

NULL = """# The null pipeline: reading and writing the data, with one trivial step between.
[[steps]]
use = "repair.whitespace"
"""

CORPUS_STAGES = """# Only the corpus stages (their state is what can grow with the corpus), default settings.
[[steps]]
use = "repair.whitespace"
[[steps]]
use = "dedup.repeated_lines"
[[steps]]
use = "dedup.exact"
[[steps]]
use = "dedup.near"
"""

RUNS = ("null", "default", "annotate_filter", "datatrove_filters", "datatrove_minhash")
TARGETS = (
    # (name, numerator run(s), denominator run(s), comparison, target): ratios of seconds
    ("default / null (cost of moving the data)", ("default",), ("null",), "<=", 6.0),
    (
        "datatrove filters + MinHash / default",
        ("datatrove_filters", "datatrove_minhash"),
        ("default",),
        ">=",
        10.0,
    ),
    ("datatrove filters / annotate-and-filter", ("datatrove_filters",), ("annotate_filter",), ">=", 25.0),
)
MEMORY_FLAT = 0.20  # peak RSS may grow at most this much between the smallest and largest --memory size


def loadavg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run_one(name: str, corpus: Path, workers: int, work: Path) -> dict[str, Any]:
    """One of `RUNS` over `corpus`: seconds, CPU seconds, peak RSS and what it kept."""
    out = work / name
    shutil.rmtree(out, ignore_errors=True)
    configs = {
        "null": (NULL, "parquet"),
        "default": (None, "parquet"),
        "annotate_filter": (EQUIVALENT, "jsonl.gz"),
        "corpus_stages": (CORPUS_STAGES, "parquet"),
    }
    if name in configs:
        text, fmt = configs[name]
        config = None
        if text is not None:
            config = work / f"{name}.toml"
            config.write_text(text)
        argv = tamis_argv(corpus, out, workers, fmt, config)
    elif name == "datatrove_filters":
        argv = datatrove_filters_argv(corpus, out, workers)
    else:
        argv = [str(DATATROVE_PY), str(HERE / "dedup_datatrove.py"), str(corpus), str(out), str(workers)]
    load_before = loadavg()
    seconds, _stdout, tree = run_tree(argv)
    result: dict[str, Any] = {
        "seconds": round(seconds, 2),
        **tree,
        "load_before": load_before,
        "load_after": loadavg(),
    }
    if name in configs:
        stats = json.loads((out / "stats.json").read_text("utf-8"))
        result.update(kept=stats["kept"], rejected=stats["rejected"], duplicates=stats["duplicates"])
        slowest = sorted(((s["seconds"], n) for n, s in stats["steps"].items()), reverse=True)[:6]
        result["slowest_steps_s"] = {n: round(s, 2) for s, n in slowest}
    shutil.rmtree(out, ignore_errors=True)  # the next run should not share the disk cache's room
    return result


def ratios(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of issue 15 as a ratio of wall seconds and of CPU seconds, and whether it is met."""
    rows = []
    for label, top, bottom, op, target in TARGETS:
        if any(results.get(r) is None for r in (*top, *bottom)):
            continue
        row: dict[str, Any] = {"ratio": label, "target": f"{op} {target:g}"}
        for key in ("seconds", "cpu_seconds"):
            den = sum(results[r][key] for r in bottom)
            value = sum(results[r][key] for r in top) / den if den else float("inf")
            row[key] = round(value, 2)
        row["met (wall)"] = row["seconds"] <= target if op == "<=" else row["seconds"] >= target
        rows.append(row)
    return rows


def startup(corpus: Path, work: Path, repeats: int = 2) -> dict[str, float]:
    """CPU seconds (user + system, best of `repeats`) of `tamis clean` on one page per language:
    the bundled German sample, the pages of bench/data/startup/ and the first document of each
    language of the bench corpus."""
    from importlib import resources

    pages = {"de-sample": Path(str(resources.files("tamis").joinpath("data/samples/seed_newsfarm_de.txt")))}
    for page in sorted((Path(__file__).parent / "data" / "startup").glob("*.txt")):  # pages the project wrote
        pages[f"{page.stem}-page"] = page
    truth = corpus / "truth.jsonl"
    if truth.is_file():
        langs = {}
        with truth.open("rb") as fh:
            for i, line in enumerate(fh):
                langs.setdefault(json.loads(line)["lang"], i)
        lines = [line for f in corpus_files(corpus) for line in f.open("rb")]
        for lang, i in sorted(langs.items()):
            page = work / f"page-{lang}.txt"
            page.write_text(json.loads(lines[i])["text"], "utf-8")
            pages[lang] = page
    out = {}
    for name, page in pages.items():
        best = float("inf")
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            argv = [sys.executable, "-m", "tamis.cli", "clean", str(page)]
            subprocess.run(argv, check=True, capture_output=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        out[name] = round(best, 2)
    return out


def memory(
    sizes: list[int], seed: int, workers: int, work: Path, shard_docs: int = 12_500, pipeline: str = "default"
) -> list[dict[str, Any]]:
    """`pipeline` (the default one, or only the corpus stages) at each size: docs/s, peak RSS of
    the largest process, of the parent and of all processes together. `shard_docs` documents a shard (at least 8 shards); 0: always
    8 shards, so that a shard grows with the corpus (what a user with a few big files gets)."""
    rows = []
    for n in sizes:
        corpus = ensure_corpus(n, seed, shards=max(8, n // shard_docs) if shard_docs else 8)
        res = run_one(pipeline, corpus, workers, work)
        rows.append(
            {
                "pipeline": pipeline,
                "docs": n,
                "seconds": res["seconds"],
                "docs_per_s": round(n / res["seconds"], 1),
                **res,
            }
        )
        print(
            f"memory ({pipeline}): {n:>9,} docs  {res['seconds']:8.1f} s  {n / res['seconds']:7.0f} docs/s  "
            f"peak RSS {res['peak_rss_mib']} MiB (largest process), {res['peak_rss_parent_mib']} MiB (parent), "
            f"{res['peak_rss_total_mib']} MiB (all processes)  load {res['load_before']}",
            flush=True,
        )
    if len(rows) > 1:
        growth = rows[-1]["peak_rss_mib"] / max(1, rows[0]["peak_rss_mib"]) - 1
        verdict = "met" if growth <= MEMORY_FLAT else "NOT met"
        print(
            f"memory: peak RSS grows {growth:+.0%} from {sizes[0]:,} to {sizes[-1]:,} docs (target <= +20%: {verdict})"
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument(
        "--workers", type=int, default=cores(), help="worker processes for every run (default: all cores)"
    )
    ap.add_argument(
        "--skip", default="", help=f"comma-separated runs to leave out, of: startup, {', '.join(RUNS)}"
    )
    ap.add_argument(
        "--memory", default="", help="comma-separated corpus sizes for peak RSS of the default pipeline"
    )
    ap.add_argument(
        "--memory-pipeline",
        choices=("default", "corpus_stages"),
        default="default",
        help="what --memory runs: the default pipeline, or only the corpus stages (repeated lines, exact, near)",
    )
    ap.add_argument(
        "--memory-shard-docs",
        type=int,
        default=12_500,
        help="documents per shard of the --memory corpora (at least 8 shards); 0: always 8 shards",
    )
    ap.add_argument(
        "--startup-only", action="store_true", help="only the CPU seconds of `tamis clean` on one page"
    )
    args = ap.parse_args()
    work = OUT / "speed"
    work.mkdir(parents=True, exist_ok=True)
    corpus = ensure_corpus(args.n_docs, args.seed, args.shards)
    report: dict[str, Any] = {"cores": cores(), "workers": args.workers, "corpus": str(corpus)}
    skip = {s for s in args.skip.split(",") if s}
    if "startup" not in skip:
        report["startup_cpu_s"] = startup(corpus, work)
        print(
            f"tamis clean, one page, CPU seconds (best of 2; target < 1): {report['startup_cpu_s']}",
            flush=True,
        )
    if args.startup_only:
        return
    n_docs = sum(1 for f in corpus_files(corpus) for _ in f.open("rb"))
    report["n_docs"] = n_docs
    print(f"corpus: {corpus} ({n_docs:,} docs); workers: {args.workers} of {cores()} cores; load {loadavg()}")
    if not DATATROVE_PY.is_file():
        print(f"datatrove: {DATATROVE_PY} is missing; create it with bench/peers.sh (skipped)")
        skip |= {"datatrove_filters", "datatrove_minhash"}
    results: dict[str, Any] = {}
    print(f"\n{'run':20}{'seconds':>9}{'docs/s':>9}{'CPU s':>8}{'RSS MiB':>9}  load before/after")
    for name in RUNS:
        if name in skip:
            results[name] = None
            continue
        r = results[name] = run_one(name, corpus, args.workers, work)
        r["docs_per_s"] = round(n_docs / r["seconds"], 1)
        report["runs"] = results
        (OUT / "speed.json").write_text(
            json.dumps(report, indent=2)
        )  # a run cut short keeps what it measured
        print(
            f"{name:20}{r['seconds']:9.1f}{r['docs_per_s']:9.0f}{r['cpu_seconds']:8.1f}{r['peak_rss_mib']:9}"
            f"  {r['load_before']} / {r['load_after']}",
            flush=True,
        )
    report["runs"] = results
    report["ratios"] = ratios(results)
    if report["ratios"]:
        print(f"\n{'ratio':44}{'target':>8}{'wall':>8}{'CPU':>8}  met (wall)")
    for row in report["ratios"]:
        met = "yes" if row["met (wall)"] else "NO"
        print(f"{row['ratio']:44}{row['target']:>8}{row['seconds']:8.2f}{row['cpu_seconds']:8.2f}  {met}")
    if results.get("default"):
        print(f"\ndefault pipeline, slowest steps (s, all workers): {results['default']['slowest_steps_s']}")
    if args.memory:
        report["memory"] = memory(
            [int(x) for x in args.memory.split(",")],
            args.seed,
            args.workers,
            work,
            args.memory_shard_docs,
            args.memory_pipeline,
        )
    (OUT / "speed.json").write_text(json.dumps(report, indent=2))
    print(f"written: {OUT / 'speed.json'}")


if __name__ == "__main__":
    main()
