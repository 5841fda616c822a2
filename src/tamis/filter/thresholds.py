"""Reject documents whose stored quality signals cross per-language thresholds.

Measuring is kept apart from deciding: `annotate.quality` (and `annotate.language`) store
numbers; this filter only compares them with the thresholds of a preset in
`thresholds.toml`, so a threshold change re-runs `judge` over stored annotations without
measuring again. Every rejection names the rule, the measured value and the threshold.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tamis.document import Rejected
from tamis.errors import ConfigError
from tamis.steps import Filter, register

#: rule code -> (annotation key, comparison that rejects, meaning). Order is the order of
#: datatrove's chain (GopherRepetition -> GopherQuality -> C4Quality -> FineWebQuality), so
#: the first failing rule is the one datatrove would name.
RULES: dict[str, tuple[str, str, str]] = {
    "no_words": ("text.word_count", "<", "no word at all: empty, whitespace-only or symbol-only text"),
    "dup_para_fraction_too_high": (
        "gopher.dup_para_fraction",
        ">",
        "too many paragraphs repeat an earlier one",
    ),
    "dup_para_char_fraction_too_high": (
        "gopher.dup_para_char_fraction",
        ">",
        "too many characters in repeated paragraphs",
    ),
    "dup_line_fraction_too_high": ("gopher.dup_line_fraction", ">", "too many lines repeat an earlier one"),
    "dup_line_char_fraction_too_high": (
        "gopher.dup_line_char_fraction",
        ">",
        "too many characters in repeated lines",
    ),
    **{
        f"top_{n}gram_char_fraction_too_high": (
            f"gopher.top_{n}gram_char_fraction",
            ">",
            f"the most frequent {n}-gram covers too much of the text",
        )
        for n in (2, 3, 4)
    },
    **{
        f"dup_{n}gram_char_fraction_too_high": (
            f"gopher.dup_{n}gram_char_fraction",
            ">",
            f"too much of the text is in repeated {n}-grams",
        )
        for n in (5, 6, 7, 8, 9, 10)
    },
    "too_few_words": ("gopher.word_count", "<", "too few words"),
    "too_many_words": ("gopher.word_count", ">", "too many words"),
    "mean_word_length_too_short": ("gopher.mean_word_length", "<", "words too short on average"),
    "mean_word_length_too_long": ("gopher.mean_word_length", ">", "words too long on average"),
    "too_many_hashes": ("gopher.hash_word_ratio", ">", "too many # per word"),
    "too_many_ellipses": ("gopher.ellipsis_word_ratio", ">", "too many ellipses per word"),
    "too_many_bullet_lines": ("gopher.bullet_line_ratio", ">", "too many lines start with a bullet"),
    "too_many_ellipsis_lines": ("gopher.ellipsis_line_ratio", ">", "too many lines end with an ellipsis"),
    "too_few_alpha_words": ("gopher.alpha_word_ratio", "<", "too few words contain a letter"),
    "too_many_non_alpha_words": (
        "text.non_alpha_word_ratio",
        ">",
        "too many words without a letter (punctuation not counted as words)",
    ),
    "too_few_stop_words": ("gopher.stop_word_count", "<", "too few of the language's most common words"),
    "lorem_ipsum": ("c4.lorem_ipsum", ">", "placeholder text (lorem ipsum)"),
    "curly_bracket": ("c4.curly_bracket", ">", "a curly bracket in a prose line (code or template)"),
    "too_few_sentences": ("c4.sentence_count", "<", "too few sentences in lines C4 keeps"),
    "too_few_lines_with_terminal_punct": (
        "fineweb.line_punct_ratio",
        "<",
        "too few lines end with terminal punctuation",
    ),
    "too_many_short_lines": ("fineweb.short_line_ratio", ">", "too many short lines (menus, lists)"),
    "too_many_duplicate_line_chars": (
        "fineweb.dup_line_char_ratio",
        ">",
        "too many characters in repeated lines",
    ),
    "too_many_newlines": ("fineweb.newline_word_ratio", ">", "too many line breaks per word (lists)"),
    "low_language_score": ("language_score", "<", "the language identifier is unsure of the language"),
    "declared_language_mismatch": (
        "language_mismatch",
        ">",
        "most of the text is not in the language the record declares",
    ),
    "likely_machine_translated": ("mt.score", ">", "the text reads as machine-translated"),
}

#: rule codes in datatrove's four filters, for the parity bench.
GROUPS: dict[str, tuple[str, ...]] = {
    "gopher_repetition": tuple(c for c in RULES if c.startswith(("dup_", "top_"))),
    "gopher_quality": (
        "too_few_words", "too_many_words", "mean_word_length_too_short", "mean_word_length_too_long",
        "too_many_hashes", "too_many_ellipses", "too_many_bullet_lines", "too_many_ellipsis_lines",
        "too_few_alpha_words", "too_many_non_alpha_words", "too_few_stop_words",
    ),
    "c4": ("lorem_ipsum", "curly_bracket", "too_few_sentences"),
    "fineweb": (
        "too_few_lines_with_terminal_punct", "too_many_short_lines", "too_many_duplicate_line_chars",
        "too_many_newlines",
    ),
}  # fmt: skip

PRESETS = ("default", "gopher", "fineweb-like")

#: what `judge` compares (bool too, as `int | float` did); a tuple: no union built per call
_NUMBER = (int, float)

#: what `mt_farm` does with suspected machine-translated pages (issue 12): "flag" keeps them
#: (the annotations say why), "drop_page" drops each suspected page, "drop_site" drops every
#: page of a site where enough pages are suspected (needs annotate.site_mt before the filter)
MT_FARM_MODES = ("flag", "drop_site", "drop_page")
MT_FARM_RULES = {
    "machine_translated_page": "the page reads as machine-translated (mt.probability at or above the operating threshold)",
    "machine_translated_site": "enough pages of the page's site read as machine-translated (a content farm)",
}


def _operating_threshold() -> float:
    from tamis.annotate.mt_calibration import load_calibration

    calibration = load_calibration()
    return calibration.threshold if calibration is not None else 0.5


def mt_evidence(annotations: Mapping[str, Any], limit: int = 4) -> str:
    """The reasons `annotate.machine_translation` gave, in one line (artifacts first, then fluency).

    >>> mt_evidence({"mt.probability": 0.97, "mt.reasons": [{"rule": "foreign_ui_line", "text": "Leave a Reply"},
    ...     {"rule": "fluency", "feature": "word_surprisal_q25", "value": 4.1}]})
    "p=0.97: foreign_ui_line 'Leave a Reply'; fluency word_surprisal_q25=4.1"
    """
    parts = []
    for reason in annotations.get("mt.reasons") or []:
        if reason.get("rule") == "fluency":
            parts.append(f"fluency {reason.get('feature')}={reason.get('value')}")
        else:
            parts.append(f"{reason.get('rule')} {str(reason.get('text', ''))[:40]!r}")
    return f"p={annotations.get('mt.probability')}: " + "; ".join(parts[:limit])


def load_thresholds(path: str | Path | None = None) -> dict[str, Any]:
    """The presets table: `{preset: {"all": {rule: threshold}, lang: {rule: threshold}}}`."""
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"thresholds file {str(path)!r} does not exist")
        text, where = p.read_text("utf-8"), str(path)
    else:
        text = resources.files("tamis.filter").joinpath("thresholds.toml").read_text("utf-8")
        where = "tamis/filter/thresholds.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where} is not valid TOML: {err}") from err
    presets = data.get("presets", {})
    for preset, table in presets.items():
        for lang, rules in table.items():
            if not isinstance(rules, dict):
                continue  # `inherit = "<preset>"`
            unknown = sorted(set(rules) - set(RULES))
            if unknown:
                raise ConfigError(
                    f"{where}: preset {preset!r} [{lang}] has unknown rule(s) {', '.join(unknown)}; "
                    f"valid rules: {', '.join(RULES)}"
                )
    return presets


def _resolve(presets: Mapping[str, Any], preset: str) -> dict[str, dict[str, Any]]:
    """Per-language rule tables of `preset`, following `inherit` (one level is enough for ours)."""
    if preset not in presets:
        raise ConfigError(
            f"unknown thresholds preset {preset!r}; known presets: {', '.join(sorted(presets))}"
        )
    table = presets[preset]
    parent = table.get("inherit")
    base = _resolve(presets, parent) if isinstance(parent, str) else {}
    out: dict[str, dict[str, Any]] = {lang: dict(rules) for lang, rules in base.items()}
    for lang, rules in table.items():
        if isinstance(rules, dict):
            out.setdefault(lang, {}).update(rules)
    return out


@register("filter.thresholds", version=1)
@dataclass(frozen=True)
class RejectByThresholds(Filter):
    """Reject documents whose stored signals cross the thresholds of a preset, per language."""

    #: default | gopher (datatrove's defaults) | fineweb-like
    preset: str = "default"
    #: another thresholds TOML with the same layout (empty: the shipped thresholds.toml)
    path: str = ""
    #: rule -> threshold overriding the preset for every language (false disables a rule)
    overrides: dict[str, Any] = field(default_factory=dict)
    #: flag | drop_site | drop_page: what to do with machine-translated pages (MT_FARM_MODES)
    mt_farm: str = "flag"
    #: drop_page: mt.probability at or above which a page is dropped (0: the calibrated
    #: operating threshold of annotate.machine_translation, src/tamis/data/mt/calibration.toml)
    mt_page_threshold: float = 0.0
    #: drop_site: share of a site's scored pages that must be suspected. A human site rarely has
    #: more than a few pages above the operating threshold (at most 2% of clean human text is)
    min_site_mt_share: float = 0.5
    #: drop_site: a site needs at least this many pages for its share to count
    min_site_pages: int = 3

    rules = {code: meaning for code, (_, _, meaning) in RULES.items()} | MT_FARM_RULES
    requires = ("text.word_count", "gopher.word_count", "c4.sentence_count", "fineweb.line_punct_ratio")

    def __post_init__(self) -> None:
        unknown = sorted(set(self.overrides) - set(RULES))
        if unknown:
            raise ConfigError(
                f"filter.thresholds: unknown rule(s) {', '.join(unknown)}; valid: {', '.join(RULES)}"
            )
        if self.mt_farm not in MT_FARM_MODES:
            raise ConfigError(
                f"filter.thresholds: mt_farm must be one of {', '.join(MT_FARM_MODES)}, not {self.mt_farm!r}"
            )
        if self.mt_farm == "drop_site":
            # the site's share comes from the corpus stage annotate.site_mt: checked when the
            # pipeline is built, like any other requirement
            object.__setattr__(self, "requires", (*type(self).requires, "site.mt_share"))
        elif self.mt_farm == "drop_page":
            object.__setattr__(self, "requires", (*type(self).requires, "mt.probability"))
        tables = _resolve(load_thresholds(self.path or None), self.preset)
        object.__setattr__(self, "_tables", tables)
        # per-language rule lists, derived from the read-only tables above (not state that
        # changes results: the same parameters always build the same lists)
        object.__setattr__(self, "_checks_by_lang", {})

    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def thresholds(self, lang: str) -> dict[str, Any]:
        """The rule -> threshold table that applies to `lang` (its own table over `all`)."""
        tables: dict[str, dict[str, Any]] = self._tables  # type: ignore[attr-defined]
        merged = {**tables.get("all", {}), **tables.get(lang, {}), **self.overrides}
        return {k: v for k, v in merged.items() if k in RULES}

    def _checks(self, lang: str) -> list[tuple[str, str, bool, float, bool]]:
        """(rule, signal, rejects-when-below, limit, skips-negative-values) of the enabled rules
        for `lang`, in order."""
        cache: dict[str, list[tuple[str, str, bool, float, bool]]] = self._checks_by_lang  # type: ignore[attr-defined]
        checks = cache.get(lang)
        if checks is None:
            table = self.thresholds(lang)
            checks = cache[lang] = [
                # a negative stop-word share means no stop-word list for the language
                (code, key, op == "<", table[code], code == "too_few_stop_words")
                for code, (key, op, _) in RULES.items()
                if table.get(code) is not None and table.get(code) is not False
            ]
        return checks

    def judge(self, annotations: Mapping[str, Any], lang: str) -> Rejected | None:
        for code, key, below, limit, skip_negative in self._checks(lang):
            value = annotations.get(key)
            if not isinstance(value, _NUMBER):
                continue  # not measured (e.g. no MT step in this pipeline)
            if skip_negative and value < 0:
                continue  # no stop-word list for this language: the rule does not apply
            if (value < limit) if below else (value > limit):
                return Rejected(self.name, code, value, limit)
        if self.mt_farm != "flag":
            return self._judge_mt_farm(annotations)
        return None

    def _judge_mt_farm(self, annotations: Mapping[str, Any]) -> Rejected | None:
        """Drop a suspected page, or every page of a suspected site; the value names the evidence."""
        if self.mt_farm == "drop_page":
            p = annotations.get("mt.probability")
            limit = self.mt_page_threshold or _operating_threshold()
            if isinstance(p, int | float) and p >= limit:
                return Rejected(self.name, "machine_translated_page", mt_evidence(annotations), limit)
            return None
        share, pages = annotations.get("site.mt_share"), annotations.get("site.mt_scored_pages", 0)
        if (
            isinstance(share, int | float)
            and share >= self.min_site_mt_share
            and pages >= self.min_site_pages
        ):
            mean = annotations.get("site.mt_mean_probability")
            evidence = f"site.mt_share={share} of {pages} scored pages (mean p={mean}); this page {mt_evidence(annotations)}"
            return Rejected(self.name, "machine_translated_site", evidence, self.min_site_mt_share)
        return None
