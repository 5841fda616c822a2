"""How well annotate.machine_translation separates machine translation from human text, and what it costs.

    PYTHONPATH=src:bench .venv/bin/python bench/mt_farms.py [--farm-pages /work/mt-farm-pages] [--stats RUN/stats.json]

Prints, with the shipped models and calibration.toml (features cached by bench/mt_calibrate.py):

1. WMT22 document-level AUC (8-segment pseudo-documents, the test half by source document,
   never fitted on): MT vs human originals and MT vs human reference translations, per
   language, with 95% bootstrap intervals (1,000 resamples of documents);
2. false positives at the operating threshold on clean human text never trained or fitted
   on: the test half of the held-out corpora (news, novels, plays, treebanks) and the
   test-half sites of ../shared/realpages (human web pages), per language and source, with
   Wilson 95% intervals; the realpages fitting half is shown apart (it was fitted on);
3. with --farm-pages: the pages collected under that folder (pages.jsonl: one
   {"url", "lang", "label": "farm"|"human", "text"} a line; never in the repository), each
   put through the default pipeline's per-document steps before the MT step (`--raw`: the
   text as collected): AUC farm vs human pages of the same language with 95% bootstrap
   intervals, per language and pooled, precision and recall at the operating threshold;
   pages of a language without a fluency model (or identified as another language) listed
   apart with their status and artifacts (`--only-farm-pages` skips sections 1-2);
4. with --stats: the share of the annotate chain's time spent in annotate.machine_translation,
   from a `tamis run` stats.json (step seconds).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from functools import cache
from pathlib import Path

import numpy as np

from common import wilson
from mt_calibrate import feature_rows, fitting_half
from tamis.annotate.fluency import shipped_languages
from tamis.annotate.machine_translation import DetectMachineTranslation, load_calibration
from tamis.config import default_pipeline
from tamis.document import Document
from tamis.pipeline import RunStats, apply_step
from tamis.steps import CorpusStage

ANNOTATE_STEPS = ("annotate.language", "annotate.quality", "annotate.machine_translation")


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    values = np.concatenate([pos, neg])
    order = values.argsort(kind="stable")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    # average ranks of ties
    _, start, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    avg = start + (counts + 1) / 2
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def bootstrap_auc(
    pos: np.ndarray, neg: np.ndarray, n: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    stats = [auc(rng.choice(pos, len(pos)), rng.choice(neg, len(neg))) for _ in range(n)]
    return auc(pos, neg), float(np.quantile(stats, 0.025)), float(np.quantile(stats, 0.975))


def probabilities(rows: list[dict], *, fluency_only: bool = False) -> np.ndarray:
    """mt.probability of cached feature rows (the fluency log-odds, capped as the step caps
    it, plus the artifacts found on real pages); `fluency_only`: the uncapped fluency alone."""
    cal = load_calibration()
    assert cal is not None, "run bench/mt_calibrate.py first"
    out = []
    for r in rows:
        logit = cal.fluency_logit(cal.standardised(r, r["lang"]))
        if fluency_only:
            out.append(1 / (1 + math.exp(-logit)))
        else:
            out.append(cal.page_probability(logit, set(r.get("artifacts", []))))
    return np.array(out)


def report_wmt(rows: list[dict]) -> None:
    print("## WMT22 document-level AUC (test half by source document; 8-segment pseudo-documents)")
    threshold = load_calibration().threshold
    print(
        "| lang | MT docs | vs human originals: AUC [95% CI] (n) | vs human translations: AUC [95% CI] (n) "
        "| MT above threshold (no artifacts) |"
    )
    print("|---|---|---|---|---|")
    test = [r for r in rows if r["set"] == "wmt" and not fitting_half(r)]
    # the AUC ranks by fluency alone (uncapped: WMT text has no page artifacts); the share above
    # the threshold is of mt.probability, where fluency alone is capped below it
    p = probabilities(test, fluency_only=True)
    page = probabilities(test)
    for lang in sorted({r["lang"] for r in test}):
        by = defaultdict(list)
        flagged = []
        for pi, qi, r in zip(p, page, test, strict=True):
            if r["lang"] == lang:
                by[r["label"]].append(pi)
                if r["label"] == "mt":
                    flagged.append(qi >= threshold)
        mt = np.array(by["mt"])
        cells = []
        for label in ("human_original", "human_translation"):
            a, lo, hi = bootstrap_auc(mt, np.array(by[label]))
            cells.append(f"{a:.3f} [{lo:.3f}, {hi:.3f}] ({len(by[label])})")
        print(f"| {lang} | {len(mt)} | {cells[0]} | {cells[1]} | {np.mean(flagged):.1%} |")


def report_false_positives(rows: list[dict], threshold: float) -> None:
    print(f"\n## False positives at the operating threshold {threshold} (human text; Wilson 95% CI)")
    print("| set | lang | source | half | docs | above threshold | FP rate [95% CI] |")
    print("|---|---|---|---|---|---|---|")
    human = [r for r in rows if r["set"] in ("corpus", "realpages")]
    p = probabilities(human)
    groups: defaultdict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for pi, r in zip(p, human, strict=True):
        half = "fitted" if fitting_half(r) else "test"
        if r["set"] == "corpus" and half == "fitted":
            half = "reference"
        groups[(r["set"], r["lang"], r["label"], half)].append(pi)
    for (set_, lang, label, half), ps in sorted(groups.items()):
        k = int(sum(x >= threshold for x in ps))
        lo, hi = wilson(k, len(ps))
        print(
            f"| {set_} | {lang} | {label} | {half} | {len(ps)} | {k} | {k / len(ps):.1%} [{lo:.1%}, {hi:.1%}] |"
        )


def through_pipeline(text: str, url: str) -> tuple[Document | None, str]:
    """The page as it reaches `annotate.machine_translation` in the default pipeline (its
    per-document steps before it; corpus stages skipped), or None and the rejecting rule."""
    doc = Document(url, text, meta={"url": url})
    stats = RunStats()
    for step in _steps_before_mt():
        doc = apply_step(step, doc, stats[step.name])
        if doc.verdict is not None:
            return None, str(doc.verdict)
    return doc, ""


@cache
def _steps_before_mt() -> tuple:
    steps = []
    for step in default_pipeline().steps:
        if step.name == "annotate.machine_translation":
            break
        if not isinstance(step, CorpusStage):
            step.setup()
            steps.append(step)
    return tuple(steps)


def _auc_row(name: str, items: list[tuple[bool, float]], threshold: float) -> str:
    pos = np.array([p for farm, p in items if farm])
    neg = np.array([p for farm, p in items if not farm])
    tp, fp = int((pos >= threshold).sum()), int((neg >= threshold).sum())
    precision = f"{tp / (tp + fp):.2f} ({tp}/{tp + fp})" if tp + fp else "- (0 flagged)"
    recall = f"{tp / len(pos):.2f}" if len(pos) else "-"
    if len(pos) and len(neg):
        a, lo, hi = bootstrap_auc(pos, neg)
        cell = f"{a:.3f} [{lo:.3f}, {hi:.3f}]"
    else:
        cell = "- (one class only)"
    return f"| {name} | {len(pos)} | {len(neg)} | {cell} | {precision} | {recall} |"


def report_farm_pages(folder: Path, threshold: float, *, raw: bool = False) -> None:
    """Farm pages vs human pages of the same languages, per language and pooled (pages whose
    language has a fluency model), and apart: pages scored without one."""
    path = folder / "pages.jsonl"
    if not path.is_file():
        print(f"\n(no farm pages: {path} is missing)")
        return
    step = DetectMachineTranslation()
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    scored: defaultdict[str, list[tuple[bool, float]]] = defaultdict(list)
    apart: list[str] = []
    shipped = set(shipped_languages())
    for r in rows:
        if raw:
            doc, rejected = Document(r["url"], r["text"], annotations={"language": r["lang"]}), ""
        else:
            doc, rejected = through_pipeline(r["text"], r["url"])
        if doc is None:
            apart.append(
                f"| {r['lang']} | {r['label']} | rejected before the MT step: {rejected} | {r['url'][:70]} |"
            )
            continue
        out = step.measure(doc)
        p = out.get("mt.probability")
        rules = sorted({x["rule"] for x in out.get("mt.reasons", []) if x["rule"] != "fluency"})
        if r["lang"] in shipped and doc.language == r["lang"] and p is not None:
            scored[r["lang"]].append((r["label"] == "farm", p))
            continue
        status = out.get("mt.status")
        seen = f"identified as {doc.language}; " if doc.language != r["lang"] else ""
        apart.append(
            f"| {r['lang']} | {r['label']} | {seen}{status}, p={p}, artifacts {rules or '-'} | {r['url'][:70]} |"
        )
    mode = "raw text" if raw else "through the default pipeline's per-document steps"
    print(f"\n## Farm pages vs human pages of the same language ({path}; {mode})")
    print(f"Operating threshold {threshold}; 95% bootstrap CIs (1,000 resamples); few pages: wide intervals.")
    print("| lang | farm | human | AUC [95% CI] | precision at threshold | recall at threshold |")
    print("|---|---|---|---|---|---|")
    for lang, items in sorted(scored.items()):
        print(_auc_row(lang, items, threshold))
    print(_auc_row("all with a model", [x for items in scored.values() for x in items], threshold))
    if apart:
        print("\nPages not in the table (no fluency model for the language, identified as another")
        print("language, or rejected before the MT step):")
        print("| lang | label | outcome | url |")
        print("|---|---|---|---|")
        print("\n".join(apart))


def report_speed(stats_path: Path) -> None:
    steps = json.loads(stats_path.read_text())["steps"]
    seconds = {name: float(steps[name]["seconds"]) for name in ANNOTATE_STEPS if name in steps}
    total = sum(seconds.values())
    print(f"\n## Time in the annotate chain ({stats_path})")
    for name, s in seconds.items():
        print(f"- {name}: {s:.2f} s ({s / total:.0%})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--farm-pages", type=Path, default=None)
    ap.add_argument("--stats", type=Path, default=None)
    ap.add_argument(
        "--raw", action="store_true", help="farm pages: measure the raw text, not the repaired one"
    )
    ap.add_argument("--only-farm-pages", action="store_true", help="skip the WMT and false-positive sections")
    args = ap.parse_args()
    cal = load_calibration()
    assert cal is not None
    if not args.only_farm_pages:
        rows = feature_rows(1500)
        report_wmt(rows)
        report_false_positives(rows, cal.threshold)
    if args.farm_pages:
        report_farm_pages(args.farm_pages, cal.threshold, raw=args.raw)
    if args.stats:
        report_speed(args.stats)


if __name__ == "__main__":
    main()
