"""MinHash signatures and LSH band keys, vectorised over a batch of documents.

Everything here is integer arithmetic on uint64 with wraparound, so the NumPy (CPU) and
CuPy (GPU) kernels give bit-identical results for the same seed:

1. tokens: maximal runs of word characters (`\\w`); a character of a script written without
   spaces (CJK, kana, Thai, Lao, Khmer, Myanmar, Tibetan) is a token on its own, so Chinese
   or Thai text gets character shingles while Latin words in it stay words;
2. token hash: polynomial hash of the code points mod 2**64, computed for all tokens of a
   batch at once from prefix sums (odd base, so its powers are invertible mod 2**64), then
   mixed by the murmur3 finaliser;
3. shingle hash: the `n` consecutive token hashes of a shingle, each times its own odd constant,
   summed and mixed again (documents shorter than `n` tokens get one shingle of all tokens);
4. permutation k: `(a_k * x + b_k) mod 2**64 >> 32` (multiply-add-shift universal hashing,
   `a_k` odd), min over the document's shingles -> one uint32 per permutation;
5. band key b: the band's `rows` values folded with multiply-xorshift into one uint64.

The per-token Python loop this replaces (regex split + xxhash per word) took about 2.0 s per
10k documents of 2.8k characters; the vectorised version is several times faster (bench/dedup.py).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from tamis.native import kernel
from tamis.text.chars import code_point_table

_U64 = np.uint64
_BASE = _U64(0x100000001B3)  # FNV prime: odd, so invertible mod 2**64
_BASE_INV = _U64(pow(0x100000001B3, -1, 1 << 64))
_M1 = _U64(0xFF51AFD7ED558CCD)
_M2 = _U64(0xC4CEB9FE1A85EC53)
_GOLD = _U64(0x9E3779B97F4A7C15)

#: code point ranges of scripts written without spaces between words
SPACELESS_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B-G
)


@functools.cache
def char_classes() -> np.ndarray:
    """uint8 per code point: 0 = not a word character, 1 = word character, 2 = spaceless-script character."""
    import regex

    table = code_point_table([(regex.compile(r"\w"), 1)])
    for lo, hi in SPACELESS_RANGES:
        seg = table[lo : hi + 1]
        seg[seg == 1] = 2
    table.setflags(write=False)
    return table


def fmix64(x: Any, xp: Any = np) -> Any:
    """murmur3's 64-bit finaliser: spreads every input bit over the whole word."""
    x = x ^ (x >> _U64(33))
    x = x * _M1
    x = x ^ (x >> _U64(33))
    x = x * _M2
    return x ^ (x >> _U64(33))


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The `(a, b)` coefficients of the universal hashes; `a` odd. Same seed, same permutations."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, np.iinfo(np.uint64).max, size=num_perm, dtype=np.uint64, endpoint=True) | _U64(1)
    b = rng.integers(0, np.iinfo(np.uint64).max, size=num_perm, dtype=np.uint64, endpoint=True)
    return a, b


def _shingle_constants(n: int) -> np.ndarray:
    rng = np.random.default_rng(0x5EED)
    return rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True) | _U64(1)


