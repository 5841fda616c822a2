"""Calibrated detection of machine-translated pages: `mt.probability` and the reasons behind it.

Two kinds of evidence (issue 12):

- **fluency**: a per-language word 3-gram model (`tamis.annotate.fluency`,
  trained by bench/mt_train.py on permissively licensed text only) gives every word a
  surprisal; 9 aggregate features of a document (surprisal mean and spread, n-gram hit rates,
  comma rate, sentence length, ...) are standardised per language and weighed by a
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
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from operator import itemgetter, mul
from typing import Any

from tamis.annotate import mt_artifacts
from tamis.annotate.fluency import BOS_HASH, FluencyModels, load_shipped, shipped_languages, token_hashes
from tamis.annotate.mt_calibration import Calibration, load_calibration, sigmoid
from tamis.annotate.text_units import split_text
from tamis.document import Document
from tamis.native import kernel
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

#: the aggregate features, in the calibrator's order
FEATURES = (
    "word_surprisal_mean", "word_surprisal_sd", "word_trigram_hits", "word_unknown", "comma_rate",
    "sentence_tokens_mean", "type_token_ratio", "word_length_mean", "capitalised_share",
)  # fmt: skip
#: tokens whose commas and sentence ends are counted: about the tokens of the first MAX_WORDS words
_TOKEN_WINDOW = int(MAX_WORDS * 1.3)
#: the compiled twin of `python_fluency_features` (None: not built, or TAMIS_PURE_PYTHON=1)
_NATIVE_FLUENCY = kernel("fluency")


def fluency_features(text: str, models: FluencyModels) -> dict[str, float]:
    """The aggregate fluency features of the first MAX_WORDS words (empty when too short).

    Uses the words and tokens `annotate.quality` already split (`split_text` is a small cache).
    The compiled kernel (`tamis.native.fluency`) computes them in one C loop where it is built;
    `python_fluency_features` is its reference twin (the same values, bit for bit: tested).
    """
    native = _NATIVE_FLUENCY
    if native is None:
        return python_fluency_features(text, models)
    units = split_text(text)
    if min(len(units.words), MAX_WORDS) < MIN_WORDS:
        return {}
    cells, mask, cost_of = models.words.kernel_tables
    values = native.fluency_aggregates(
        units.lowered, units.words, units.tokens, MAX_WORDS, _TOKEN_WINDOW,
        cells, mask, cost_of, models.words.order, BOS_HASH,
    )  # fmt: skip
    return dict(zip(FEATURES, values, strict=True))


def python_fluency_features(text: str, models: FluencyModels) -> dict[str, float]:
    """`fluency_features` in Python and numpy: the reference twin of the compiled kernel.

    Uses the words and tokens `annotate.quality` already split (`split_text` is a small cache).
    Each feature is a sum or a count: no sort, no Python step per word. Left out since 7 Dec
    (docs/quality.md, "Speed"): the surprisal quantiles and the function-word share (the WMT
    AUC the same without them) and the per-sentence word counts (sentence_tokens_mean counts
    the sentence ends instead).
    """
    units = split_text(text)
    words = units.lowered[:MAX_WORDS]
    n = len(words)
    if n < MIN_WORDS:
        return {}
    cost, found = models.words.surprisal(token_hashes(words))
    costs = cost.tolist()
    mean = sum(costs) / n
    orders = found.tolist()
    tokens = units.tokens[:_TOKEN_WINDOW]
    n_tokens = len(tokens)
    sentence_ends = tokens.count(".") + tokens.count("!") + tokens.count("?") + tokens.count("…")
    return {
        "word_surprisal_mean": mean,
        "word_surprisal_sd": math.sqrt(max(sum(map(mul, costs, costs)) / n - mean * mean, 0.0)),
        "word_trigram_hits": orders.count(3) / n,
        "word_unknown": orders.count(0) / n,
        "comma_rate": tokens.count(",") / n_tokens,  # commas a token
        "sentence_tokens_mean": n_tokens / max(sentence_ends, 1),
        "type_token_ratio": len(set(words)) / n,
        "word_length_mean": sum(map(len, words)) / n,
        "capitalised_share": sum(map(str.isupper, map(itemgetter(0), units.words[:MAX_WORDS]))) / n,
    }


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
    text = doc.text[:MAX_ARTIFACT_CHARS]
    # the checks the compiled kernel's pass over the text does not rule out (all without it)
    possible = mt_artifacts.possible_checks(text, page.lang)
    names = mt_artifacts.name_variants(text, page, others) if "name_variants" in possible else []
    capitalised = (
        mt_artifacts.capitalised_function_words(text, page.lang)
        if "capitalised_function_word" in possible
        else []
    )
    spaced = mt_artifacts.spaces_before_punctuation(text) if "spaces_before_punctuation" in possible else []
    if "foreign_ui_line" not in mt_artifacts.checks_for(page.lang):
        # a page in the only source language (English): no other language's template lines or
        # credits to find (both checks return at once), so their inputs are not gathered
        return [*names, *capitalised, *spaced]
    removed = [
        line
        for e in doc.edits
        if e.step in _REMOVED_LINE_STEPS and (line := e.removed.strip()) and "\n" not in line
    ]
    # repair.captions moves image credits out of the body ("Getty Images, Collage 24 Channel")
    in_captions: list[mt_artifacts.Artifact] = []
    if doc.captions:  # most pages have none
        in_captions = [
            dataclasses.replace(a, start=-1, end=-1, detail=f"in a caption; {a.detail}")
            for a in mt_artifacts.foreign_outlet_credits("\n".join(doc.captions), page, others)
        ]
    # the words annotate.quality split (split_text's cache): the gates of the checks (a word
    # takes at least one character: the first MAX_ARTIFACT_CHARS words hold those of `text`).
    # One scan for the words of either gate (`gate_hits`), whose hits stand for the words in
    # both checks: most pages hold none (82% of the non-English make_corpus pages), and then
    # neither check scans the text: the credits check finds nothing there, the template-string
    # check looks at the removed lines only
    hits = mt_artifacts.gate_hits(split_text(doc.text).lowered, page.lang, MAX_ARTIFACT_CHARS)
    if not hits:
        ui_lines = mt_artifacts.foreign_ui_lines(text, page, others, removed, ()) if removed else []
        return [*ui_lines, *names, *capitalised, *spaced, *in_captions]
    return [
        *mt_artifacts.foreign_ui_lines(text, page, others, removed, hits),
        *names,
        *capitalised,
        *mt_artifacts.foreign_outlet_credits(text, page, others, hits),
        *spaced,
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
        mt_artifacts.name_classes()  # the compiled gates' table (memory-mapped, built once)

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
            contributions = calibration.contributions(features, lang)
            fluency = calibration.intercept + sum(contributions)
            out["mt.fluency_probability"] = round(sigmoid(fluency), 4)
            center = calibration.rounded_centers(lang)
            top = sorted(range(len(contributions)), key=contributions.__getitem__, reverse=True)
            for i in top[: self.top_features]:
                if contributions[i] <= 0:
                    break
                name = calibration.features[i]
                reasons.append(
                    {
                        "rule": "fluency",
                        "feature": name,
                        "value": round(features[name], 4),
                        "human_median": center[i],
                        "log_odds": round(contributions[i], 3),
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
