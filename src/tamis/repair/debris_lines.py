"""Remove the lines of page debris that phrase lists cannot name, with a small learned model.

Plain text extracted from a whole page keeps its menus ("Osteuropa", "Новини"), related-headline
lists, infobox rows, ticker stamps, bylines and sign-up prompts. Each line gets features of its
own and of its neighbours (repair/line_features.py: length, words, case, digits, separators,
pipes, how it ends and starts, copies in the page, menu vocabulary, position, block context),
and a small model run in numpy (a logistic regression plus, in the shipped model, 40 boosted
trees of depth 2 whose scores add to its logit; the same class also runs a one-layer network)
gives the probability that it is debris. A line whose probability reaches the model's
threshold is removed, as an edit that records the probability and the features that pushed it
up most (feature value times weight, standardised, plus the change of score each feature's
splits made in the trees).

The weights ship in the package (data/models/debris_lines.npz, with its provenance beside it in
data/models/README.md); bench/train_debris.py trains them, bench/realpages.py measures them on
real pages, cross-validated by site.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tamis.document import Document
from tamis.native import kernel
from tamis.repair.line_features import FEATURE_NAMES, TOKEN_BITS, line_tokens, page_features
from tamis.steps import Repair, Repaired, register
from tamis.text.lines import delete_lines

MODEL_RESOURCE = "data/models/debris_lines.npz"
_IN_MAIN_TEXT = FEATURE_NAMES.index("in_main_text")
#: the name the hashed words of a line (line_features.line_tokens) go by in an edit's evidence
WORDS = "line_words"
#: (line of each token, its bucket, its value): line_features.line_tokens of a page
Tokens = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class TreeEnsemble:
    """Boosted regression trees (exported from LightGBM), all of one depth, walked in numpy.

    Each tree is stored as a complete binary tree in heap order (node k's children are 2k+1 and
    2k+2; a shallower leaf is padded with splits that always go left): inner node k of tree t splits
    on `feature[t, k]`, and a row goes right when its value is above `threshold[t, k]` (float32: the
    largest float32 not above the library's float64 threshold, so float32 features compare
    exactly as the library compares them). `value[t, k]` is a leaf's score for the leaves
    (k >= 2**depth - 1), and for an inner node the mean score of the training rows that reached it
    (each split is credited with the change of score it makes: the features that decided).

    All splits of all trees are tested in one gather; then `depth` steps pick each row's leaf,
    from which its score and (for a removed line) the path's credits follow without a second walk.
    """

    feature: np.ndarray  # (trees, 2**depth - 1) int
    threshold: np.ndarray  # (trees, 2**depth - 1) float32
    value: np.ndarray  # (trees, 2**(depth+1) - 1) float32

    @property
    def depth(self) -> int:
        return int(self.feature.shape[1] + 1).bit_length() - 1

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """(rows, trees): the leaf (heap index) each row reaches in each tree."""
        compiled = kernel("line_features")
        if compiled is not None and x.dtype == self.threshold.dtype == np.float32:
            return compiled.tree_leaves(
                np.ascontiguousarray(x),
                np.ascontiguousarray(self.feature, dtype=np.intp),
                np.ascontiguousarray(self.threshold),
            )
        return self._leaves(x)

    def _leaves(self, x: np.ndarray) -> np.ndarray:
        """`leaves` in numpy (the compiled kernel's twin): all splits tested in one gather."""
        n = len(x)
        trees, inner = self.feature.shape
        right = (x[:, self.feature.ravel()] > self.threshold.ravel()).ravel()  # (n, trees, inner)
        base = np.arange(n * trees).reshape(n, trees) * inner
        node = np.zeros((n, trees), dtype=np.intp)
        for _ in range(self.depth):
            node = 2 * node + 1 + right[base + node]
        return node

    def scores(self, leaves: np.ndarray) -> np.ndarray:
        """The trees' share of the logit of the rows that reached `leaves`."""
        compiled = kernel("line_features")
        if compiled is not None and self.value.dtype == np.float32:
            # the same (rows, trees) float32 gather as below, summed by the same numpy call
            gathered = compiled.leaf_values(
                np.ascontiguousarray(leaves, dtype=np.intp), np.ascontiguousarray(self.value)
            )
            return gathered.sum(1, dtype=np.float64)
        return self.value.ravel()[np.arange(len(self.value)) * self.value.shape[1] + leaves].sum(
            1, dtype=np.float64
        )

    def credits(self, leaves: np.ndarray, width: int) -> np.ndarray:
        """(rows, `width` features): how much each feature's splits moved the score of the rows
        that reached `leaves` (Saabas: the path backed up from the leaf, split by split)."""
        n, trees = leaves.shape
        inner = self.feature.shape[1]
        values, features = self.value.ravel(), self.feature.ravel()
        tree_base, inner_base = np.arange(trees) * self.value.shape[1], np.arange(trees) * inner
        row_base = (np.arange(n) * width)[:, None]
        cells, steps = [], []
        node = leaves
        for _ in range(self.depth):
            parent = (node - 1) // 2
            cells.append(row_base + features[inner_base + parent])
            steps.append(values[tree_base + node] - values[tree_base + parent])
            node = parent
        credit = np.bincount(
            np.concatenate(cells).ravel(), weights=np.concatenate(steps).ravel(), minlength=n * width
        )
        return credit.reshape(n, width)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"tree_feature": self.feature, "tree_threshold": self.threshold, "tree_value": self.value}

    @staticmethod
    def from_arrays(arrays: dict[str, np.ndarray]) -> TreeEnsemble | None:
        if "tree_feature" not in arrays:
            return None
        return TreeEnsemble(
            arrays["tree_feature"].astype(np.intp),
            arrays["tree_threshold"].astype(np.float32),
            arrays["tree_value"].astype(np.float32),
        )


