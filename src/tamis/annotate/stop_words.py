"""Stop words per language, for the quality signals: the most frequent words of the language.

Two lists per language:

- `gopher_stop_words(lang)`: the short list whose *distinct* members Gopher counts ("the, be,
  to, of, and, that, have, with" for English, Rae et al. 2021, §A.1.1). For other languages
  it is the 8 most frequent words: the same idea (a page of real prose uses several of them),
  in the page's own language. datatrove applies the English list to every language, which is
  why it drops good German, Russian or Kazakh pages.
- `stop_words(lang)`: the top-`TOP_N` words, for the `text.stop_word_ratio` signal.

The lists come from `tamis.text.lexicon` (wordfreq, or a language file's `[stop_words]` where
wordfreq has no list, as for Kazakh; the file says where its list came from). A language with
neither gets empty lists, and its stop-word signals are not computed (the filter then skips the
stop-word rules and says so in docs/quality.md).
"""

from __future__ import annotations

from tamis.text.lexicon import TOP_N, gopher_stop_words, stop_words, top_words

__all__ = ["TOP_N", "gopher_stop_words", "stop_words", "top_words"]
