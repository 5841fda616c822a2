"""What moves debris recall at 0.98 body retention: candidate changes to repair.debris_lines, each
scored against the shipped recipe on the same site folds, with paired bootstrap intervals.

    PYTHONPATH=src:bench .venv/bin/python bench/debris_search.py --packages /work/extraction-bench
    PYTHONPATH=src:bench .venv/bin/python bench/debris_search.py --packages /work/extraction-bench \\
        --candidates site-weights,short-body-0.1,shared-words,stack,stack-all,short-threshold-0.6

Every candidate gives out-of-fold debris probabilities of the lines reaching the step (the rows
of train_debris.cached_rows; 5 site folds as in `train_debris.py --compare`), trained on the
permissive pages only unless its name ends in `-all` (evaluation only: not shippable). Each is
scored at its own threshold keeping 0.98 of the words of body lines of 5+ words (over the rows
reaching the step), and compared with `shipped` (the shipped recipe, kind logistic+trees) by a
paired bootstrap over pages (500 resamples, both thresholds held): the recall difference with its
95 % interval, overall, per dataset and per language with 20+ debris lines.

Candidates (docs/repair.md, "Fifth round", has the figures):
- `site-weights`: rows weighted by 1/sqrt(rows of their site) on top of the usual row weights;
- `short-body-<w>`: body lines of 1-4 words weigh w instead of 0.3 in training;
- `shared-words`: 6 columns of vocabulary shared with the rest of the page (hashed words of
  line_features.line_tokens: share of the line's words found in another line, in a main-text
  line, in a prose line, in 1-3 other lines; mean log count; log words);
- `stack`: a second logistic+trees model over the features plus the first stage's logits of the
  line and its +-3 neighbours, +-3 and +-10 means, page mean, share of lines judged debris, rank
  in the page, the densest body stretch by first-stage scores (inside, distance, progress,
  lines after it, date lines since its start) and the line's length ranked within the page;
  first-stage logits of training rows out-of-fold over inner site folds (stacking);
- `short-threshold-<t>`: the shipped model, but lines of 1-4 words removed from probability t
  (they do not count in the retention goal: this trades precision for recall, not a real gain).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from tamis.repair.line_features import FEATURE_NAMES
from train_debris import (
    DEV,
    PERMISSIVE,
    TARGET_RETENTION,
    cached_rows,
    fit,
    load_pages,
    site_folds,
    threshold_for_retention,
    train_only,
    training_pages,
    training_weights,
)

KIND = "logistic+trees"
COLUMN = {n: i for i, n in enumerate(FEATURE_NAMES)}


class Search:
    def __init__(self, pages: list[dict]) -> None:
        self.pages = pages
        rows = cached_rows(pages)
        self.rows = rows
        self.x, self.y, self.page, self.words = rows["x"], rows["y"], rows["page"], rows["words"]
        self.datasets = np.array([p["dataset"] for p in pages])
        self.langs = np.array([p["lang"] for p in pages])
        self.sites = np.array([p["site"] for p in pages])
        self.scored = ~train_only(pages)[self.page]
        self.fold = site_folds(pages)
        self.starts = np.flatnonzero(np.r_[True, self.page[1:] != self.page[:-1]])
        self.ends = np.r_[self.starts[1:], len(self.page)]

    def weights(self, train: np.ndarray, how: str = "") -> np.ndarray:
        w = training_weights(self.y[train], self.words[train])
        if how == "site":
            _, inverse = np.unique(self.sites[self.page], return_inverse=True)
            counts = np.bincount(inverse).astype(float)
            w = w * np.sqrt(counts.mean() / counts[inverse])[train]
        elif how.startswith("short:"):
            short = ~self.y[train] & (self.words[train] < 5)
            w = np.where(short, float(how[6:]), w)
        return w

    def allowed(self, train_on: tuple[str, ...] | None) -> np.ndarray:
        if train_on is None:
            return np.ones(len(self.y), dtype=bool)
        return np.isin(self.datasets[self.page], train_on)

    def out_of_fold(
        self, z: np.ndarray, train_on: tuple[str, ...] | None = PERMISSIVE, weighting: str = ""
    ) -> np.ndarray:
        """Out-of-fold logits of every row from features `z`, one model per site fold."""
        logits = np.full(len(self.y), np.nan)
        allowed = self.allowed(train_on)
        for f in range(self.fold.max() + 1):
            train = training_pages(self.pages, self.fold, f)[self.page] & allowed
            test = self.fold[self.page] == f
            model = fit(KIND, z[train], self.y[train], self.weights(train, weighting))
            logits[test] = model.logits(z[test])
        return logits

    def shared_words(self) -> np.ndarray:
        import scipy.sparse

        rows, buckets = self.rows["token_rows"], self.rows["token_buckets"]
        m = scipy.sparse.csr_matrix(
            (np.ones(len(rows)), (rows, buckets)), shape=(len(self.y), int(buckets.max()) + 1)
        )
        m.sum_duplicates()
        m.data[:] = 1
        main = self.x[:, COLUMN["in_main_text"]] > 0
        prose = (self.x[:, COLUMN["ends_stop"]] > 0) & (self.x[:, COLUMN["log_words"]] >= np.log1p(5))
        out = np.zeros((len(self.y), 6), np.float32)
        for a, b in zip(self.starts, self.ends, strict=True):
            part = m[a:b]
            n = b - a
            tokens = np.maximum(np.asarray(part.sum(1)).ravel(), 1)
            cell = part.tocoo()
            r, c = cell.row, cell.col
            other = np.asarray(part.sum(0)).ravel()[c] - 1
            in_main = np.asarray(part[main[a:b]].sum(0)).ravel()[c] - main[a:b][r]
            in_prose = np.asarray(part[prose[a:b]].sum(0)).ravel()[c] - prose[a:b][r]
            out[a:b, 0] = np.bincount(r, other >= 1, minlength=n) / tokens
            out[a:b, 1] = np.bincount(r, np.log1p(other), minlength=n) / tokens
            out[a:b, 2] = np.bincount(r, in_main >= 1, minlength=n) / tokens
            out[a:b, 3] = np.bincount(r, in_prose >= 1, minlength=n) / tokens
            out[a:b, 4] = np.bincount(r, (other >= 1) & (other <= 3), minlength=n) / tokens
            out[a:b, 5] = np.log1p(np.asarray(part.sum(1)).ravel())
        return out

    def context(self, logits: np.ndarray) -> np.ndarray:
        """Second-stage columns of every row from the first stage's logits of its page."""
        parts = []
        for a, b in zip(self.starts, self.ends, strict=True):
            lg = logits[a:b].astype(np.float64)
            x = self.x[a:b]
            n = b - a
            pad = np.r_[np.full(10, lg.mean()), lg, np.full(10, lg.mean())]
            cols = [lg] + [pad[10 + d : 10 + d + n] for d in (-3, -2, -1, 1, 2, 3)]
            sums = np.cumsum(np.r_[0, pad])
            for w in (3, 10):
                cols.append((sums[10 + w + 1 + np.arange(n)] - sums[10 - w + np.arange(n)] - lg) / (2 * w))
            p = 1 / (1 + np.exp(-lg))
            cols += [np.full(n, lg.mean()), np.full(n, (p > 0.5).mean()), rank(lg)]
            start, end = densest_stretch(np.maximum(np.expm1(x[:, COLUMN["log_words"]]), 1) * (1 - 2 * p))
            at = np.arange(n)
            inside = (at >= start) & (at < end)
            dated = np.cumsum(x[:, COLUMN["time_or_date"]] > 0)
            cols += [
                inside.astype(float),
                np.log1p(np.where(at < start, start - at, np.where(at >= end, at - end + 1, 0))),
                np.where(inside, (at - start) / max(end - start, 1), np.where(at < start, -1, 2)),
                np.log1p(np.maximum(at - end + 1, 0)),
                np.log1p(np.where(inside, dated - (dated[start - 1] if start > 0 else 0), 0)),
                rank(x[:, COLUMN["log_chars"]]),
                x[:, COLUMN["log_chars"]] - np.median(x[:, COLUMN["log_chars"]]),
                x[:, COLUMN["log_words"]] - np.median(x[:, COLUMN["log_words"]]),
            ]
            parts.append(np.column_stack(cols))
        return np.concatenate(parts).astype(np.float32)

    def stacked(self, train_on: tuple[str, ...] | None) -> np.ndarray:
        from sklearn.model_selection import GroupKFold

        out = np.full(len(self.y), np.nan)
        allowed = self.allowed(train_on)
        for f in range(self.fold.max() + 1):
            train = training_pages(self.pages, self.fold, f)[self.page] & allowed
            test = self.fold[self.page] == f
            first = fit(KIND, self.x[train], self.y[train], self.weights(train)).logits(self.x)
            # out-of-fold first-stage logits of the training rows: inner site folds
            inner = first.copy()
            train_pages = np.unique(self.page[train])
            for _, held in GroupKFold(n_splits=5).split(train_pages, groups=self.sites[train_pages]):
                held_rows = np.isin(self.page, train_pages[held])
                fit_rows = train & ~np.isin(self.sites[self.page], self.sites[train_pages[held]])
                model = fit(KIND, self.x[fit_rows], self.y[fit_rows], self.weights(fit_rows))
                inner[held_rows] = model.logits(self.x[held_rows])
            z_train = np.column_stack((self.x, self.context(inner)))
            second = fit(KIND, z_train[train], self.y[train], self.weights(train))
            out[test] = second.logits(np.column_stack((self.x, self.context(first)))[test])
            print(f"  stack: fold {f} done", file=sys.stderr, flush=True)
        return out

    def candidate(self, name: str) -> tuple[np.ndarray, np.ndarray | None]:
        """(out-of-fold logits, the words limit below which a separate threshold applies)."""
        train_on = None if name.endswith("-all") else PERMISSIVE
        base = name.removesuffix("-all")
        if base == "shipped":
            return self.out_of_fold(self.x, train_on), None
        if base == "site-weights":
            return self.out_of_fold(self.x, train_on, "site"), None
        if base.startswith("short-body-"):
            return self.out_of_fold(self.x, train_on, "short:" + base.removeprefix("short-body-")), None
        if base == "shared-words":
            return self.out_of_fold(np.column_stack((self.x, self.shared_words())), train_on), None
        if base == "stack":
            return self.stacked(train_on), None
        raise SystemExit(f"debris_search: unknown candidate {name!r}")

    def removed(self, name: str, logits: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-logits[self.scored]))
        y, words = self.y[self.scored], self.words[self.scored]
        removed = p >= threshold_for_retention(p, y, words, TARGET_RETENTION)
        if name.startswith("short-threshold-"):
            removed |= (words < 5) & (p >= float(name.removeprefix("short-threshold-")))
        return removed


