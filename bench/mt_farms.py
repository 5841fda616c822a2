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
   {"url", "lang", "label": "farm"|"human", "text"} a line; never in the repository), AUC
   farm vs human pages of the same languages and precision/recall at the threshold;
4. with --stats: the share of the annotate chain's time spent in annotate.machine_translation,
   from a `tamis run` stats.json (step seconds).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from common import wilson
from mt_calibrate import feature_rows, fitting_half
from tamis.annotate.machine_translation import DetectMachineTranslation, load_calibration
from tamis.document import Document

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


def probabilities(rows: list[dict]) -> np.ndarray:
    """mt.probability of cached feature rows (fluency only, plus the artifacts found on real pages)."""
    cal = load_calibration()
    assert cal is not None, "run bench/mt_calibrate.py first"
    out = []
    for r in rows:
        logit = cal.fluency_logit(cal.standardised(r, r["lang"]))
        bonus = sum(cal.artifact_weights.get(a, 0.0) for a in r.get("artifacts", []))
        out.append(1 / (1 + math.exp(-(logit + min(bonus, cal.max_artifact_logit)))))
    return np.array(out)


def report_wmt(rows: list[dict]) -> None:
    print("## WMT22 document-level AUC (test half by source document; 8-segment pseudo-documents)")
    threshold = load_calibration().threshold
    print(
        "| lang | MT docs | vs human originals: AUC [95% CI] (n) | vs human translations: AUC [95% CI] (n) "
        "| MT above threshold (fluency only) |"
    )
    print("|---|---|---|---|---|")
    test = [r for r in rows if r["set"] == "wmt" and not fitting_half(r)]
    p = probabilities(test)
    for lang in sorted({r["lang"] for r in test}):
        by = defaultdict(list)
        for pi, r in zip(p, test, strict=True):
            if r["lang"] == lang:
                by[r["label"]].append(pi)
        mt = np.array(by["mt"])
        cells = []
        for label in ("human_original", "human_translation"):
            a, lo, hi = bootstrap_auc(mt, np.array(by[label]))
            cells.append(f"{a:.3f} [{lo:.3f}, {hi:.3f}] ({len(by[label])})")
        print(f"| {lang} | {len(mt)} | {cells[0]} | {cells[1]} | {(mt >= threshold).mean():.1%} |")


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


def report_farm_pages(folder: Path, threshold: float) -> None:
    path = folder / "pages.jsonl"
    if not path.is_file():
        print(f"\n(no farm pages: {path} is missing)")
        return
    step = DetectMachineTranslation()
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    scored = defaultdict(list)
    for r in rows:
        out = step.measure(Document(r["url"], r["text"], annotations={"language": r["lang"]}))
        if "mt.probability" in out:
            scored[r["lang"]].append((r["label"] == "farm", out["mt.probability"]))
    print("\n## Farm pages vs human pages (collected pages; see docs/quality.md for the list)")
    print("| lang | farm | human | AUC [95% CI] | precision at threshold | recall at threshold |")
    print("|---|---|---|---|---|---|")
    for lang, items in sorted(scored.items()):
        pos = np.array([p for farm, p in items if farm])
        neg = np.array([p for farm, p in items if not farm])
        if not len(pos) or not len(neg):
            continue
        a, lo, hi = bootstrap_auc(pos, neg)
        tp, fp = int((pos >= threshold).sum()), int((neg >= threshold).sum())
        precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
        print(
            f"| {lang} | {len(pos)} | {len(neg)} | {a:.3f} [{lo:.3f}, {hi:.3f}] | {precision} | {tp / len(pos):.2f} |"
        )


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
    args = ap.parse_args()
    cal = load_calibration()
    assert cal is not None
    rows = feature_rows(1500)
    report_wmt(rows)
    report_false_positives(rows, cal.threshold)
    if args.farm_pages:
        report_farm_pages(args.farm_pages, cal.threshold)
    if args.stats:
        report_speed(args.stats)


if __name__ == "__main__":
    main()