@dataclass(frozen=True)
class DebrisModel:
    """Standardise, one ReLU layer (or none: a linear model), a logistic output; a threshold."""

    mean: np.ndarray
    scale: np.ndarray
    hidden_weights: np.ndarray | None  # (features, hidden); None for a linear model
    hidden_bias: np.ndarray | None
    out_weights: np.ndarray  # (hidden,) or (features,)
    out_bias: float
    threshold: float = 0.5
    names: tuple[str, ...] = FEATURE_NAMES
    provenance: dict[str, Any] = field(default_factory=dict)
    #: a library model with `predict_proba` (bench comparisons only; never shipped)
    external: Any = None
    #: a linear weight per bucket of hashed words (line_features.line_tokens); None: no words
    token_weights: np.ndarray | None = None
    #: boosted trees over the raw features whose scores add to the logit; None: none
    trees: TreeEnsemble | None = None

    @staticmethod
    def linear(mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, bias: float) -> DebrisModel:
        return DebrisModel(mean, scale, None, None, weights.astype(np.float32), bias)

    @staticmethod
    def wrap(model: Any) -> DebrisModel:
        empty = np.zeros(0, np.float32)
        return DebrisModel(empty, empty, None, None, empty, 0.0, external=model)

    def with_threshold(self, threshold: float) -> DebrisModel:
        return DebrisModel(**{**self.__dict__, "threshold": threshold})

    def word_logits(self, tokens: Tokens | None, n: int) -> np.ndarray | None:
        """Each line's share of the logit from its hashed words (None for a model without)."""
        if self.token_weights is None or tokens is None:
            return None
        rows, buckets, values = tokens
        return np.bincount(rows, weights=self.token_weights[buckets] * values, minlength=n)

    def logits(
        self, x: np.ndarray, tokens: Tokens | None = None, leaves: np.ndarray | None = None
    ) -> np.ndarray:
        """Each row's debris logit; `leaves`: `trees.leaves(x)` where the caller has them."""
        z = (x - self.mean) / self.scale
        if self.hidden_weights is None:
            out = z @ self.out_weights + self.out_bias
        else:
            h = np.maximum(z @ self.hidden_weights + self.hidden_bias, 0)
            out = h @ self.out_weights + self.out_bias
        if self.trees is not None:
            out = out + self.trees.scores(self.trees.leaves(x) if leaves is None else leaves)
        words = self.word_logits(tokens, len(x))
        return out if words is None else out + words

    def probabilities(self, x: np.ndarray, tokens: Tokens | None = None) -> np.ndarray:
        if self.external is not None:
            return self.external.predict_proba(x)[:, 1].astype(np.float32)
        return 1 / (1 + np.exp(-self.logits(x, tokens)))

    def deciding_features(
        self,
        x: np.ndarray,
        top: int = 3,
        words: np.ndarray | None = None,
        leaves: np.ndarray | None = None,
    ) -> list[list[str]]:
        """For each row, the features that raised its debris logit most (input x gradient, plus
        the trees' credits); `words`: the rows' logit share from their hashed words, which counts
        as one feature; `leaves`: `trees.leaves(x)` where the caller has them."""
        names = self.names if words is None else (*self.names, WORDS)
        return [[names[k] for k in row] for row in self.deciding_columns(x, top, words, leaves).tolist()]

    def deciding_columns(
        self,
        x: np.ndarray,
        top: int = 3,
        words: np.ndarray | None = None,
        leaves: np.ndarray | None = None,
    ) -> np.ndarray:
        """`deciding_features` as column numbers (rows, top); column len(names) is `words`."""
        compiled = kernel("line_features")
        if compiled is not None and self._linear_float32(x):
            # a linear model (the shipped kind): one pass per row, the same sums in the same order
            trees = self.trees
            if trees is not None and leaves is None:
                leaves = trees.leaves(x)
            return compiled.top_linear_features(
                np.ascontiguousarray(x),
                self.mean,
                self.scale,
                self.out_weights,
                leaves,
                None if trees is None else np.ascontiguousarray(trees.feature, dtype=np.intp),
                None if trees is None else np.ascontiguousarray(trees.value),
                None if words is None else np.ascontiguousarray(words, dtype=np.float64),
                top,
            )
        return self._deciding_columns(x, top, words, leaves)

    def _linear_float32(self, x: np.ndarray) -> bool:
        """Whether the compiled kernel computes this model's contributions as numpy does: a
        linear model whose arrays (and tree values), like the rows, are float32."""
        arrays = (x, self.mean, self.scale, self.out_weights)
        if self.trees is not None:
            arrays += (self.trees.value,)
        return self.hidden_weights is None and all(
            a.dtype == np.float32 and a.flags.c_contiguous for a in arrays
        )

    def _deciding_columns(
        self,
        x: np.ndarray,
        top: int = 3,
        words: np.ndarray | None = None,
        leaves: np.ndarray | None = None,
    ) -> np.ndarray:
        """`deciding_columns` in numpy (the compiled kernel's twin, and the path of every model)."""
        z = (x - self.mean) / self.scale
        if self.hidden_weights is None:
            gradient = np.broadcast_to(self.out_weights, z.shape)
        else:
            active = (z @ self.hidden_weights + self.hidden_bias) > 0
            gradient = (active * self.out_weights) @ self.hidden_weights.T
        contribution = z * gradient
        if self.trees is not None:
            reached = self.trees.leaves(x) if leaves is None else leaves
            contribution = contribution + self.trees.credits(reached, x.shape[1])
        if words is not None:
            contribution = np.column_stack((contribution, words))
        # the `top` largest of each row by repeated argmax: sorting ~200 columns per removed
        # line cost as much as the model itself
        contribution = np.array(contribution, dtype=np.float64)
        rows = np.arange(len(contribution))
        order = np.empty((len(contribution), min(top, contribution.shape[1])), dtype=np.intp)
        for k in range(order.shape[1]):
            order[:, k] = contribution.argmax(axis=1)
            contribution[rows, order[:, k]] = -np.inf
        return order

    def save(self, path: Path, provenance: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"mean": self.mean, "scale": self.scale, "out_weights": self.out_weights}
        if self.hidden_weights is not None:
            arrays |= {"hidden_weights": self.hidden_weights, "hidden_bias": self.hidden_bias}
        if self.token_weights is not None:
            arrays |= {"token_weights": self.token_weights}
        exact = self.trees.arrays() if self.trees is not None else {}  # kept in their own dtypes
        meta = {
            "out_bias": self.out_bias,
            "threshold": self.threshold,
            "names": list(self.names),
            **provenance,
        }
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                **{k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()},
                **exact,
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            )

    @staticmethod
    def load(path: Path | str) -> DebrisModel:
        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            arrays = {k: data[k] for k in data.files if k != "meta"}
        names = tuple(meta.pop("names"))
        token_weights = arrays.get("token_weights")
        if names != FEATURE_NAMES or (token_weights is not None and len(token_weights) != 2**TOKEN_BITS):
            raise ValueError(
                f"debris model {path} was trained on other features than line_features.py computes; "
                "retrain it with `python bench/train_debris.py`"
            )
        return DebrisModel(
            arrays["mean"],
            arrays["scale"],
            arrays.get("hidden_weights"),
            arrays.get("hidden_bias"),
            arrays["out_weights"],
            float(meta.pop("out_bias")),
            float(meta.pop("threshold")),
            names,
            meta,
            token_weights=token_weights,
            trees=TreeEnsemble.from_arrays(arrays),
        )


