# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""MinHash signatures of normalised texts in one pass per text: tokens, token hashes, shingle
hashes and the minimum over the permutations, with no per-character arrays.

The compiled twin of `tamis.dedup.minhash.shingle_hashes` followed by `signatures_cpu` (the
definitions are in that module's docstring); tests/dedup/test_minhash_kernel.py holds the two
bit-identical. All arithmetic is on uint64 with wraparound, as NumPy's.
"""

import numpy as np

from libc.stdint cimport uint8_t, uint32_t, uint64_t

cdef uint64_t _BASE = 0x100000001B3ULL
cdef uint64_t _M1 = 0xFF51AFD7ED558CCDULL
cdef uint64_t _M2 = 0xC4CEB9FE1A85EC53ULL
cdef uint64_t _GOLD = 0x9E3779B97F4A7C15ULL
# shingles of at most this many tokens (the stage's default is 5)
DEF MAX_N = 64


cdef inline uint64_t fmix64(uint64_t x) noexcept nogil:
    x ^= x >> 33
    x *= _M1
    x ^= x >> 33
    x *= _M2
    return x ^ (x >> 33)


cdef inline void _take(uint64_t h, const uint64_t* a, const uint64_t* b, uint32_t* row,
                       Py_ssize_t k) noexcept nogil:
    """Lower the signature `row` with one shingle hash `h` under each of the `k` permutations."""
    cdef Py_ssize_t p
    cdef uint32_t v
    for p in range(k):
        v = <uint32_t>((a[p] * h + b[p]) >> 32)
        if v < row[p]:
            row[p] = v


def signatures(list texts, int n, const uint64_t[::1] a, const uint64_t[::1] b,
               const uint8_t[::1] classes, const uint64_t[::1] consts):
    """(len(texts) x len(a)) uint32 MinHash signatures; `classes` is `minhash.char_classes()`
    (0 not a word character, 1 word character, 2 a character of a spaceless script) and
    `consts` the `n` shingle constants. A text with no word character gets all 0xFFFFFFFF."""
    if n < 1 or n > MAX_N:
        raise ValueError(f"shingle size {n} outside 1..{MAX_N}")
    if len(consts) < n or len(a) != len(b):
        raise ValueError("consts shorter than the shingle, or a and b of different lengths")
    cdef Py_ssize_t k = len(a)
    out_arr = np.full((len(texts), k), 0xFFFFFFFF, dtype=np.uint32)
    cdef uint32_t[:, ::1] out = out_arr
    cdef uint64_t ring[MAX_N]
    cdef Py_ssize_t d, j, ntok, last
    cdef Py_UCS4 ch
    cdef uint8_t c, prev
    cdef uint64_t h, power, acc
    cdef Py_ssize_t tlen
    cdef bint in_token
    cdef str text
    cdef Py_ssize_t ncls = len(classes)
    for d in range(len(texts)):
        text = texts[d]
        ntok = 0
        in_token = False
        prev = 0
        h = 0
        power = 1
        tlen = 0
        # one more round after the text's end (a non-word character) closes its last token
        for ch in text + "\x00":
            c = classes[ch] if <Py_ssize_t>ch < ncls else 0
            if in_token and (c == 0 or c == 2 or prev == 2):
                # the token ends here: hash it, then any shingle it completes
                ring[ntok % n] = fmix64(h + <uint64_t>tlen)
                ntok += 1
                in_token = False
                if ntok >= n:
                    acc = 0
                    for j in range(n):
                        acc += ring[(ntok - n + j) % n] * consts[j]
                    _take(fmix64(acc), &a[0], &b[0], &out[d, 0], k)
            if c != 0:
                if not in_token:
                    in_token = True
                    h = 0
                    power = 1
                    tlen = 0
                h += <uint64_t>ch * power
                power *= _BASE
                tlen += 1
            prev = c
        if 0 < ntok < n:
            # a document shorter than a shingle: one shingle of all its tokens
            acc = 0
            for j in range(ntok):
                acc += ring[j] * consts[j]
            acc += <uint64_t>ntok * _GOLD
            _take(fmix64(acc), &a[0], &b[0], &out[d, 0], k)
    return out_arr
