"""tamis' annotate-and-filter pipeline vs datatrove's Gopher/C4/FineWeb chain: speed, memory, parity.

One command, same corpus, same number of worker processes, measured in the same run:

    .venv/bin/python bench/filters.py --n-docs 10000 --workers 2

1. builds the corpus with ../shared/bench/make_corpus.py under bench/out/ (reused when present);
2. tamis: `tamis run` with only annotate.language, annotate.quality and filter.thresholds
   (preset `gopher`, datatrove's defaults): issue 4's chain; then the same with
   annotate.machine_translation added (extra signals, timed against the same datatrove run),
   on its local executor, reading the JSONL shards and writing parquet;
3. datatrove (bench/.venv-datatrove/bin/python, a subprocess): LocalPipelineExecutor running
   JsonlReader -> GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter ->
   FineWebQualityFilter -> JsonlWriter on the same files, with tasks = shards and the same
   workers;
4. prints docs/s of each, the ratio, the peak RSS of the largest process of each run
   (GNU time %M: the main process or one worker), and parity: per filter, each filter
   applied to the documents as read (bench/datatrove_decisions.py), tamis judged with
   English stop words where datatrove's rule is defined that way, and with the page's own
   language (the intended difference).

5. compares CPU time per document of both in one process on the same first --cpu-sample
   documents (steps only): on a shared machine wall-clock figures move with other jobs'
   load, CPU time much less.

`--memory-check` also runs tamis alone on a corpus of 10x the documents and prints both peak
RSS figures (flat memory: workers stream shards; nothing is kept per document).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import build_corpus

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"
DT_PYTHON = ROOT / "bench" / ".venv-datatrove" / "bin" / "python"
TAMIS = ROOT / ".venv" / "bin" / "tamis"

TAMIS_CONFIG = """\
[run]
workers = {workers}
executor = "local"
output_format = "parquet"
keep_original = false

[[steps]]
use = "annotate.language"

[[steps]]
use = "annotate.quality"
{extra}
[[steps]]
use = "filter.thresholds"
preset = "gopher"
"""
#: issue 4's chain is language ID + the quality signals + thresholds; the MT signals are extra
#: work, timed as a second tamis run against the same datatrove run
MT_STEP = """
[[steps]]
use = "annotate.machine_translation"
"""


def tamis_config(workers: int, with_mt: bool = False) -> str:
    return TAMIS_CONFIG.format(workers=workers, extra=MT_STEP if with_mt else "")


DATATROVE_CPU_SCRIPT = """\
import json, sys, time
from datatrove.data import Document
from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                        GopherRepetitionFilter)

chain = [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(), FineWebQualityFilter()]
docs = [json.loads(line) for path in sys.argv[2:] for line in open(path, encoding="utf-8")][: int(sys.argv[1])]
docs = [Document(text=r["text"], id=r["id"]) for r in docs]
chain[0].filter(Document(text="warm up the tokenizer. " * 20, id="w"))
t0 = time.process_time()
for doc in docs:
    for f in chain:
        if f.filter(doc) is not True:
            break