@cache
def load_model(path: str = "") -> DebrisModel:
    """The packaged model, or the one at `path`; read once per process (read-only afterwards)."""
    if path:
        return DebrisModel.load(path)
    with resources.as_file(resources.files("tamis").joinpath(MODEL_RESOURCE)) as packaged:
        return DebrisModel.load(packaged)


@register("repair.debris_lines", version=1)
@dataclass(frozen=True)
class RemoveDebrisLines(Repair):
    """Remove lines a learned model judges page debris (menus, related links, bylines, footers)."""

    #: a model file instead of the packaged one (bench/realpages.py passes each fold's model)
    model: str = ""
    #: None: the model's own threshold (chosen to keep 98 % of body words; bench/train_debris.py)
    threshold: float | None = None
    #: documents read with fewer non-blank lines are left alone: a snippet has no page around it
    #: to tell furniture by (6-sentence chunks of clean treebank text lost 2.5 % of their words
    #: at 3, tests/repair/test_invariants.py); counted on the text as read, since earlier steps
    #: may already have taken most of a page's furniture
    min_lines: int = 10
    rules = {
        "debris_line": "a line the debris model judges page furniture, not text (evidence: its probability and deciding features)"
    }

    def setup(self) -> None:
        load_model(self.model)

    def repair(self, text: str, doc: Document) -> Repaired:
        lines = text.split("\n")
        compiled = kernel("line_features")
        if compiled is not None:
            index, stripped = compiled.nonblank_lines(lines)
        else:
            index = [i for i, s in enumerate(lines) if s and not s.isspace()]
            stripped = [lines[i].strip() for i in index]
        if len(index) < self.min_lines and _lines_read(text, doc) < self.min_lines:
            return Repaired(text)
        if len(index) < 3:  # too little left to have neighbours
            return Repaired(text)
        model = load_model(self.model)
        x = page_features(stripped)
        tokens = line_tokens(stripped) if model.token_weights is not None else None
        words = model.word_logits(tokens, len(x))
        leaves = model.trees.leaves(x) if model.trees is not None else None
        logits = model.logits(x, leaves=leaves)
        if words is not None:
            logits = logits + words
        p = 1 / (1 + np.exp(-logits))
        threshold = model.threshold if self.threshold is None else self.threshold
        judged = p >= threshold
        if "• " in text:  # else no line is a list item for _keep_article_lists to keep
            judged = _keep_article_lists(judged, [lines[i] for i in index], x[:, _IN_MAIN_TEXT] > 0)
        removed = judged.nonzero()[0]
        # a page the model would empty has no main text to tell its furniture by (a list, a
        # table, a menu page): that is for the filters to judge, not for a repair to erase
        if removed.size == 0 or removed.size == len(index):
            return Repaired(text)
        order = model.deciding_columns(
            x[removed],
            words=None if words is None else words[removed],
            leaves=None if leaves is None else leaves[removed],
        )
        names = model.names if words is None else (*model.names, WORDS)
        probabilities = p[removed].tolist()
        if compiled is not None:
            evidence = compiled.evidence_texts(order, names, probabilities)
        else:
            evidence = _evidence_texts(order, names, probabilities)
        at = [index[k] for k in removed.tolist()]
        verdicts = dict.fromkeys(at, "debris_line")
        return delete_lines(text, lines, verdicts, self.name, dict(zip(at, evidence, strict=True)))


