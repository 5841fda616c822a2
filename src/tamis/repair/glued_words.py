"""Split words that extraction glued together ("insbesondereden" -> "insbesondere den").

Evidence is word frequency from `wordfreq`, per document language. A token is split only when
(1) the token itself is not a known word of the language (wordfreq lists words down to zipf ~1,
so rare valid words such as "Teilmobilmachung" are known and stay), and (2) both halves are
frequent words. In compounding languages (German, Dutch, …) two frequent nouns also make a
valid unknown compound ("Hausboot"), so there one half must be a very frequent word (an
article, preposition, pronoun) unless the case change inside the token marks the seam
("dieRegierung"). Thresholds: bench/repair_quality.py (glued words section) and docs/repair.md.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import regex

from tamis.document import Document
from tamis.steps import Repair, Repaired, register

# A run of letters not attached to digits, hyphens, apostrophes or URL/e-mail punctuation.
_TOKEN = regex.compile(
    r"(?<![\p{L}\p{M}\d_'’@/.\\-])\p{L}[\p{L}\p{M}]{4,}(?![\p{L}\p{M}\d_@/\\-]|['’.]\p{L})"
)
_CASE_SEAM = regex.compile(r"(?<=\p{Ll})(?=\p{Lu})")
#: languages that write compounds as one word: two frequent halves do not prove a glue there
COMPOUNDING = frozenset({"de", "nl", "sv", "da", "nb", "fi", "hu", "is", "el"})


@functools.cache
def lexicon(lang: str) -> dict[str, float] | None:
    """Zipf frequency of every word wordfreq knows in `lang` (None: no word list for it)."""
    import wordfreq

    if lang not in wordfreq.available_languages(wordlist="best"):
        return None
    return {w: math.log10(f) + 9.0 for w, f in wordfreq.get_frequency_dict(lang, wordlist="best").items()}


@register("repair.glued_words", version=1)
@dataclass(frozen=True)
class SplitGluedWords(Repair):
    """Split words glued by extraction when the token is unknown and both halves are frequent words."""

    min_part_zipf: float = 3.0  # each half at least this common (zipf 3 = once per million words)
    min_short_part_zipf: float = 5.0  # halves of 1-2 letters are often abbreviations: need more
    min_function_zipf: float = 5.0  # compounding languages: one half must be this frequent
    min_seam_part_zipf: float = 2.5  # a case seam ("dieRegierung") is strong evidence by itself
    rules = {
        "split_glued_pair": "two frequent words joined without a space, split (zipf evidence recorded)",
    }

    def setup(self) -> None:
        """Nothing to load eagerly: word lists load per language on first use (cached per process)."""

    def repair(self, text: str, doc: Document) -> Repaired:
        lang = doc.language.split("-")[0].lower()
        if lang in ("und", "", "zxx"):
            return Repaired(text)
        words = lexicon(lang)
        if words is None:
            return Repaired(text)
        spans: list[tuple[int, int, str, str]] = []
        evidence: list[str] = []
        for m in _TOKEN.finditer(text):
            token = m.group(0)
            lower = token.lower()
            if lower in words or token.isupper():
                continue
            found = self.best_split(token, words, lang)
            if found is None:
                continue
            i, z_left, z_right = found
            spans.append((m.start(), m.end(), f"{token[:i]} {token[i:]}", "split_glued_pair"))
            evidence.append(f"{token}: unknown; {token[:i]}={z_left:.2f} {token[i:]}={z_right:.2f}")
        if not spans:
            return Repaired(text)
        result = Repaired.from_spans(text, spans, step=self.name)
        edits = tuple(dataclasses.replace(e, evidence=ev) for e, ev in zip(result.edits, evidence, strict=True))
        return Repaired(result.text, edits)

    def best_split(self, token: str, words: dict[str, float], lang: str) -> tuple[int, float, float] | None:
        """Where to split `token` (index, zipf of each half), or None when no split is convincing.

        >>> step = SplitGluedWords()
        >>> step.best_split("insbesondereden", lexicon("de"), "de")[0]
        12
        >>> step.best_split("Ermanachow", lexicon("de"), "de") is None
        True
        """
        lower = token.lower()
        seams = {m.start() for m in _CASE_SEAM.finditer(token)}
        best: tuple[float, int, float, float] | None = None
        for i in range(1, len(token)):
            left, right = lower[:i], lower[i:]
            z_left = words.get(left)
            if z_left is None:
                continue
            z_right = words.get(right)
            if z_right is None:
                continue
            if i in seams:
                ok = min(z_left, z_right) >= self.min_seam_part_zipf
            else:
                if token[i].isupper() or (token[0].islower() and any(c.isupper() for c in token[1:])):
                    continue  # mixed case elsewhere (brand names, "iPhone"): not a plain glue
                ok = all(
                    z >= (self.min_short_part_zipf if len(part) <= 2 else self.min_part_zipf)
                    for part, z in ((left, z_left), (right, z_right))
                )
                if ok and lang in COMPOUNDING:
                    ok = max(z_left, z_right) >= self.min_function_zipf
            if ok:
                score = min(z_left, z_right) + (10.0 if i in seams else 0.0)
                if best is None or score > best[0]:
                    best = (score, i, z_left, z_right)
        return None if best is None else (best[1], best[2], best[3])