print(time.process_time() - t0, len(docs))
"""


def datatrove_cpu_per_doc(corpus: Path, n: int) -> float:
    """datatrove's CPU milliseconds per document in one process on the first `n` documents."""
    files = sorted(corpus.glob("corpus-*.jsonl"))
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(DATATROVE_CPU_SCRIPT)
        script.flush()
        out = subprocess.run(
            [str(DT_PYTHON), script.name, str(n), *map(str, files)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    return float(out[0]) / int(out[1]) * 1e3


def tamis_cpu_per_doc(corpus: Path, n: int, with_mt: bool = False) -> float:
    """tamis' CPU milliseconds per document in one process on the first `n` documents.

    With `datatrove_cpu_per_doc`, the load-independent comparison on a shared machine: process
    CPU time, steps only (no reading or writing), datatrove's chain with its filters called in
    order as its executor does, tamis' steps through `tamis.pipeline.process`.
    """
    import orjson

    from tamis.config import load
    from tamis.document import Document
    from tamis.pipeline import RunStats, process

    files = sorted(corpus.glob("corpus-*.jsonl"))
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as cfg:
        cfg.write(tamis_config(1, with_mt))
        cfg.flush()
        steps = load(cfg.name).pipeline
    steps.setup()
    rows = [orjson.loads(line) for path in files for line in path.read_bytes().splitlines()][:n]
    docs = [Document(r["id"], r["text"]) for r in rows]
    for doc in docs[:50]:  # warm up: word lists load on first use of each language
        process(doc, steps.steps, RunStats())
    t0 = time.process_time()
    for doc in docs:
        process(doc, steps.steps, RunStats())
    return (time.process_time() - t0) / len(docs) * 1e3


def make_corpus(n_docs: int, seed: int) -> Path:
    return build_corpus(OUT / f"filters-c{n_docs}-s{seed}", n_docs, seed)


def timed(cmd: list[str]) -> tuple[float, int]:
    """Run `cmd` under GNU time: wall seconds and the peak RSS (MB) of its largest process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", tf.name, *cmd], text=True, capture_output=True
        )
        wall = time.perf_counter() - t0
        if proc.returncode:
            sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
        rss_kb = Path(tf.name).read_text().strip().splitlines()[-1]
    return wall, int(rss_kb) // 1024


def busy_seconds(out: Path, tool: str) -> float:
    """Seconds the workers spent inside the pipeline's steps, from each tool's own stats.

    On a shared machine this is the steadier comparison: wall time also counts waiting for
    cores other jobs hold (both tools time their steps with wall clocks inside the worker).
    """
    if tool == "tamis":
        stats = json.loads((out / "stats.json").read_text("utf-8"))
        return sum(step["seconds"] for step in stats["steps"].values())
    stats = json.loads((out / "logs" / "stats.json").read_text("utf-8"))
    return sum(float(step["time_stats"]["total"]) for step in stats)


def run_tamis(corpus: Path, workers: int, out: Path, with_mt: bool = False) -> tuple[float, int]:
    out.mkdir(parents=True, exist_ok=True)
    config = out.parent / f"{out.name}.toml"
    config.write_text(tamis_config(workers, with_mt))
    return timed(
        [
            str(TAMIS),
            "run",
            "--config",
            str(config),
            "--input",
            str(corpus / "corpus-*.jsonl"),
            "--output",
            str(out),
            "--overwrite",
            "--no-progress",
            "--no-report",
        ]
    )


def run_datatrove(corpus: Path, workers: int, out: Path) -> tuple[float, int]:
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # the same chain as bench/run.py's, writing plain JSONL here (tamis writes parquet)
    script = ROOT / "bench" / "foundation_datatrove.py"
    return timed([str(DT_PYTHON), str(script), str(corpus), str(out), str(workers), "none"])


def datatrove_decisions(corpus: Path, workers: int, out: Path) -> dict[str, dict[str, str]]:
    """Each datatrove filter's decision per document (filters applied independently), in parallel."""
    files = sorted(corpus.glob("corpus-*.jsonl"))
    parts = [files[i::workers] for i in range(workers)]
    outs = [out / f"decisions-{i}.jsonl" for i in range(workers)]
    procs = [
        subprocess.Popen(
            [str(DT_PYTHON), str(ROOT / "bench" / "datatrove_decisions.py"), str(o), *map(str, p)]
        )
        for o, p in zip(outs, parts, strict=True)
        if p
    ]
    for p in procs:
        if p.wait():
            sys.exit("bench/datatrove_decisions.py failed")
    rows: dict[str, dict[str, str]] = {}
    for o in outs:
        if o.is_file():
            for line in o.read_text("utf-8").splitlines():
                r = json.loads(line)
                rows[r["id"]] = r
    return rows


def parity(corpus: Path, decisions: dict[str, dict[str, str]]) -> None:
    """Per-filter agreement with datatrove, on the texts as read."""
    from tamis.annotate.language import IdentifyLanguage
    from tamis.annotate.quality import measure_all
    from tamis.filter.thresholds import GROUPS, RULES, RejectByThresholds

    table = RejectByThresholds(preset="gopher").thresholds("en")
    lang_id = IdentifyLanguage()

    def fails(sig: dict[str, float], codes: tuple[str, ...]) -> bool:
        for code in codes:
            limit = table.get(code)
            if limit is None or limit is False:
                continue
            key, op, _ = RULES[code]
            value = sig[key]
            if code == "too_few_stop_words" and value < 0:
                continue
            if (value < limit) if op == "<" else (value > limit):
                return True
        return False

    same = Counter()
    own = Counter()
    total = 0
    examples: dict[str, list[str]] = {}
    for path in sorted(corpus.glob("corpus-*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            rec = json.loads(line)
            dt = decisions.get(rec["id"])
            if dt is None:
                continue
            total += 1
            as_en = measure_all(rec["text"], "en")
            lang = lang_id.label(rec["text"])["language"]
            as_own = measure_all(rec["text"], lang)
            for group, codes in GROUPS.items():
                dt_reject = dt[group] != "pass"
                if fails(as_en, codes) == dt_reject:
                    same[group] += 1
                else:
                    examples.setdefault(group, []).append(f"{rec['id']} datatrove={dt[group]}")
                own[group] += fails(as_own, codes) == dt_reject
    print(f"\nparity on {total} documents (each filter on the text as read):")
    print(f"{'filter':<20}{'same rules':>12}{'own-language stop words':>26}")
    for group in GROUPS:
        print(f"{group:<20}{same[group] / total:>12.4f}{own[group] / total:>26.4f}")
    for group, ex in examples.items():
        print(f"  {group} disagreements (first 5 of {len(ex)}): {'; '.join(ex[:5])}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-docs", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-datatrove", action="store_true", help="only time tamis")
    ap.add_argument("--no-parity", action="store_true")
    ap.add_argument("--memory-check", action="store_true", help="also run tamis on 10x the documents")
    ap.add_argument(
        "--cpu-sample",
        type=int,
        default=2000,
        help="also compare CPU time per document in one process on this many documents (0: skip)",
    )
    args = ap.parse_args()

    corpus = make_corpus(args.n_docs, args.seed)
    manifest = json.loads((corpus / "manifest.json").read_text("utf-8"))
    n_docs = manifest["counts"]["docs"]
    mb = manifest["text_bytes"] / 1e6
    print(
        f"corpus: {corpus} ({n_docs} docs, {mb:.1f} MB of text, "
        f"{len(list(corpus.glob('corpus-*.jsonl')))} shards); workers: {args.workers}; "
        f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}"
    )
    work = OUT / f"filters-run-{args.n_docs}"
    runs = {}  # name -> (wall seconds, peak RSS MB, seconds in steps)
    for name, with_mt in (("tamis", False), ("tamis+mt", True)):
        wall, rss = run_tamis(corpus, args.workers, work / name, with_mt)
        runs[name] = (wall, rss, busy_seconds(work / name, "tamis"))
        print(
            f"{name:10} {n_docs / wall:8.0f} docs/s  {mb / wall:6.2f} MB/s  {wall:7.1f} s wall  "
            f"{runs[name][2] / n_docs * 1e3:6.2f} ms/doc in steps  peak RSS {rss} MB (largest process)"
        )
    t_rss = runs["tamis"][1]
    if not args.skip_datatrove:
        d_wall, d_rss = run_datatrove(corpus, args.workers, work / "datatrove")
        d_busy = busy_seconds(work / "datatrove", "datatrove")
        print(
            f"datatrove  {n_docs / d_wall:8.0f} docs/s  {mb / d_wall:6.2f} MB/s  {d_wall:7.1f} s wall  "
            f"{d_busy / n_docs * 1e3:6.2f} ms/doc in steps  peak RSS {d_rss} MB (largest process)"
        )
        for name, (wall, _rss, busy) in runs.items():
            what = (
                "language + quality signals + thresholds" if name == "tamis" else "the same plus MT signals"
            )
            print(
                f"ratio {name:9} {d_wall / wall:5.1f}x docs/s (wall, end to end)   {d_busy / busy:5.1f}x time in steps"
                f"   ({what}; target >= 10x)"
            )
    if args.cpu_sample:
        d_ms = datatrove_cpu_per_doc(corpus, args.cpu_sample)
        for with_mt in (False, True):
            t_ms = tamis_cpu_per_doc(corpus, args.cpu_sample, with_mt)
            print(
                f"CPU per document, one process, first {args.cpu_sample} docs: tamis{'+mt' if with_mt else ''} "
                f"{t_ms:.2f} ms, datatrove {d_ms:.2f} ms, ratio {d_ms / t_ms:.1f}x"
            )
    if args.memory_check:
        big = make_corpus(args.n_docs * 10, args.seed)
        b_wall, b_rss = run_tamis(big, args.workers, OUT / f"filters-run-{args.n_docs * 10}" / "tamis")
        # the chain without MT: the same as the 10k figure above
        print(
            f"memory: peak RSS {t_rss} MB at {args.n_docs} docs, {b_rss} MB at {args.n_docs * 10} docs "
            f"({args.n_docs * 10 / b_wall:.0f} docs/s)"
        )
    if not args.skip_datatrove and not args.no_parity:
        parity(corpus, datatrove_decisions(corpus, args.workers, work / "datatrove"))


if __name__ == "__main__":
    main()
