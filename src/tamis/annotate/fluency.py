"""Per-language fluency models: how surprising each word of a text is, word by word.

A word 3-gram stupid-backoff model per language (Brants et al. 2007, "Large Language Models
in Machine Translation", §4: a backed-off relative frequency, 0.4 per step back, no
normalisation) over lower-cased words (the `lowered` words of `split_text`), trained by
`bench/mt_train.py` from permissively licensed text only.

A class 5-gram model (function words kept, other words as shapes "Aa", "a", "0") was tried
as well, as in issue 12's prototype: on WMT22 it changed the document AUC by -0.01 to +0.01
and cost a quarter of the step's time, so it is not shipped (docs/quality.md).

Machine translation reads *smoother* than human text (lower mean surprisal, fewer surprises;
issue 12), which the aggregate features of `annotate.machine_translation` pick up.

A model is a sorted array of 32-bit n-gram keys per order with a quantised cost (negative log
probability in nats, 1/16 nats a step) beside each: a lookup is one `searchsorted` per order
over all positions of a document at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import numpy as np
import xxhash

from tamis.derived import cached_array

#: cost of one step back to a shorter context: -ln(0.4) (Brants et al. 2007)
BACKOFF_COST = float(-np.log(0.4))
#: quantisation step of stored costs, in nats
COST_STEP = 1.0 / 16
_MIX = np.uint64(0x9E3779B97F4A7C15)
_ORDER_SALT = np.uint64(0xC2B2AE3D27D4EB4F)
_SHIFT_29 = np.uint64(29)
#: the hash of the padding before a text's first token (an int, and as numpy's uint64)
BOS_HASH = xxhash.xxh64_intdigest(b"<s>")
_BOS = np.uint64(BOS_HASH)


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """A stable 64-bit hash per token (xxh64; Python's `hash` changes from process to process)."""
    return np.fromiter(
        map(xxhash.xxh64_intdigest, map(str.encode, tokens)), dtype=np.uint64, count=len(tokens)
    )


def ngram_keys(hashes: np.ndarray, order: int) -> np.ndarray:
    """The 64-bit key of the n-gram ending at each position (padded with <s> before the start).

    >>> h = token_hashes(["a", "b", "c"])
    >>> k = ngram_keys(h, 2)
    >>> len(k), int(k[2]) == int(ngram_keys(token_hashes(["x", "b", "c"]), 2)[2])
    (3, True)
    """
    padded = np.concatenate((_bos_padding(order - 1), hashes))
    n = len(hashes)
    key = padded[order - 1 :].copy()
    with np.errstate(over="ignore"):
        for j in range(1, order):
            key = key * _MIX + padded[order - 1 - j : order - 1 - j + n]
            key ^= key >> np.uint64(29)
        key ^= _ORDER_SALT * np.uint64(order)
        key *= _MIX
        key ^= key >> np.uint64(32)
    return key


def ngram_keys_all(hashes: np.ndarray, max_order: int) -> np.ndarray:
    """`ngram_keys(hashes, n)` for n = 1..max_order, as rows of one array (one pass).

    >>> h = token_hashes(["a", "b", "c", "d"])
    >>> bool((ngram_keys_all(h, 3)[2] == ngram_keys(h, 3)).all())
    True
    """
    out = _mixed_keys(hashes, max_order)
    out ^= out >> np.uint64(32)
    return out


def stored_keys_all(hashes: np.ndarray, max_order: int) -> np.ndarray:
    """`stored_key(ngram_keys_all(hashes, max_order))` in fewer operations: the final mix's
    `key ^= key >> 32` leaves the top 32 bits, the stored ones, as they are, so it is skipped.

    >>> h = token_hashes(["a", "b", "c", "d"])
    >>> bool((stored_keys_all(h, 3) == stored_key(ngram_keys_all(h, 3))).all())
    True
    """
    return (_mixed_keys(hashes, max_order) >> np.uint64(32)).astype(np.uint32)


def _mixed_keys(hashes: np.ndarray, max_order: int) -> np.ndarray:
    """The keys of `ngram_keys_all` before their last step (`key ^= key >> 32`): the chained
    keys built row by row, then every row salted with its order and mixed at once.

    No `np.errstate` here (unlike `ngram_keys`): array arithmetic wraps around without a
    warning (only numpy scalars warn), and entering it costs ~3 us a document."""
    padded = np.concatenate((_bos_padding(max_order - 1), hashes))
    n = len(hashes)
    out = np.empty((max_order, n), dtype=np.uint64)
    key = out[0]
    key[:] = hashes
    for j in range(1, max_order):
        key = out[j]
        np.multiply(out[j - 1], _MIX, out=key)
        key += padded[max_order - 1 - j : max_order - 1 - j + n]
        key ^= key >> _SHIFT_29
    out ^= _order_salts(max_order)
    out *= _MIX
    return out


@cache
def _bos_padding(length: int) -> np.ndarray:
    """`length` <s> hashes (kept: `np.full` is a Python function, called for every document)."""
    padding = np.full(length, _BOS, dtype=np.uint64)
    padding.flags.writeable = False
    return padding


@cache
def _order_salts(max_order: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (_ORDER_SALT * np.arange(1, max_order + 1, dtype=np.uint64))[:, None]


def stored_key(keys64: np.ndarray) -> np.ndarray:
    """The 32 bits of a key that a model stores (collisions cost a few wrong hits in a million)."""
    return (keys64 >> np.uint64(32)).astype(np.uint32)


@dataclass(frozen=True)
class NgramModel:
    """A stupid-backoff n-gram model: per order, sorted stored keys and their costs (nats * 16)."""

    keys: tuple[np.ndarray, ...]  # keys[n - 1]: the stored keys of order n, sorted
    costs: tuple[np.ndarray, ...]  # costs[n - 1]: uint8 quantised -ln P(w | context)
    unknown_cost: float  # cost of a token the unigram table does not hold

    @property
    def order(self) -> int:
        return len(self.keys)

    def surprisal(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per token: its cost in nats, and the order of the longest n-gram found (0: unknown).

        All orders are looked up at once in the model's hash table (`table`): a gather, not a
        search, which is what keeps this step cheap beside the quality signals. The longest
        order found wins (a longer n-gram found overrides a shorter one, even one missing by a
        hash collision); its cost plus the backoff is one gather from `_cost_of`.
        """
        found = self.table.longest_hits(stored_keys_all(hashes, self.order), self._order_bits)
        return self._cost_of[found], found >> 8

    @cached_property
    def _order_bits(self) -> np.ndarray:
        """Each order in the high byte of a 16-bit value, one row an order (see `longest_hits`)."""
        return (np.arange(1, self.order + 1, dtype=np.uint16) << 8)[:, None]

    @cached_property
    def _cost_of(self) -> np.ndarray:
        """The cost in nats of a hit coded `order << 8 | quantised cost`: the quantised cost
        plus the backoff of its order (Brants et al.), `unknown_cost` below 256 (no order)."""
        step = np.arange(256, dtype=np.uint16) * COST_STEP
        backoff = [BACKOFF_COST * (self.order - order) for order in range(1, self.order + 1)]
        return np.concatenate([np.full(256, self.unknown_cost), *(step + b for b in backoff)])

    @cached_property
    def table(self) -> HashTable:
        """Every order's keys (they carry their order's salt) in one hash table, built at first use
        and kept on disk (tamis.derived: building the six languages' tables costs ~0.3 s of CPU a
        process; the stored one is memory-mapped), keyed by the model's arrays and this module."""
        keys, costs = np.concatenate(self.keys), np.concatenate(self.costs)
        inputs = [keys.tobytes(), costs.tobytes(), Path(__file__).read_bytes()]
        cells = cached_array("fluency-table", inputs, lambda: HashTable.build(keys, costs).cells)
        return HashTable(cells, np.uint32(len(cells) - 1))

    @cached_property
    def kernel_tables(self) -> tuple[np.ndarray, int, np.ndarray]:
        """What the compiled twin of the probe (`tamis.native.fluency`) reads: the hash table's
        cells (a plain array), its mask, and `_cost_of`."""
        return self.table._cells, int(self.table.mask), self._cost_of

    def unigram_costs(self, words: Sequence[str]) -> np.ndarray:
        """-ln P(word) of each word alone (the unknown cost where absent)."""
        hit, costs = self.table.lookup(stored_key(ngram_keys(token_hashes(words), 1)))
        return np.where(hit, costs * COST_STEP, self.unknown_cost)


@dataclass(frozen=True)
class HashTable:
    """Open addressing with two probes: slot = key's low bits, then its neighbour in the same
    pair of cells (slot ^ 1: one cache line, no wrap-around); a 16-bit cell holds an 8-bit
    fingerprint of the key (its top bits, never 0) and the 8-bit cost.

    A sorted-array search costs ~20 cache misses a key; this costs one (both cells share a
    cache line). An absent n-gram matches a fingerprint by chance in about 0.4% of lookups
    (two cells, half full, 1/255), and an entry that finds both its cells taken is dropped
    (4-8% of a language's entries, the rarest first; as many with the neighbour at slot + 1).
    """

    cells: np.ndarray  # uint16
    mask: np.uint32

    @staticmethod
    def build(keys: np.ndarray, costs: np.ndarray) -> HashTable:
        size = 1 << max(10, int(2 * len(keys)).bit_length())
        mask = np.uint32(size - 1)
        cells = np.zeros(size, dtype=np.uint16)
        value = (HashTable.fingerprint(keys).astype(np.uint16) << 8) | costs.astype(np.uint16)
        slot = keys & mask
        pending = np.lexsort((costs, slot))  # per slot, the most probable entry first
        for probe in range(2):
            where = slot[pending] ^ np.uint32(probe)
            free = cells[where] == 0
            where, cand = where[free], pending[free]
            first = np.unique(where, return_index=True)[1]
            cells[where[first]] = value[cand[first]]
            placed = np.zeros(len(keys), dtype=bool)
            placed[cand[first]] = True
            pending = pending[~placed[pending]]
        return HashTable(cells, mask)

    @staticmethod
    def fingerprint(keys: np.ndarray) -> np.ndarray:
        fp = (keys >> np.uint32(24)).astype(np.uint8)
        return np.where(fp == 0, np.uint8(1), fp)

    @cached_property
    def _cells(self) -> np.ndarray:
        """The cells as a plain array: indexing a np.memmap goes through its Python __getitem__."""
        return self.cells.view(np.ndarray)

    def _probe(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per key: whether its first cell holds it, whether either does, and the cell that does."""
        # the fingerprint as `fingerprint` makes it (0 becomes 1), kept 32-bit: one pass fewer
        fp = np.maximum(keys >> np.uint32(24), np.uint32(1))
        slot = keys & self.mask
        first = self._cells[slot]
        second = self._cells[slot ^ np.uint32(1)]
        in_first = (first >> 8) == fp
        hit = in_first | ((second >> 8) == fp)
        return in_first, hit, np.where(in_first, first, second)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which keys the table holds (up to chance matches), and their quantised costs."""
        _, hit, cell = self._probe(keys)
        return hit, cell & 0xFF

    def longest_hits(self, keys: np.ndarray, order_bits: np.ndarray) -> np.ndarray:
        """Per column of `keys` (one row an order, rows in increasing order): the highest order
        held and its quantised cost, as `order << 8 | cost` (0 when no order is held).

        Fewer numpy calls than `_probe` (each costs ~2 us with the caches cold, as the step
        finds them between documents): a cell XOR the key's fingerprint in its high byte is
        under 256 exactly when the fingerprints match, and then it is the cost (the first cell
        first, as `lookup` reads them).
        """
        slot = keys & self.mask
        wanted = np.maximum(keys >> np.uint32(24), np.uint32(1)) << np.uint32(8)
        first = self._cells[slot] ^ wanted
        found = np.where(first < 256, first, self._cells[slot ^ np.uint32(1)] ^ wanted)
        return np.where(found < 256, found | order_bits, 0).max(axis=0)


@dataclass(frozen=True)
class FluencyModels:
    """The word model and the function words of one language."""

    lang: str
    words: NgramModel
    #: stored in the model files; no fluency feature reads them since 7 Dec (the function-word
    #: share left the features: docs/quality.md, "Speed")
    function_words: frozenset[str]

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "function_words": np.array(sorted(self.function_words)),
            "unknown": np.array([self.words.unknown_cost]),
        }
        for n, (k, c) in enumerate(zip(self.words.keys, self.words.costs, strict=True), start=1):
            arrays[f"w{n}_keys"], arrays[f"w{n}_costs"] = k, c
        np.savez_compressed(path, **arrays)

    @staticmethod
    def load(path: Path | str, lang: str) -> FluencyModels:
        with np.load(path) as z:
            orders = sorted(
                int(k[1:].split("_")[0]) for k in z.files if k.startswith("w") and k.endswith("_keys")
            )
            words = NgramModel(
                tuple(z[f"w{n}_keys"] for n in orders),
                tuple(z[f"w{n}_costs"] for n in orders),
                float(z["unknown"][0]),
            )
            return FluencyModels(lang, words, frozenset(str(w) for w in z["function_words"]))


@cache
def shipped_languages() -> tuple[str, ...]:
    """Languages with a fluency model in the package."""
    folder = resources.files("tamis").joinpath("data/mt")
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name.removesuffix(".npz") for p in folder.iterdir() if p.name.endswith(".npz")))


def load_shipped(lang: str) -> FluencyModels | None:
    """The shipped models of `lang` (None when tamis has none)."""
    path = resources.files("tamis").joinpath(f"data/mt/{lang}.npz")
    if not path.is_file():
        return None
    with resources.as_file(path) as p:
        return FluencyModels.load(p, lang)
