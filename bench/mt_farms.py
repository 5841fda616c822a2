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
4. with --farm-pages and --cv: the combination rule's knobs (the weight of
   spaces_before_punctuation, the cap on fluency alone; CV_GRID) chosen by leave-one-site-out
   cross-validation over the farm pages (the pages of one host are never both chosen on and
   scored), with the false positives of each choice on the clean corpora and the real pages
   (sections 1-2's rows; a choice over 2% in any group of 30 documents or more is not
   allowed): the pooled AUC of the out-of-fold probabilities with a 95% bootstrap interval,
   the choice per fold, and what the whole set chooses;
5. with --stats: the share of the annotate chain's time spent in annotate.machine_translation,
   from a `tamis run` stats.json (step seconds).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from collections import defaultdict
from functools import cache
from itertools import product
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from common import wilson
from mt_calibrate import feature_rows, fitting_half
from tamis.annotate.fluency import shipped_languages
from tamis.annotate.machine_translation import (
    DetectMachineTranslation,
    fluency_features,
    load_calibration,
    load_models,
)
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


#: the knobs `--cv` chooses among: (weight of spaces_before_punctuation, cap on the fluency
#: log-odds), the shipped pair first (a tie keeps it). The other artifacts fire on too few
#: of these pages for their weights to be chosen from them.
CV_WEIGHTS = (3.0, 4.0, 5.0)
CV_CAPS = (2.944, 2.0, 1.0, 0.0)
#: the most false positives a choice may bring on any group of clean human text (issue 12)
CV_MAX_FP = 0.02
CV_MIN_GROUP = 30


