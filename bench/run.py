"""The foundation benchmark: tamis against datatrove on the same corpus and cores, in one command.

    python bench/run.py                       # 10k docs (make_corpus.py --seed 1, 8 shards), all cores
    python bench/run.py --n-docs 2000 --workers 2
    python bench/run.py all                   # then every other bench script present, each a subprocess

Both tools read the same JSONL shards, run their per-document pipeline and write their output,
started as a user would start them (wall time includes start-up and model loading):
- datatrove: JsonlReader -> GopherRepetition, GopherQuality, C4Quality, FineWebQuality filters ->
  JsonlWriter (gzip), LocalPipelineExecutor with one task per shard (bench/foundation_datatrove.py,
  run from bench/.venv-datatrove, which bench/peers.sh creates);
- tamis "equivalent": annotate.language -> annotate.quality -> filter.thresholds (the same Gopher,
  C4 and FineWeb rules; language identification is extra work datatrove's chain does not do,
  and the thresholds need it), jsonl.gz output like datatrove's, without the `original` copy of
  the text (nothing is repaired in this chain; datatrove writes no such copy);
- tamis "default": the whole default pipeline (extraction, repairs, language, quality, filters,
  PII, exact and near dedup), Parquet output; more work than datatrove does, shown for scale.
tamis also writes every rejected document with its reason, which datatrove does not.

Prints seconds, docs/s and the docs/s ratio tamis / datatrove; writes bench/out/foundation.json.
The machine should be otherwise idle: figures from a shared machine are indicative only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATATROVE_PY, HERE, OUT, cores, corpus_files, ensure_corpus, last_json_line, timed

EQUIVALENT = """# Steps equivalent to datatrove's Gopher / C4 / FineWeb filter chain.
# No repair step changes the text here, so a copy of it as `original` would only double the
# bytes written and compressed; datatrove writes no such copy either.
[run]
keep_original = false

[[steps]]
use = "annotate.language"
[[steps]]
use = "annotate.quality"
[[steps]]
use = "filter.thresholds"
"""

#: Other helpers' benchmarks, run by `python bench/run.py all` when present.
OTHER_BENCHES = ("filters.py", "dedup.py", "repair_quality.py")


def run_datatrove(corpus: Path, workers: int) -> dict[str, Any] | None:
    if not DATATROVE_PY.is_file():
        print(f"datatrove: {DATATROVE_PY} is missing; create it with bench/peers.sh (skipped)")
        return None
    out = OUT / "foundation" / "datatrove"
    shutil.rmtree(out, ignore_errors=True)
    seconds, proc = timed(datatrove_filters_argv(corpus, out, workers))
    return {"seconds": seconds, **last_json_line(proc.stdout)}


def datatrove_filters_argv(corpus: Path, out: Path, workers: int) -> list[str]:
    """Datatrove's Gopher/C4/FineWeb chain over `corpus`, jsonl.gz output (bench/foundation_datatrove.py)."""
    return [str(DATATROVE_PY), str(HERE / "foundation_datatrove.py"), str(corpus), str(out), str(workers)]


def tamis_argv(corpus: Path, out: Path, workers: int, fmt: str, config: Path | None = None) -> list[str]:
    """`tamis run` over `corpus`'s shards as a user starts it (no progress bar, no report)."""
    argv = [sys.executable, "-m", "tamis.cli", "run", "--input", str(corpus / "corpus-*.jsonl")]
    argv += ["--output", str(out), "--workers", str(workers), "--format", fmt, "--no-progress", "--no-report"]
    return argv + (["--config", str(config)] if config is not None else [])


def run_tamis(corpus: Path, workers: int, name: str, config: str | None, fmt: str) -> dict[str, Any]:
    out = OUT / "foundation" / f"tamis-{name}"
    shutil.rmtree(out, ignore_errors=True)
    path = None
    if config is not None:
        path = OUT / "foundation" / f"{name}.toml"
        path.write_text(config)
    seconds, _proc = timed(tamis_argv(corpus, out, workers, fmt, path))
    stats = json.loads((out / "stats.json").read_text())
    slowest = sorted(((s["seconds"], n) for n, s in stats["steps"].items()), reverse=True)[:4]
    return {
        "seconds": seconds,
        "input": stats["input"],
        "kept": stats["kept"],
        "rejected": stats["rejected"],
        "duplicates": stats["duplicates"],
        "failed": stats["failed"],
        "pipeline": stats["pipeline"],
        "slowest_steps_cpu_s": {n: round(s, 2) for s, n in slowest},
    }


