"""Calibrated detection of machine-translated pages: `mt.probability` and the reasons behind it.

Two kinds of evidence (issue 12):

- **fluency**: a per-language word 3-gram model (`tamis.annotate.fluency`,
  trained by bench/mt_train.py on permissively licensed text only) gives every word a
  surprisal; ~20 aggregate features of a document (quantiles of surprisal, n-gram hit rates,
  comma rate, sentence-length spread, ...) are standardised per language and weighed by a
  logistic calibrator fitted on WMT22 document-level pairs (bench/mt_calibrate.py). Machine
  translation reads *smoother* than human text: lower surprisal, fewer surprises.
- **artifacts** (`tamis.annotate.mt_artifacts`): untranslated UI lines, two spellings of one
  rare name, conjunctions capitalised mid-sentence, a credit to a foreign-language outlet.
  Each adds a fixed log-odds weight (calibration.toml; a prior, not fitted: no labelled farm
  pages may be shipped or trained on).

`mt.probability` is the calibrated probability that the page is machine-translated;
`mt.reasons` lists every artifact with its span and the fluency features that weighed most.
A language without a shipped model gets the artifact checks its word data allows (a
probability from artifacts alone when one fires, `mt.status = "no_fluency_model"` when none
does) and `"unknown"` where it has no word data either: the detector does not guess. The figures are in docs/quality.md (bench/mt_farms.py).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from operator import add, itemgetter, methodcaller
from typing import Any

import numpy as np

from tamis.annotate import mt_artifacts
from tamis.annotate.fluency import FluencyModels, load_shipped, shipped_languages, token_hashes
from tamis.annotate.mt_calibration import Calibration, load_calibration, sigmoid
from tamis.annotate.text_units import split_text
from tamis.document import Document
from tamis.steps import Annotate, register

#: words measured per document: about the size of the WMT pseudo-documents the calibrator
#: is fitted on (8 segments), and the lookups are this step's cost (bench/mt_farms.py: the
#: step must stay under 20% of the annotate chain's time)
MAX_WORDS = 120
#: characters of the text searched for artifacts (farm articles are shorter; removed
#: boilerplate lines are searched whatever the length)
MAX_ARTIFACT_CHARS = 6_000
#: a document with fewer words gets no fluency features (too few to aggregate)
MIN_WORDS = 40
#: lines an earlier step removed as boilerplate are searched for untranslated UI too:
#: "Leave a Reply" is exactly what repair.boilerplate_lines takes out
_REMOVED_LINE_STEPS = ("repair.boilerplate_lines", "dedup.repeated_lines")
_SENTENCE_END_CODE = dict.fromkeys((".", "!", "?", "…"), 2)
_SENTENCE_END_CHAR = re.compile("[.!?…]")
_NOT_WORD_OR_END = re.compile(r"[^\w.!?…]|_")

#: the aggregate features, in the calibrator's order
FEATURES = (
    "word_surprisal_mean", "word_surprisal_sd", "word_surprisal_q10", "word_surprisal_q25",
    "word_surprisal_q50", "word_surprisal_q75", "word_surprisal_q90", "word_trigram_hits",
    "word_unknown", "comma_rate", "sentence_words_mean", "sentence_words_cv",
    "type_token_ratio", "word_length_mean", "capitalised_share", "function_word_share",
)  # fmt: skip


def fluency_features(text: str, models: FluencyModels) -> dict[str, float]:
    """The aggregate fluency features of the first MAX_WORDS words (empty when too short).

    Uses the words and tokens `annotate.quality` already split (`split_text` is a small cache).
    """
    units = split_text(text)
    words = units.lowered[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return {}
    cost, found = models.words.surprisal(token_hashes(words))
    tokens = units.tokens[: int(MAX_WORDS * 1.3)]
    ordered = np.sort(cost)
    ranked = ordered.tolist()
    n_ranked = len(ranked)
    mean = sum(ranked) / n_ranked  # Python's left-to-right sum, as the calibrator was fitted
    deviation = ordered - mean
    sd = math.sqrt(sum((deviation * deviation).tolist()) / n_ranked)
    last = len(ranked) - 1
    q10, q25, q50, q75, q90 = (ranked[int(q * last)] for q in (0.1, 0.25, 0.5, 0.75, 0.9))
    word_orders = np.bincount(found, minlength=4).tolist()
    sent, n_words = sentence_word_counts(tokens)
    if not len(sent):
        sent = [len(words)]
    sent_mean = sum(sent) / len(sent)
    sent_sd = math.sqrt(sum((n - sent_mean) ** 2 for n in sent) / len(sent))
    head = words[:200]
    return {
        "word_surprisal_mean": mean,
        "word_surprisal_sd": sd,
        "word_surprisal_q10": q10,
        "word_surprisal_q25": q25,
        "word_surprisal_q50": q50,
        "word_surprisal_q75": q75,
        "word_surprisal_q90": q90,
        "word_trigram_hits": word_orders[3] / len(words),
        "word_unknown": word_orders[0] / len(words),
        "comma_rate": tokens.count(",") / max(n_words, 1),
        "sentence_words_mean": sent_mean,
        "sentence_words_cv": sent_sd / sent_mean if sent_mean else 0.0,
        "type_token_ratio": len(set(head)) / len(head),
        "word_length_mean": sum(map(len, words)) / len(words),
        "capitalised_share": sum(map(str.isupper, map(itemgetter(0), units.words[:MAX_WORDS]))) / len(words),
        "function_word_share": sum(map(models.function_words.__contains__, words)) / len(words),
    }


def sentence_word_counts(tokens: Sequence[str]) -> tuple[list[int], int]:
    """The words (tokens opening with a letter or digit) of each sentence (split at the tokens
    ".", "!", "?", "…"; sentences without a word left out), and the words in all.

    Each token stands for its first character in one string: two C-level regular-expression
    passes over it instead of a Python step per token. Only a run of dots ("...", one token)
    opens with "." without ending a sentence; a text with one takes the token-by-token way.

    >>> sentence_word_counts(["Ja", ",", "gut", ".", "1.5", "km", "!", "!"])
    ([2, 2], 4)
    >>> sentence_word_counts(["Na", "...", "so", "?", "_x"])
    ([2], 2)
    """
    heads = "".join(map(itemgetter(0), tokens))
    if heads.count(".") == tokens.count("."):
        skeleton = _NOT_WORD_OR_END.sub("", heads)  # [^\W_]: exactly str.isalnum
        sent = [n for n in map(len, _SENTENCE_END_CHAR.split(skeleton)) if n > 0]
        return sent, len(skeleton) - len(_SENTENCE_END_CHAR.findall(skeleton))
    # one byte a token: 1 a word, 2 a sentence end, 0 anything else (an end is never a word)
    is_word = bytes(map(str.isalnum, map(itemgetter(0), tokens)))
    kinds = bytes(map(add, is_word, map(_SENTENCE_END_CODE.get, tokens, repeat(0))))
    return [n for n in map(methodcaller("count", 1), kinds.split(b"\x02")) if n > 0], is_word.count(1)


@cache
def load_models(lang: str) -> FluencyModels | None:
    """The shipped fluency models of `lang` (pure loader, once per process and language)."""
    return load_shipped(lang)


@cache
def all_models() -> dict[str, FluencyModels]:
    """Every shipped language's models (pure loader, once per process)."""
    return {lang: m for lang in shipped_languages() if (m := load_models(lang)) is not None}