def farm_page_rows(folder: Path, *, raw: bool = False) -> list[dict]:
    """Each scored farm-set page (a language with a fluency model, identified as that
    language): its site, label, uncapped fluency log-odds and the kinds of artifact found."""
    step = DetectMachineTranslation()
    cal = load_calibration()
    shipped = set(shipped_languages())
    rows = []
    for line in (folder / "pages.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if raw:
            doc = Document(r["url"], r["text"], annotations={"language": r["lang"]})
        else:
            doc, _ = through_pipeline(r["text"], r["url"])
        if doc is None or r["lang"] not in shipped or doc.language != r["lang"]:
            continue
        out = step.measure(doc)
        if out.get("mt.probability") is None:
            continue
        features = fluency_features(doc.text, load_models(r["lang"]))
        logit = cal.fluency_logit(cal.standardised(features, r["lang"])) if features else None
        host = urlsplit(r["url"]).hostname or r["url"]
        rows.append(
            {
                "url": r["url"],
                # the farm, not the host: de.wikiital.com and fr.wikiital.com are one site
                "site": ".".join(host.split(".")[-2:]),
                "lang": r["lang"],
                "farm": r["label"] == "farm",
                "fluency_logit": logit,
                "rules": {x["rule"] for x in out.get("mt.reasons", []) if x["rule"] != "fluency"},
            }
        )
    return rows


def knob_probability(cal, fluency_logit: float | None, rules: set[str], knobs: tuple[float, float]) -> float:
    """mt.probability with the spaces weight and the fluency cap of `knobs` (the rest shipped)."""
    weight, cap = knobs
    weights = {**cal.artifact_weights, "spaces_before_punctuation": weight}
    tuned = dataclasses.replace(cal, artifact_weights=weights, max_fluency_logit=cap)
    logit = cal.intercept if fluency_logit is None else fluency_logit
    return tuned.page_probability(logit, rules)


def false_positive_rates(rows: list[dict], knobs: tuple[float, float]) -> dict[tuple[str, str, str], float]:
    """Per group of clean human text (set, language, source) of 30 documents or more: the
    share at or above the operating threshold with `knobs`."""
    cal = load_calibration()
    groups: defaultdict[tuple[str, str, str], list[bool]] = defaultdict(list)
    for r in rows:
        if r["set"] not in ("corpus", "realpages"):
            continue
        logit = cal.fluency_logit(cal.standardised(r, r["lang"]))
        p = knob_probability(cal, logit, set(r.get("artifacts", [])), knobs)
        groups[(r["set"], r["lang"], r["label"])].append(p >= cal.threshold)
    return {g: sum(v) / len(v) for g, v in groups.items() if len(v) >= CV_MIN_GROUP}


def report_cross_validation(folder: Path, human_rows: list[dict], *, raw: bool = False) -> None:
    """Leave-one-site-out choice of the knobs on the farm pages, scored on the held-out site."""
    cal = load_calibration()
    pages = farm_page_rows(folder, raw=raw)
    allowed = []
    print("\n## Leave-one-site-out cross-validation of the combination rule (farm pages)")
    print(
        "| spaces weight | fluency cap | AUC on all pages | recall | precision | worst FP group | worst FP |"
    )
    print("|---|---|---|---|---|---|---|")
    for knobs in product(CV_WEIGHTS, CV_CAPS):
        fp = false_positive_rates(human_rows, knobs)
        worst = max(fp, key=fp.__getitem__)
        p = np.array([knob_probability(cal, r["fluency_logit"], r["rules"], knobs) for r in pages])
        farm = np.array([r["farm"] for r in pages])
        hit = p >= cal.threshold
        print(
            f"| {knobs[0]} | {knobs[1]} | {auc(p[farm], p[~farm]):.3f} | {int(hit[farm].sum())}/{int(farm.sum())} "
            f"| {int(hit[farm].sum())}/{int(hit.sum())} | {'/'.join(worst)} | {fp[worst]:.2%} |"
        )
        if fp[worst] <= CV_MAX_FP:
            allowed.append(knobs)
    sites = sorted({r["site"] for r in pages})
    out_of_fold = np.zeros(len(pages))
    chosen: defaultdict[tuple[float, float], int] = defaultdict(int)
    for site in sites:
        train = [r for r in pages if r["site"] != site]
        farm = np.array([r["farm"] for r in train])

        def train_score(
            knobs: tuple[float, float], train: list[dict] = train, farm: np.ndarray = farm
        ) -> tuple:
            p = np.array([knob_probability(cal, r["fluency_logit"], r["rules"], knobs) for r in train])
            return _choice_score(p, farm, cal.threshold)

        best = max(allowed, key=train_score)  # the first of equals: the shipped pair leads the grid
        chosen[best] += 1
        for i, r in enumerate(pages):
            if r["site"] == site:
                out_of_fold[i] = knob_probability(cal, r["fluency_logit"], r["rules"], best)
    farm = np.array([r["farm"] for r in pages])
    a, lo, hi = bootstrap_auc(out_of_fold[farm], out_of_fold[~farm])
    tp, fp_pages = (
        int((out_of_fold[farm] >= cal.threshold).sum()),
        int((out_of_fold[~farm] >= cal.threshold).sum()),
    )
    print(
        f"\nOut-of-fold (each site scored with the knobs chosen without it; {len(sites)} sites, "
        f"{int(farm.sum())} farm / {int((~farm).sum())} human pages): AUC {a:.3f} [{lo:.3f}, {hi:.3f}], "
        f"precision {tp}/{tp + fp_pages}, recall {tp}/{int(farm.sum())} at {cal.threshold}"
    )
    print(
        "Chosen per fold: " + ", ".join(f"{k} x{n}" for k, n in sorted(chosen.items(), key=lambda t: -t[1]))
    )
    whole_farm = np.array([r["farm"] for r in pages])

    def whole_score(knobs: tuple[float, float]) -> tuple:
        p = np.array([knob_probability(cal, r["fluency_logit"], r["rules"], knobs) for r in pages])
        return _choice_score(p, whole_farm, cal.threshold)

    grid = len(CV_WEIGHTS) * len(CV_CAPS)
    print(f"Chosen on all pages: {max(allowed, key=whole_score)} (allowed: {len(allowed)} of {grid})")


def _choice_score(p: np.ndarray, farm: np.ndarray, threshold: float) -> tuple[float, float]:
    """What a choice of knobs maximises: the AUC (to 0.005: smaller differences are a page or
    two), then the recall at the operating threshold (the false positives are bounded apart)."""
    if not farm.any() or farm.all():
        return (0.0, 0.0)
    return (round(auc(p[farm], p[~farm]) / 0.005), float((p[farm] >= threshold).mean()))


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
    ap.add_argument("--cv", action="store_true", help="farm pages: leave-one-site-out choice of the knobs")
    args = ap.parse_args()
    cal = load_calibration()
    assert cal is not None
    if not args.only_farm_pages or args.cv:
        rows = feature_rows(1500)
    if not args.only_farm_pages:
        report_wmt(rows)
        report_false_positives(rows, cal.threshold)
    if args.farm_pages:
        report_farm_pages(args.farm_pages, cal.threshold, raw=args.raw)
    if args.farm_pages and args.cv:
        report_cross_validation(args.farm_pages, rows, raw=args.raw)
    if args.stats:
        report_speed(args.stats)


if __name__ == "__main__":
    main()