def foundation(args: argparse.Namespace) -> dict[str, Any]:
    corpus = ensure_corpus(args.n_docs, args.seed, args.shards)
    n_docs = sum(1 for f in corpus_files(corpus) for _ in f.open("rb"))
    (OUT / "foundation").mkdir(parents=True, exist_ok=True)
    print(f"corpus: {corpus} ({n_docs:,} docs, {len(corpus_files(corpus))} shards); workers: {args.workers}")
    results: dict[str, Any] = {"n_docs": n_docs, "workers": args.workers, "corpus": str(corpus)}
    results["datatrove"] = run_datatrove(corpus, args.workers)
    results["tamis_equivalent"] = run_tamis(corpus, args.workers, "equivalent", EQUIVALENT, "jsonl.gz")
    results["tamis_default"] = run_tamis(corpus, args.workers, "default", None, "parquet")

    dt = results["datatrove"]
    print(f"\n{'':22}{'seconds':>9}{'docs/s':>10}{'kept':>8}{'vs datatrove':>14}")
    for key, label in (
        ("datatrove", "datatrove (4 filters)"),
        ("tamis_equivalent", "tamis equivalent"),
        ("tamis_default", "tamis default"),
    ):
        r = results[key]
        if r is None:
            continue
        r["docs_per_s"] = n_docs / r["seconds"]
        ratio = f"{r['docs_per_s'] / dt['docs_per_s']:.2f}x" if dt and key != "datatrove" else ""
        r["ratio_vs_datatrove"] = round(r["docs_per_s"] / dt["docs_per_s"], 3) if dt else None
        print(f"{label:22}{r['seconds']:9.1f}{r['docs_per_s']:10.0f}{r['kept']:8}{ratio:>14}")
    print(f"\ntamis default pipeline: {' → '.join(results['tamis_default']['pipeline'])}")
    print(f"slowest steps (CPU s, all workers): {results['tamis_default']['slowest_steps_cpu_s']}")
    (OUT / "foundation.json").write_text(json.dumps(results, indent=2))
    print(f"written: {OUT / 'foundation.json'}")
    return results


def others(args: argparse.Namespace) -> None:
    """Run each other bench script present, passing --n-docs/--seed/--workers where it takes them."""
    for name in OTHER_BENCHES:
        script = HERE / name
        if not script.is_file():
            print(f"\n== bench/{name}: not present (skipped)")
            continue
        _, usage = timed([sys.executable, str(script), "--help"])
        argv = [sys.executable, str(script)]
        for flag, value in (("--n-docs", args.n_docs), ("--seed", args.seed), ("--workers", args.workers)):
            if flag in usage.stdout:
                argv += [flag, str(value)]
        print(f"\n== {' '.join(argv[1:]).replace(str(HERE) + '/', 'bench/')}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        tail = (proc.stdout.strip().splitlines() + proc.stderr.strip().splitlines()[-5:])[-30:]
        print("\n".join(tail))
        # A failing quality floor is that bench's verdict to report, not a reason to stop the others.
        status = "" if proc.returncode == 0 else f", exit code {proc.returncode}"
        print(f"({time.perf_counter() - t0:.0f} s{status})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", default="foundation", choices=["foundation", "all"])
    parser.add_argument("--n-docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument(
        "--workers", type=int, default=cores(), help="worker processes for both tools (default: all cores)"
    )
    args = parser.parse_args()
    try:
        import tamis  # noqa: F401
    except ImportError:
        sys.exit("bench: tamis is not importable; run `make bench` or .venv/bin/python bench/run.py")
    foundation(args)
    if args.what == "all":
        others(args)


if __name__ == "__main__":
    main()