def shingle_hashes(texts: Sequence[str], n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the token n-gram shingles of each (already normalised) text.

    Returns `(hashes, offsets)`: document i owns `hashes[offsets[i]:offsets[i+1]]`.
    A text with no word character has no shingle.
    """
    sep = "\x00"  # not a word character: keeps tokens from running across documents
    joined = sep.join(texts) + sep
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    doc_start = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=doc_start[1:])

    cls = char_classes()[cps]
    word = cls > 0
    prev_word = np.concatenate(([False], word[:-1]))
    prev_cls = np.concatenate(([0], cls[:-1]))
    is_start = word & (~prev_word | (cls == 2) | (prev_cls == 2))
    starts = np.flatnonzero(is_start)
    # a token ends where the next character is not a word character or starts a token of its own
    next_word = np.append(word[1:], False)
    next_start = np.append(is_start[1:], False)
    ends = np.flatnonzero(word & (~next_word | next_start)) + 1

    # polynomial token hashes from prefix sums: sum_k c_k B^k over [s, e), times B^-s
    pows = np.empty(len(cps) + 1, dtype=np.uint64)
    pows[0] = 1
    pows[1:] = _BASE
    np.cumprod(pows, out=pows)
    inv = np.empty(len(cps) + 1, dtype=np.uint64)
    inv[0] = 1
    inv[1:] = _BASE_INV
    np.cumprod(inv, out=inv)
    prefix = np.zeros(len(cps) + 1, dtype=np.uint64)
    np.cumsum(cps.astype(np.uint64) * pows[:-1], out=prefix[1:])
    tok = fmix64((prefix[ends] - prefix[starts]) * inv[starts] + (ends - starts).astype(np.uint64))

    tok_doc = np.searchsorted(doc_start, starts, side="right") - 1
    tok_off = np.searchsorted(tok_doc, np.arange(len(texts) + 1), side="left")
    ntok = np.diff(tok_off)

    consts = _shingle_constants(n)
    # full shingles: start i with i + n <= end of its document
    last_start = tok_off[1:] - n  # per doc, the last valid start (exclusive bound is +1)
    valid = np.arange(len(tok)) <= np.repeat(last_start, ntok) if len(tok) else np.zeros(0, bool)
    idx = np.flatnonzero(valid)
    acc = np.zeros(len(idx), dtype=np.uint64)
    for j in range(n):
        acc += tok[idx + j] * consts[j]
    sh_doc = tok_doc[idx]
    # short documents (0 < tokens < n): one shingle of all their tokens
    short = np.flatnonzero((ntok > 0) & (ntok < n))
    if len(short):
        extra = np.zeros(len(short), dtype=np.uint64)
        for j in range(n - 1):
            has = ntok[short] > j
            extra[has] += tok[tok_off[short[has]] + j] * consts[j]
        extra += ntok[short].astype(np.uint64) * _GOLD  # keeps "a b" apart from "a b c"'s prefix
        at = np.searchsorted(sh_doc, short)  # short documents have no other shingle: insert in doc order
        acc = np.insert(acc, at, extra)
        sh_doc = np.insert(sh_doc, at, short)
    hashes = fmix64(acc)
    offsets = np.searchsorted(sh_doc, np.arange(len(texts) + 1), side="left").astype(np.int64)
    return hashes, offsets


EMPTY = np.uint32(0xFFFFFFFF)


def signatures(texts: Sequence[str], n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash signatures (len(texts) x len(a), uint32) of normalised texts on the CPU: the
    compiled kernel `tamis.native.minhash` (one pass per text, no per-character arrays: 2.3x
    faster, docs/speed.md "runner") when built, else its twin `shingle_hashes` + `signatures_cpu`;
    the two are bit-identical (tests/dedup/test_minhash_kernel.py)."""
    compiled = kernel("minhash")
    if compiled is not None and n <= 64:  # the kernel's ring of token hashes holds 64
        return compiled.signatures(list(texts), n, a, b, char_classes(), _shingle_constants(n))
    return signatures_cpu(*shingle_hashes(texts, n), a, b)


def signatures_cpu(
    hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray, max_shingles: int = 1 << 18
) -> np.ndarray:
    """MinHash signatures (docs x num_perm, uint32); a document without shingles gets all 0xFFFFFFFF.

    One permutation at a time over groups of whole documents holding at most `max_shingles`
    shingles (2 MiB of uint64: the working array stays in cache). That is about 12x faster than
    one (shingles x permutations) matrix per batch, which streams through memory four times.
    """
    n_docs = len(offsets) - 1
    out = np.full((n_docs, len(a)), EMPTY, dtype=np.uint32)
    nonempty = np.flatnonzero(np.diff(offsets) > 0)
    little = sys.byteorder == "little"
    first = 0
    while first < len(nonempty):
        lo = offsets[nonempty[first]]
        last = max(first, int(np.searchsorted(offsets[nonempty + 1], lo + max_shingles, side="right")) - 1)
        docs = nonempty[first : last + 1]
        chunk = hashes[lo : offsets[docs[-1] + 1]]
        starts = offsets[docs] - lo
        tmp = np.empty(len(chunk), dtype=np.uint64)
        for k in range(len(a)):
            np.multiply(chunk, a[k], out=tmp)
            tmp += b[k]
            # the high 32 bits: on little-endian machines the odd uint32 halves, read without a shift
            high = tmp.view(np.uint32)[1::2] if little else (tmp >> _U64(32)).astype(np.uint32)
            out[docs, k] = np.minimum.reduceat(high, starts)
        first = last + 1
    return out


_GPU_KERNEL = r"""
extern "C" __global__ void minhash(const unsigned long long* h, const long long* doc, long long m,
                                   const unsigned long long* a, const unsigned long long* b, int k,
                                   unsigned int* out) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= m * k) return;
    long long s = i / k; int p = (int)(i % k);
    unsigned long long v = (a[p] * h[s] + b[p]) >> 32;
    atomicMin(out + doc[s] * k + p, (unsigned int)v);
}
"""


@functools.cache
def gpu_available() -> bool:
    """Whether CuPy imports and sees a CUDA device (install the `gpu` extra to get it)."""
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no cupy, no driver, no device: all mean "use the CPU"
        return False


def signatures_gpu(hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The same signatures as `signatures_cpu`, computed with CuPy (uint64 wraparound is the same in CUDA)."""
    import cupy as cp

    kernel = _gpu_kernel()
    n_docs, k = len(offsets) - 1, len(a)
    out = cp.full((n_docs, k), int(EMPTY), dtype=cp.uint32)
    m = len(hashes)
    if m:
        doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(offsets))
        threads = 256
        blocks = (m * k + threads - 1) // threads
        kernel(
            (blocks,),
            (threads,),
            (
                cp.asarray(hashes),
                cp.asarray(doc),
                np.int64(m),
                cp.asarray(a),
                cp.asarray(b),
                np.int32(k),
                out,
            ),
        )
    return cp.asnumpy(out)


@functools.cache
def _gpu_kernel() -> Any:
    import cupy as cp

    return cp.RawKernel(_GPU_KERNEL, "minhash")


def band_keys(sigs: np.ndarray, bands: int, rows: int, xp: Any = np) -> Any:
    """One uint64 key per (document, band): the band's `rows` signature values folded together."""
    n = sigs.shape[0]
    keys = xp.empty((n, bands), dtype=xp.uint64)
    for band in range(bands):
        h = xp.full(n, band + 1, dtype=xp.uint64) * _GOLD
        for col in range(band * rows, (band + 1) * rows):
            h = (h ^ sigs[:, col].astype(xp.uint64)) * _M1
            h ^= h >> _U64(29)
        keys[:, band] = fmix64(h, xp)
    return keys


def reference_signature(text: str, n: int, a: Sequence[int], b: Sequence[int]) -> list[int]:
    """Slow pure-Python MinHash of one normalised text, written from the definitions above (for tests)."""
    table = char_classes()
    mask = (1 << 64) - 1
    tokens: list[str] = []
    cur = ""
    for ch in text:
        c = int(table[ord(ch)])
        if c == 0:
            if cur:
                tokens.append(cur)
            cur = ""
        elif c == 2 or (cur and int(table[ord(cur[-1])]) == 2):
            if cur:
                tokens.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        tokens.append(cur)

    def mix(x: int) -> int:
        x ^= x >> 33
        x = (x * 0xFF51AFD7ED558CCD) & mask
        x ^= x >> 33
        x = (x * 0xC4CEB9FE1A85EC53) & mask
        return x ^ (x >> 33)

    def token_hash(t: str) -> int:
        return mix((sum(ord(c) * pow(0x100000001B3, i, 1 << 64) for i, c in enumerate(t)) + len(t)) & mask)

    consts = [int(c) for c in _shingle_constants(n)]
    th = [token_hash(t) for t in tokens]
    if not th:
        return [0xFFFFFFFF] * len(a)
    if len(th) < n:
        shingles = [
            mix((sum(h * c for h, c in zip(th, consts, strict=False)) + len(th) * 0x9E3779B97F4A7C15) & mask)
        ]
    else:
        shingles = [mix(sum(th[i + j] * consts[j] for j in range(n)) & mask) for i in range(len(th) - n + 1)]
    return [min(((ai * s + bi) & mask) >> 32 for s in shingles) for ai, bi in zip(a, b, strict=True)]