def _evidence_texts(order: np.ndarray, names: tuple[str, ...], probabilities: list[float]) -> list[str]:
    """Each removed line's evidence: "p=0.912; name, name, name" (the compiled kernel's twin)."""
    return [
        f"p={q:.3f}; " + ", ".join(names[k] for k in row)
        for q, row in zip(probabilities, order.tolist(), strict=True)
    ]


def _lines_read(text: str, doc: Document | None) -> int:
    """Non-blank lines of the document as read (its `original`; else of `text`)."""
    page = doc.original if doc is not None and doc.original else text
    return sum(1 for s in page.split("\n") if s and not s.isspace())


def _keep_article_lists(removed: np.ndarray, lines: list[str], in_main_text: np.ndarray) -> np.ndarray:
    """Keep the runs of list items the chain marked ("• ", from <li> or a run-together list that
    repair.broken_lists split) that belong to the article: inside its main text, or introduced by
    a line ending in a colon ("Das Paket umfasst unter anderem:") that is kept or follows a kept
    line (then it stays too). The training pages carry
    no such marks to learn it from (tests/repair/test_pages.py, page_de.txt)."""
    removed = removed.copy()
    i = 0
    while i < len(lines):
        if not lines[i].lstrip().startswith("• "):
            i += 1
            continue
        end = i
        while end < len(lines) and lines[end].lstrip().startswith("• "):
            end += 1
        # the introducing line counts when it or the line before it is kept (the article runs on)
        introduced = (
            i > 0
            and lines[i - 1].rstrip().endswith((":", "："))
            and (not removed[i - 1] or (i > 1 and not removed[i - 2]))
        )
        if introduced:
            removed[i - 1 : end] = False
        elif in_main_text[i:end].any():
            removed[i:end] = False
        i = end
    return removed
