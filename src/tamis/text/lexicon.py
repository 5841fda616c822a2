"""Word lists of a language: wordfreq's frequencies and the stop words built from them.

wordfreq ships a "small" list (words of Zipf >= 3, ~0.1 s to load) and a "best" list (down to
Zipf ~1, 1-2 s and far more memory); both come as buckets of 0.01 Zipf, bucket i holding the
words of Zipf 9 - i/100, so a table of Zipf values needs no logarithm per word.

Stop words are a language's most frequent words: wordfreq's top words, or, for a language
wordfreq lacks, the `[stop_words] top_words` of its language file (tamis/data/languages/,
which also says where such a list came from). A language file's `[stop_words] gopher` replaces
the top-8 list that Gopher's rule counts (English: Gopher's own list).
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from pathlib import Path

from tamis.derived import cached_json
from tamis.text.language_data import section

#: how many top words make the stop-word list for ratios (wordfreq's top 100 cover about
#: 40-50% of running text in de/en/fr/ru/uk; docs/quality.md)
TOP_N = 100
#: how many top words make the short list whose distinct members Gopher counts (Rae et al. 2021,
#: Appendix A.1.1, where English has "the, be, to, of, and, that, have, with")
GOPHER_N = 8


@functools.cache
def frequency_buckets(lang: str, wordlist: str = "small") -> list[list[str]] | None:
    """wordfreq's `wordlist` for `lang` as buckets (bucket i: Zipf 9 - i/100); None without one."""
    import wordfreq

    if lang not in wordfreq.available_languages(wordlist=wordlist):
        return None
    return wordfreq.get_frequency_list(lang, wordlist=wordlist)


@functools.cache
def zipf_table(lang: str, wordlist: str = "small") -> dict[str, float] | None:
    """Zipf frequency of every word of wordfreq's `wordlist` for `lang` (None without one)."""
    buckets = frequency_buckets(lang, wordlist)
    if buckets is None:
        return None
    return {word: 9.0 - i / 100 for i, bucket in enumerate(buckets) for word in bucket}


@functools.cache
def _top_words(lang: str, n: int) -> tuple[str, ...]:
    """The language's `n` most frequent words, most frequent first (empty when unknown).

    >>> top_words("en", 3), top_words("xx", 3)
    (('the', 'to', 'and'), ())
    """
    shipped = section("stop_words").get(lang, {}).get("top_words")
    if shipped is not None:
        return tuple(shipped[:n])
    import wordfreq

    if lang not in wordfreq.available_languages():
        return ()
    return tuple(
        wordfreq.top_n_list(lang, n, wordlist="small")
    )  # "small": same top words, 10x faster to load


def gopher_stop_words(lang: str) -> frozenset[str]:
    """The short list whose distinct members are counted (empty when the language has none).

    >>> sorted(gopher_stop_words("en"))[:3]
    ['and', 'be', 'have']
    >>> len(gopher_stop_words("de")), len(gopher_stop_words("xx"))
    (8, 0)
    """
    shipped = section("stop_words").get(lang, {}).get("gopher")
    return frozenset(shipped if shipped is not None else top_words(lang, GOPHER_N))


def stop_words(lang: str) -> frozenset[str]:
    """The language's `TOP_N` most frequent words (empty when unknown)."""
    return frozenset(top_words(lang, TOP_N))


@functools.cache
def top_words(lang: str, n: int) -> tuple[str, ...]:
    """`_top_words`, kept on disk (tamis.derived): importing wordfreq and loading a list costs
    ~0.12 s of CPU, more than the rest of a page's quality signals, and `tamis clean` on a
    ru/uk/kk page needs no other list."""
    shipped = repr(section("stop_words").get(lang))
    inputs = [lang, str(n), shipped, version("wordfreq"), Path(__file__).read_bytes()]
    return tuple(cached_json(f"top_words-{lang}", inputs, lambda: list(_top_words(lang, n))))
