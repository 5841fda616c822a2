"""Debris-line removal on real labelled pages, cross-validated by site: any config beside the old rules.

    .venv/bin/python bench/realpages.py                      # rules, C4, the learned step (CV), in one run
    .venv/bin/python bench/realpages.py --configs rules,model --json bench/out/realpages.json
    .venv/bin/python bench/realpages.py --config my.toml      # also score a pipeline file's repair steps

Data: ../shared/realpages/dev.jsonl.gz (real pages as crawlers extract them, every line labelled
body or debris; see its README). Each config turns a page's text into a repaired text; the
input lines are aligned with the output lines (bench/train_debris.kept_lines), and a line that
is gone counts as removed. Figures, per dataset, per language and overall:

- debris P / R / F1: line-level, a removed line is a debris prediction;
- body kept (5+): share of the words of body lines with 5+ words that are kept (the issue's
  retention); body kept (all): the same over every body line;
- 95 % bootstrap intervals over pages (500 resamples) where a group has under 200 pages.

Configs: `keep` (nothing removed), `c4` (keep lines ending in . ! ? " ' or a CJK stop), `rules`
(the repair chain without repair.debris_lines: the old rule-based steps), `model` (the chain
with repair.debris_lines, its model retrained for each of 5 site folds on the other folds'
permissive pages, fundus and readability: the shipped recipe), `model-all` (the same, trained
on every dataset of the other folds), `shipped` (the packaged weights; in-sample on fundus and
readability, whose pages trained them).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import regex

from tamis.config import load as load_config
from tamis.repair import REPAIR_ORDER
from tamis.repair.debris_lines import RemoveDebrisLines
from tamis.steps import REGISTRY, Repair
from train_debris import (
    OUT,
    PERMISSIVE,
    SHIPPED_KIND,
    cached_rows,
    kept_lines,
    load_pages,
    recipe,
    run_repairs,
    site_folds,
    training_pages,
)

C4_END = regex.compile(r"[.!?\"'。！？」』]\s*$")
GOALS = {"recall": 0.90, "body_kept_5plus": 0.98, "language_recall": 0.75, "language_min_debris": 20}
#: per page: debris lines removed, body lines removed, debris lines, words of body lines of 5+
#: words (kept, all), words of every body line (kept, all)
SUMS = ("tp", "fp", "debris", "body5_kept", "body5", "body_kept", "body")


def page_sums(page: dict, removed: np.ndarray) -> np.ndarray:
    lines = page["text"].split("\n")
    debris = np.zeros(len(lines), dtype=bool)
    debris[page["labels"]["debris_lines"]] = True
    words = np.array([len(s.split()) for s in lines])
    body = ~debris
    body5 = body & (words >= 5)
    kept = ~removed
    return np.array(
        [
            (removed & debris).sum(),
            (removed & body).sum(),
            debris.sum(),
            words[body5 & kept].sum(),
            words[body5].sum(),
            words[body & kept].sum(),
            words[body].sum(),
        ],
        dtype=np.float64,
    )


def figures(s: np.ndarray) -> dict[str, float]:
    """Scores from summed page counts (`SUMS` order); works on a (resamples, 7) array too."""
    tp, fp, debris, b5k, b5, bk, b = (s[..., i] for i in range(7))
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 1.0)
        recall = np.where(debris > 0, tp / debris, np.nan)
        f1 = 2 * precision * recall / (precision + recall)
        return {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "body_kept_5plus": np.where(b5 > 0, b5k / b5, np.nan),
            "body_kept_all": np.where(b > 0, bk / b, np.nan),
        }


def group_report(per_page: np.ndarray, rng: np.random.Generator) -> dict[str, object]:
    total = per_page.sum(0)
    out: dict[str, object] = {k: round(float(v), 4) for k, v in figures(total).items()}
    out["pages"] = len(per_page)
    out["debris_lines"] = int(total[2])
    if len(per_page) < 200:
        draws = per_page[rng.integers(0, len(per_page), (500, len(per_page)))].sum(1)
        for k, v in figures(draws).items():
            lo, hi = np.nanpercentile(v, [2.5, 97.5]) if np.isfinite(v).any() else (np.nan, np.nan)
            out[f"{k}_ci"] = [round(float(lo), 3), round(float(hi), 3)]
    return out


def chain(names: list[str], extra: dict[str, object] | None = None) -> list[Repair]:
    steps = []
    for name in names:
        if name == "repair.debris_lines":
            steps.append(RemoveDebrisLines(**(extra or {})))
        else:
            steps.append(REGISTRY.get(name)())
    for s in steps:
        s.setup()
    return steps


def removed_by(steps: list[Repair], page: dict) -> np.ndarray:
    lines = page["text"].split("\n")
    return ~kept_lines(lines, run_repairs(steps, page["text"], page["lang"]))


def fold_models(
    pages: list[dict], train_on: tuple[str, ...] | None, tag: str, kind: str = SHIPPED_KIND
) -> list[str]:
    """One model file per site fold: the shipped recipe (train_debris.recipe) run on the other
    folds' pages alone, weights from their pages of `train_on` (None: all), threshold from their
    own inner site folds."""
    rows = cached_rows(pages)
    fold = site_folds(pages)
    paths = []
    for f in range(fold.max() + 1):
        model = recipe(rows, pages, kind, train_on, np.flatnonzero(training_pages(pages, fold, f)))
        path = OUT / f"debris-fold-{tag}-{f}.npz"
        model.save(path, provenance={"fold": f, "train_on": train_on or "all"})
        paths.append(str(path))
    return paths


def run_config(
    name: str, everything: list[dict], config_file: Path | None, kind: str = SHIPPED_KIND
) -> tuple[list[np.ndarray], float]:
    """Removed-line masks of every scored page under config `name` (the train-only pages of
    `everything` only train the `model` configs), and the seconds spent."""
    t0 = time.process_time()
    pages = [p for p in everything if not p.get("train_only")]
    old = [n for n in REPAIR_ORDER if n != "repair.debris_lines"]
    if name == "keep":
        masks = [np.zeros(p["text"].count("\n") + 1, bool) for p in pages]
    elif name == "c4":
        masks = [np.array([C4_END.search(s) is None for s in p["text"].split("\n")]) for p in pages]
    elif name == "rules":
        steps = chain(old)
        masks = [removed_by(steps, p) for p in pages]
    elif name in ("model", "model-all"):
        paths = fold_models(everything, PERMISSIVE if name == "model" else None, name, kind)
        fold = site_folds(everything)
        chains = [chain(list(REPAIR_ORDER), {"model": path}) for path in paths]
        masks = [removed_by(chains[fold[i]], p) for i, p in enumerate(pages)]
    elif name == "shipped":
        steps = chain(list(REPAIR_ORDER))
        masks = [removed_by(steps, p) for p in pages]
    elif name == "config" and config_file is not None:
        steps = [s for s in load_config(str(config_file)).pipeline.steps if isinstance(s, Repair)]
        for s in steps:
            s.setup()
        masks = [removed_by(steps, p) for p in pages]
    else:
        raise SystemExit(f"realpages: unknown config {name!r}")
    return masks, time.process_time() - t0


def report(pages: list[dict], masks: list[np.ndarray]) -> dict[str, dict]:
    rng = np.random.default_rng(20240607)
    per_page = np.array([page_sums(p, m) for p, m in zip(pages, masks, strict=True)])
    groups: dict[str, list[int]] = {"all": list(range(len(pages)))}
    for i, p in enumerate(pages):
        groups.setdefault(f"dataset={p['dataset']}", []).append(i)
        groups.setdefault(f"lang={p['lang']}", []).append(i)
    return {g: group_report(per_page[idx], rng) for g, idx in sorted(groups.items())}


def fmt(r: dict, key: str) -> str:
    v = r[key]
    ci = r.get(f"{key}_ci")
    return f"{v:.3f}" + (f" [{ci[0]:.2f},{ci[1]:.2f}]" if ci and key != "precision" else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # model-all refits on every dataset (5 folds x 6 fits on 280k rows): add it when there is time
    ap.add_argument("--configs", default="keep,c4,rules,model,shipped")
    ap.add_argument(
        "--config", type=Path, default=None, help="a pipeline TOML: its repair steps are config 'config'"
    )
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=0, help="first N pages only (a quick look)")
    ap.add_argument(
        "--packages",
        type=Path,
        default=None,
        help="a folder of downloaded sdists whose pages also train `model` (bench/permissive_pages.py)",
    )
    ap.add_argument(
        "--kind", default=SHIPPED_KIND, help="the model kind `model` retrains (bench/train_debris.py)"
    )
    args = ap.parse_args(argv)
    everything = load_pages(packages=args.packages)
    if args.limit:
        everything = everything[: args.limit] + [p for p in everything if p.get("train_only")]
    pages = [p for p in everything if not p.get("train_only")]
    names = args.configs.split(",") + (["config"] if args.config else [])
    results: dict[str, dict] = {}
    for name in names:
        masks, seconds = run_config(name, everything, args.config, args.kind)
        results[name] = report(pages, masks)
        results[name]["all"]["cpu_s"] = round(seconds, 1)
        a = results[name]["all"]
        print(
            f"{name:10s} debris P {a['precision']:.3f} R {a['recall']:.3f} F1 {a['f1']:.3f} "
            f"body kept (5+) {a['body_kept_5plus']:.3f} (all) {a['body_kept_all']:.3f}  [{seconds:.0f} cpu s]",
            flush=True,
        )
    groups = list(results[names[0]])
    header = f"{'group':22s} {'pages':>5s} {'debris':>6s} | " + " | ".join(f"{n:^33s}" for n in names)
    print("\ndebris recall [95% CI] / body kept (5+) per group, same run\n" + header)
    for g in groups:
        first = results[names[0]][g]
        cells = [
            f"R {fmt(results[n][g], 'recall'):17s} kept {results[n][g]['body_kept_5plus']:.3f}" for n in names
        ]
        print(
            f"{g:22s} {first['pages']:5d} {first['debris_lines']:6d} | "
            + " | ".join(f"{c:33s}" for c in cells)
        )
    for n in names:
        a = results[n]["all"]
        weak = [
            g
            for g, r in results[n].items()
            if g.startswith("lang=")
            and r["debris_lines"] >= GOALS["language_min_debris"]
            and r["recall"] < GOALS["language_recall"]
        ]
        ok = a["recall"] >= GOALS["recall"] and a["body_kept_5plus"] >= GOALS["body_kept_5plus"] and not weak
        print(
            f"{'PASS' if ok else 'FAIL'} {n}: recall {a['recall']:.3f} (goal {GOALS['recall']}) at body kept (5+) "
            f"{a['body_kept_5plus']:.3f} (goal {GOALS['body_kept_5plus']}); languages with 20+ debris lines under "
            f"recall {GOALS['language_recall']}: {weak or 'none'}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