def rank(v: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(v)) / max(len(v) - 1, 1)


def densest_stretch(score: np.ndarray) -> tuple[int, int]:
    """[start, end) of the run of lines with the largest sum of `score` (Kadane)."""
    best, current, start, best_start, best_end = -np.inf, 0.0, 0, 0, 0
    for i, s in enumerate(score.tolist()):
        if current <= 0:
            current, start = s, i
        else:
            current += s
        if current > best:
            best, best_start, best_end = current, start, i + 1
    return best_start, best_end


def page_counts(search: Search, removed: np.ndarray) -> np.ndarray:
    """Per scored page: debris removed, body removed, debris, body words (5+) kept, body words (5+)."""
    page = search.page[search.scored]
    y, words = search.y[search.scored], search.words[search.scored]
    n = len(search.pages)
    long_body = ~y & (words >= 5)
    return np.column_stack(
        [
            np.bincount(page, removed & y, n),
            np.bincount(page, removed & ~y, n),
            np.bincount(page, y, n),
            np.bincount(page, np.where(long_body & ~removed, words, 0), n),
            np.bincount(page, np.where(long_body, words, 0), n),
        ]
    )


def compare_to(
    search: Search, base: np.ndarray, other: np.ndarray, rng: np.random.Generator
) -> dict[str, tuple]:
    """Per group: (recall base, recall other, difference, 95 % interval of the difference, precision
    other, body kept other), bootstrap over the group's pages."""
    groups = {"all": np.flatnonzero(~train_only(search.pages))}
    for key, values in (("dataset", search.datasets), ("lang", search.langs)):
        for v in sorted(set(values[groups["all"]].tolist())):
            groups[f"{key}={v}"] = groups["all"][values[groups["all"]] == v]
    out = {}
    for g, idx in groups.items():
        a, b = base[idx], other[idx]
        if a[:, 2].sum() < 20:
            continue
        draws = rng.integers(0, len(idx), (500, len(idx)))
        diff = b[draws, 0].sum(1) / b[draws, 2].sum(1).clip(1) - a[draws, 0].sum(1) / a[draws, 2].sum(1).clip(
            1
        )
        ra, rb = a[:, 0].sum() / a[:, 2].sum(), b[:, 0].sum() / b[:, 2].sum()
        out[g] = (
            ra,
            rb,
            rb - ra,
            tuple(np.percentile(diff, [2.5, 97.5])),
            b[:, 0].sum() / max(b[:, :2].sum(), 1),
            b[:, 3].sum() / max(b[:, 4].sum(), 1),
            len(idx),
            int(a[:, 2].sum()),
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--candidates",
        default="site-weights,short-body-0.1,shared-words,short-threshold-0.6,stack,shipped-all",
    )
    ap.add_argument("--packages", type=Path, default=None, help="as in bench/train_debris.py")
    ap.add_argument("--groups", action="store_true", help="print every dataset and language too")
    args = ap.parse_args(argv)
    search = Search(load_pages(DEV, args.packages))
    rng = np.random.default_rng(20261208)
    t0 = time.process_time()
    shipped = search.candidate("shipped")[0]
    base = page_counts(search, search.removed("shipped", shipped))
    print(f"shipped recipe out-of-fold [{time.process_time() - t0:.0f} cpu s]", flush=True)
    for name in args.candidates.split(","):
        t0 = time.process_time()
        logits = shipped if name.startswith("short-threshold-") else search.candidate(name)[0]
        result = compare_to(search, base, page_counts(search, search.removed(name, logits)), rng)
        for g, (ra, rb, d, ci, precision, kept, n_pages, debris) in result.items():
            if g != "all" and not args.groups:
                continue
            print(
                f"{name:22s} {g:24s} pages {n_pages:5d} debris {debris:6d}  R {ra:.4f} -> {rb:.4f} "
                f"({d:+.4f} [{ci[0]:+.4f}, {ci[1]:+.4f}])  P {precision:.4f}  body kept (5+) {kept:.4f}",
                flush=True,
            )
        print(f"  [{time.process_time() - t0:.0f} cpu s]", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
