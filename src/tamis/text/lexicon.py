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
from collections.abc import Iterable
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
def has_word_list(lang: str, wordlist: str = "small") -> bool:
    """Whether wordfreq ships a `wordlist` for `lang` (wordfreq looks through its data folder on
    every call, so the answer is kept).

    >>> has_word_list("de"), has_word_list("xx")
    (True, False)
    """
    import wordfreq

    return lang in wordfreq.available_languages(wordlist=wordlist)


@functools.cache
def frequency_buckets(lang: str, wordlist: str = "small") -> list[list[str]] | None:
    """wordfreq's `wordlist` for `lang` as buckets (bucket i: Zipf 9 - i/100); None without one."""
    if not has_word_list(lang, wordlist):
        return None
    import wordfreq

    return wordfreq.get_frequency_list(lang, wordlist=wordlist)


def zipf_by_word(buckets: list[list[str]]) -> dict[str, float]:
    """The Zipf frequency of every word of `buckets` (bucket i: Zipf 9 - i/100), a new dict.

    >>> zipf_by_word([[], ["the"], ["of", "and"]])
    {'the': 8.99, 'of': 8.98, 'and': 8.98}
    """
    return {word: 9.0 - i / 100 for i, bucket in enumerate(buckets) for word in bucket}


@functools.cache
def zipf_table(lang: str, wordlist: str = "small") -> dict[str, float] | None:
    """Zipf frequency of every word of wordfreq's `wordlist` for `lang` (None without one).

    Shared by every caller: read it, never change it.
    """
    buckets = frequency_buckets(lang, wordlist)
    if buckets is None:
        return None
    return zipf_by_word(buckets)


def word_frequencies(words: Iterable[str], lang: str, wordlist: str = "small") -> list[float]:
    """wordfreq's frequency of each of `words` in `lang` (0.0 for a word it does not list); its
    `word_frequency`, which tokenises the word first and rounds digits as its lists do."""
    import wordfreq

    return [wordfreq.word_frequency(w, lang, wordlist=wordlist) for w in words]


@functools.cache
def _top_words(lang: str, n: int) -> tuple[str, ...]:
    """The language's `n` most frequent words, most frequent first (empty when unknown).

    >>> top_words("en", 3), top_words("xx", 3)
    (('the', 'to', 'and'), ())
    """
    shipped = section("stop_words").get(lang, {}).get("top_words")
    if shipped is not None:
        return tuple(shipped[:n])
    if not has_word_list(lang, "best"):
        return ()
    import wordfreq

    return tuple(
        wordfreq.top_n_list(lang, n, wordlist="small")
    )  # "small": same top words, 10x faster to load


def gopher_stop_words(lang: str) -> frozenset[str]:
    """The short list whose distinct members Gopher's rule counts (empty when the language has
    none): a page of real prose uses several of them, in its own language (datatrove applies the
    English list to every language, which is why it drops good German, Russian or Kazakh pages).

    >>> sorted(gopher_stop_words("en"))[:3]
    ['and', 'be', 'have']
    >>> len(gopher_stop_words("de")), len(gopher_stop_words("xx"))
    (8, 0)
    """
    shipped = section("stop_words").get(lang, {}).get("gopher")
    return frozenset(shipped if shipped is not None else top_words(lang, GOPHER_N))


def stop_words(lang: str) -> frozenset[str]:
    """The language's `TOP_N` most frequent words, for `text.stop_word_ratio` (empty when
    unknown: the stop-word signals are then not computed, and the filter skips their rules)."""
    return frozenset(top_words(lang, TOP_N))


@functools.cache
def top_words(lang: str, n: int) -> tuple[str, ...]:
    """`_top_words`, kept on disk (tamis.derived): importing wordfreq and loading a list costs
    ~0.12 s of CPU, more than the rest of a page's quality signals, and `tamis clean` on a
    ru/uk/kk page needs no other list."""
    shipped = repr(section("stop_words").get(lang))
    inputs = [lang, str(n), shipped, version("wordfreq"), Path(__file__).read_bytes()]
    return tuple(cached_json(f"top_words-{lang}", inputs, lambda: list(_top_words(lang, n))))
