"""Version 1 of annotate.machine_translation: word-frequency and lexical-diversity signals, `mt.score`.

Kept so that configs naming `annotate.machine_translation@1` keep their behaviour; version 2
(machine_translation.py) is the calibrated detector of issue 12.

No model is trained or shipped: every signal is computed from the text and wordfreq's
frequency lists, and `mt.score` combines them with fixed signs chosen from what is known of
translationese (translations, and MT most of all, use more frequent words, fewer rare
words and less varied vocabulary than text originally written in the language; Toral 2019,
"Post-editese: an exacerbated translationese"; Vanmassenhove et al. 2019, "Lost in
Translation: Loss and Decay of Linguistic Richness in MT"). The measured AUC on WMT22
(bench/mt_signals.py) is in docs/quality.md: it is weak, so no filter uses `mt.score` by
default.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from tamis.annotate.text_units import split_text
from tamis.document import Document
from tamis.steps import Annotate, register
from tamis.text.lexicon import zipf_table

_SENTENCE_END = re.compile(r"[.!?…。！？؟।]+(?:\s+|$)")
#: words looked at per document: signals settle within a few hundred words (the type-token
#: ratio uses the first 200), and the lookups are this step's cost.
MAX_WORDS = 300

#: per-language reference values of the features on human text, for centring: medians of
#: human_original pseudo-documents (bench/mt_signals.py). Other languages use "all".
#: (mean zipf frequency, rare-word rate, type-token ratio over the first 200 words, commas per word)
REFERENCE = {
    "all": (5.3, 0.12, 0.68, 0.067),
}
# weights: sign = the direction of translationese; size = 1/spread of the feature over WMT22
# pseudo-documents, so both scored features weigh the same. Scored: lexical diversity (lower on
# MT) and commas per word (higher on MT: translations spell out clause structure), the two
# features whose direction held in de, ru and uk, against original text and against human
# translations (bench/mt_signals.py, docs/quality.md). Word frequency and rare-word rate flipped
# between languages; they are stored as signals, not scored.
WEIGHTS = (0.0, 0.0, -1.0 / 0.075, 1.0 / 0.034)


#: words rarer than this Zipf frequency (one in a million words) count as "rare"; only words
#: at least this frequent are kept in memory (wordfreq's small list: about 30-60k per language instead of wordfreq's
#: 600k-entry dictionary), so rarer words enter `mt.mean_zipf` at this floor value.
RARE_ZIPF = 3.0


def mt_features(text: str, lang: str) -> dict[str, float]:
    """Frequency and diversity features of the first MAX_WORDS words (empty when not measurable).

    Uses the words `annotate.quality` already split (`split_text` is a small pure cache), so
    this step does not tokenise again.
    """
    table = zipf_table(lang, "small")  # exactly the words of Zipf >= RARE_ZIPF
    if table is None:
        return {}
    u = split_text(text)
    if len(u.words) < 20:
        return {}
    words = u.lowered[:MAX_WORDS]
    # one lookup per word (the table lookups are this step's main cost): None marks a rare word
    zipfs = list(map(table.get, words))
    rare = zipfs.count(None)
    head = words[:200]
    # sentence lengths in characters (one C-level split): their spread measures uniformity
    lengths = [n for n in map(len, _SENTENCE_END.split(u.text[: MAX_WORDS * 8])) if n > 1]
    mean_len = sum(lengths) / len(lengths) if lengths else 0.0
    sd_len = math.sqrt(sum((n - mean_len) ** 2 for n in lengths) / len(lengths)) if lengths else 0.0
    return {
        # rare words at the floor value, summed in text order (the same float as before)
        "mt.mean_zipf": sum([RARE_ZIPF if z is None else z for z in zipfs]) / len(words),
        "mt.comma_rate": u.text.count(",") / len(u.words),
        "mt.rare_word_rate": rare / len(words),
        "mt.type_token_ratio": len(set(head)) / len(head),
        "mt.sentence_length_cv": sd_len / mean_len if mean_len else 0.0,
    }


def mt_score(features: dict[str, float], lang: str) -> float:
    """Combine the features into a score in [0, 1] (higher: reads more like MT)."""
    ref = REFERENCE.get(lang, REFERENCE["all"])
    values = (
        features["mt.mean_zipf"],
        features["mt.rare_word_rate"],
        features["mt.type_token_ratio"],
        features["mt.comma_rate"],
    )
    z = sum(w * (v - r) for w, v, r in zip(WEIGHTS, values, ref, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


@register("annotate.machine_translation", version=1)
@dataclass(frozen=True)
class MeasureMachineTranslation(Annotate):
    """Measure word-frequency and lexical-diversity signals of machine translation, and an `mt.score`."""

    rules = {}
    requires = ("language",)
    provides = (
        "mt.mean_zipf", "mt.rare_word_rate", "mt.type_token_ratio",
        "mt.sentence_length_cv", "mt.comma_rate", "mt.score",
    )  # fmt: skip

    def measure(self, doc: Document) -> dict[str, Any]:
        features = mt_features(doc.text, doc.language)
        if not features:
            return {}  # too short or a language without a frequency list: nothing to say
        return {
            **{k: round(v, 4) for k, v in features.items()},
            "mt.score": round(mt_score(features, doc.language), 4),
        }