def find_artifacts(doc: Document, page: mt_artifacts.PageWords) -> list[mt_artifacts.Artifact]:
    """Every artifact of the document, in the text and in the boilerplate lines removed before."""
    others = all_models()
    removed = [
        e.removed.strip()
        for e in doc.edits
        if e.step in _REMOVED_LINE_STEPS and e.removed.strip() and "\n" not in e.removed.strip()
    ]
    text = doc.text[:MAX_ARTIFACT_CHARS]
    # the words annotate.quality split (split_text's small cache): the gates of the checks
    # (a word takes at least one character: the first MAX_ARTIFACT_CHARS words hold those of `text`),
    # passed as they are: each gate scans them until a gate word, cheaper than building their set
    words = split_text(doc.text).lowered[:MAX_ARTIFACT_CHARS]
    # repair.captions moves image credits out of the body ("Getty Images, Collage 24 Channel")
    in_captions = [
        dataclasses.replace(a, start=-1, end=-1, detail=f"in a caption; {a.detail}")
        for a in mt_artifacts.foreign_outlet_credits("\n".join(doc.captions), page, others)
    ]
    return [
        *mt_artifacts.foreign_ui_lines(text, page, others, removed, words),
        *mt_artifacts.name_variants(text, page, others),
        *mt_artifacts.capitalised_function_words(text, page.lang),
        *mt_artifacts.foreign_outlet_credits(text, page, others, words),
        *mt_artifacts.spaces_before_punctuation(text),
        *in_captions,
    ]


