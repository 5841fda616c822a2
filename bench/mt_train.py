"""Train the shipped fluency models of annotate.machine_translation (one .npz per language).

    PYTHONPATH=src .venv/bin/python bench/mt_train.py [--langs de,en,fr,ru,uk,kk]

Trains, per language, a word 3-gram stupid-backoff model
(`tamis.annotate.fluency`) on the permissively licensed training part of ../shared/corpora
(bench/mt_common.py lists the files and what is left out), prunes them, and writes
src/tamis/data/mt/<lang>.npz. The same input always gives the same bytes.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mt_common import CORPORA, MODEL_DIR, SOURCES, split
from tamis.annotate.fluency import (
    BACKOFF_COST,
    COST_STEP,
    FluencyModels,
    NgramModel,
    ngram_keys,
    stored_key,
    token_hashes,
)
from tamis.annotate.text_units import split_text
from tamis.text.lexicon import stop_words

#: (min count, max entries) per order; pruning keeps the most frequent n-grams. Chosen so a
#: language's file stays under 2 MB: the package ships six of them.
WORD_PRUNE = ((2, 150_000), (2, 250_000), (3, 250_000))
#: characters of training text read per language at most (ELTeC de/en hold 32 MB)
MAX_CHARS = 20_000_000


def _count(keys_per_doc: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.concatenate(keys_per_doc) if keys_per_doc else np.zeros(0, np.uint64)
    return np.unique(keys, return_counts=True)


def train_model(sequences: list[list[str]], order: int, prune: tuple[tuple[int, int], ...]) -> NgramModel:
    """Count every n-gram up to `order` over the sequences, turn counts into costs, prune."""
    hashes = [token_hashes(s) for s in sequences if s]
    total = sum(len(h) for h in hashes)
    uniq: list[tuple[np.ndarray, np.ndarray]] = []
    keys_out, costs_out = [], []
    for n in range(1, order + 1):
        per_doc = [ngram_keys(h, n) for h in hashes]
        keys, counts = _count(per_doc)
        if n == 1:
            cost = np.log(total) - np.log(counts)
        else:
            # the context of the n-gram at position i is the (n-1)-gram at i-1; at i = 0 it is
            # the padding alone, seen once per sequence
            ctx = np.concatenate(
                [np.concatenate(([np.uint64(0)], k[:-1])) for k in (ngram_keys(h, n - 1) for h in hashes)]
            )
            full = np.concatenate(per_doc)
            order_idx = np.argsort(full, kind="stable")
            first = np.searchsorted(full[order_idx], keys)
            ctx_of_key = ctx[order_idx[first]]
            ctx_keys, ctx_counts = uniq[n - 2]
            pos = np.minimum(np.searchsorted(ctx_keys, ctx_of_key), len(ctx_keys) - 1)
            ctx_count = np.where(ctx_keys[pos] == ctx_of_key, ctx_counts[pos], len(hashes))
            cost = np.log(np.maximum(ctx_count, counts)) - np.log(counts)
        uniq.append((keys, counts))
        min_count, max_entries = prune[n - 1]
        keep = np.flatnonzero(counts >= min_count)
        if len(keep) > max_entries:
            keep = keep[np.argsort(-counts[keep], kind="stable")[:max_entries]]
        small = stored_key(keys[keep])
        q = np.clip(np.round(cost[keep] / COST_STEP), 0, 255).astype(np.uint8)
        order_idx = np.argsort(small, kind="stable")
        small, q = small[order_idx], q[order_idx]
        first = np.concatenate(([True], small[1:] != small[:-1]))  # 32-bit collisions: keep one
        keys_out.append(small[first])
        costs_out.append(q[first])
    unknown = float(np.log(total) + 1.0 + BACKOFF_COST * (order - 1))
    return NgramModel(tuple(keys_out), tuple(costs_out), unknown)


def train(lang: str) -> FluencyModels:
    function_words = frozenset(stop_words(lang))
    words: list[list[str]] = []
    chars = 0
    for rel, _kind in SOURCES[lang]:
        train_docs, _ = split(CORPORA / rel)
        for doc in train_docs:
            text = " ".join(doc)
            chars += len(text)
            units = split_text(text)
            words.append(list(units.lowered))
            if chars > MAX_CHARS:
                break
    return FluencyModels(lang, train_model(words, 3, WORD_PRUNE), function_words)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langs", default=",".join(SOURCES))
    args = ap.parse_args()
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    for lang in args.langs.split(","):
        t = time.perf_counter()
        models = train(lang)
        path = MODEL_DIR / f"{lang}.npz"
        models.save(path)
        sizes = [len(k) for k in models.words.keys]
        print(f"{lang}: {path.stat().st_size / 1e6:.2f} MB, entries {sizes}, {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
