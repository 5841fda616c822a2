"""Stop words per language: the most frequent words, from wordfreq (and a shipped list for Kazakh).

Two lists per language:

- `gopher_stop_words(lang)`: the short list whose *distinct* members Gopher counts ("the, be,
  to, of, and, that, have, with" for English, Rae et al. 2021, §A.1.1). For other languages
  it is wordfreq's 8 most frequent words: the same idea (a page of real prose uses several
  of them), in the page's own language. datatrove applies the English list to every
  language, which is why it drops good German, Russian or Kazakh pages.
- `stop_words(lang)`: the top-`TOP_N` words, for the `text.stop_word_ratio` signal.

wordfreq has no Kazakh list. `KK_TOP_WORDS` was derived for tamis from KazNERD (IS2AI/KazNERD,
commit bd4333d0f595, validation and test splits, CC BY 4.0, Yeshpanov et al. 2022): the
function words among its 150 most frequent lowercased word tokens (210,337 tokens), in
frequency order; content words (place and person names, "теңге", "президент") were left out.
A language with neither gets empty lists, and its stop-word signals are not computed (the
filter then skips the stop-word rules and says so in docs/quality.md).
"""

from __future__ import annotations

from functools import cache

#: Gopher's own English list (Rae et al. 2021, Appendix A.1.1).
GOPHER_EN = ("the", "be", "to", "of", "and", "that", "have", "with")

#: how many top words make the stop-word list for ratios (wordfreq's top 100 cover about
#: 40-50% of running text in de/en/fr/ru/uk; our bench: docs/quality.md).
TOP_N = 100

#: derived from KazNERD (CC BY 4.0): see the module docstring.
KK_TOP_WORDS = (
    "бұл", "да", "мен", "бір", "бар", "және", "осы", "ал", "де", "үшін", "ол", "қазір", "бойынша",
    "деп", "енді", "дейін", "жатыр", "болады", "біз", "сол", "керек", "оның", "жоқ", "ғана", "деген",
    "емес", "астам", "біздің", "болды", "болып", "тағы", "туралы", "өз", "бірақ", "ең", "кейін",
    "ішінде", "болған", "көп", "сондай", "сондықтан", "болса", "барлық", "арқылы", "олар", "бұрын",
    "тек", "болатын", "бастап", "осындай", "мына", "оны", "екен", "бері", "әрі", "яғни", "қатысты",
    "өте", "пен", "мүмкін", "байланысты",
)  # fmt: skip


@cache
def _top_words(lang: str, n: int) -> tuple[str, ...]:
    if lang == "kk":
        return KK_TOP_WORDS[:n]
    import wordfreq

    if lang not in wordfreq.available_languages():
        return ()
    return tuple(
        wordfreq.top_n_list(lang, n, wordlist="small")
    )  # "small": same top words, 10x faster to load


def top_words(lang: str, n: int) -> tuple[str, ...]:
    """The language's `n` most frequent words, most frequent first (empty when unknown)."""
    return _top_words(lang, n)


def gopher_stop_words(lang: str) -> frozenset[str]:
    """The short list whose distinct members are counted (empty when the language has none).

    >>> sorted(gopher_stop_words("en"))[:3]
    ['and', 'be', 'have']
    >>> len(gopher_stop_words("de")), len(gopher_stop_words("xx"))
    (8, 0)
    """
    if lang == "en":
        return frozenset(GOPHER_EN)
    return frozenset(_top_words(lang, 8))


def stop_words(lang: str) -> frozenset[str]:
    """The language's `TOP_N` most frequent words (empty when unknown)."""
    return frozenset(_top_words(lang, TOP_N))