def describe_reason(reason: Mapping[str, Any]) -> str:
    """One `mt.reasons` entry in words, for `tamis explain` and the report.

    >>> describe_reason({"rule": "foreign_ui_line", "span": [-1, -1], "text": "Leave a Reply", "detail": "en words"})
    "foreign_ui_line: 'Leave a Reply' (outside the text (removed line or caption); en words)"
    >>> describe_reason({"rule": "fluency", "feature": "comma_rate", "value": 0.09, "human_median": 0.05, "log_odds": 0.8})
    'fluency: comma_rate = 0.09 (human median 0.05; +0.8 log-odds)'
    """
    if reason.get("rule") == "fluency":
        return (
            f"fluency: {reason.get('feature')} = {reason.get('value')} "
            f"(human median {reason.get('human_median')}; +{reason.get('log_odds')} log-odds)"
        )
    start, end = (reason.get("span") or [-1, -1])[:2]
    where = "outside the text (removed line or caption)" if start < 0 else f"at {start}-{end}"
    return f"{reason.get('rule')}: {reason.get('text')!r} ({where}; {reason.get('detail')})"


@register("annotate.machine_translation", version=2)
@dataclass(frozen=True)
class DetectMachineTranslation(Annotate):
    """Estimate the probability that a page is machine-translated, with the evidence for it."""

    #: fluency features listed in `mt.reasons`, those that pushed the probability up most
    top_features: int = 3

    rules = {}
    requires = ("language",)
    provides = (
        "mt.probability", "mt.fluency_probability", "mt.status", "mt.reasons", "mt.suspected", "mt.evidence",
    )  # fmt: skip

    def setup(self) -> None:
        load_calibration()
        for models in all_models().values():  # build the hash tables once per worker
            _ = models.words.table

    def measure(self, doc: Document) -> dict[str, Any]:
        lang = doc.language
        models = load_models(lang)
        calibration = load_calibration()
        if calibration is None:
            return {"mt.status": "unknown"}
        if models is None or lang not in calibration.center:
            return self._artifacts_alone(doc, calibration)
        artifacts = find_artifacts(doc, models)
        features = fluency_features(doc.text, models)
        reasons: list[dict[str, Any]] = [a.as_reason() for a in artifacts]
        out: dict[str, Any] = {"mt.evidence": ["fluency", *mt_artifacts.checks_for(lang)]}
        if features:
            z = calibration.standardised(features, lang)
            fluency = calibration.fluency_logit(z)
            out["mt.fluency_probability"] = round(sigmoid(fluency), 4)
            contributions = calibration.coef * z
            for i in np.argsort(-contributions)[: self.top_features]:
                if contributions[i] <= 0:
                    break
                name = calibration.features[i]
                reasons.append(
                    {
                        "rule": "fluency",
                        "feature": name,
                        "value": round(features[name], 4),
                        "human_median": round(float(calibration.center[lang][i]), 4),
                        "log_odds": round(float(contributions[i]), 3),
                    }
                )
        elif not artifacts:
            return {"mt.status": "too_short"}
        else:
            fluency = calibration.intercept
        out.update(_verdict(calibration, fluency, artifacts, reasons))
        out["mt.status"] = "scored" if features else "artifacts_only"
        return out

    def _artifacts_alone(self, doc: Document, calibration: Calibration) -> dict[str, Any]:
        """A language without a fluency model: the artifact checks its word data allows.

        A page with an artifact gets a probability from the artifacts alone (as a page too
        short for fluency does); a page without one gets none: absence of artifacts says
        little without the fluency model, and the detector does not guess."""
        page = mt_artifacts.wordfreq_page(doc.language)
        if page is None:
            return {"mt.status": "unknown"}  # no word data for this language: nothing applies
        evidence = list(mt_artifacts.checks_for(page.lang))
        artifacts = find_artifacts(doc, page)
        if not artifacts:
            return {"mt.status": "no_fluency_model", "mt.evidence": evidence}
        out = _verdict(calibration, calibration.intercept, artifacts, [a.as_reason() for a in artifacts])
        return {**out, "mt.status": "artifacts_only", "mt.evidence": evidence}


def _verdict(
    calibration: Calibration,
    fluency: float,
    artifacts: list[mt_artifacts.Artifact],
    reasons: list[dict[str, Any]],
) -> dict[str, Any]:
    """mt.probability, mt.suspected and mt.reasons from the fluency log-odds and the artifacts."""
    probability = calibration.page_probability(fluency, {a.rule for a in artifacts})
    return {
        "mt.probability": round(probability, 4),
        "mt.reasons": reasons,
        "mt.suspected": int(probability >= calibration.threshold),
    }
