"""Reject the HTML pages that extract.html found no main text in (it sets their text to empty and
records why in `extract.text_chars`, `extract.rule` and `extract.over_budget`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tamis.document import Rejected
from tamis.steps import Filter, register


@register("filter.empty_text", version=1)
@dataclass(frozen=True)
class RejectEmptyExtraction(Filter):
    """Reject HTML documents whose extraction found no main text."""

    rules = {
        "empty_after_extraction": "the HTML page has no extractable main text",
        "extraction_over_budget": "the HTML page is over extract.html's size, nesting-depth or time "
        "budget and no extractor within it found text (value: which budget)",
    }

    def judge(self, annotations: Mapping[str, Any], lang: str) -> Rejected | None:
        chars = annotations.get("extract.text_chars")
        if chars is not None and int(chars) == 0:
            if annotations.get("extract.rule") == "over_budget":
                return Rejected(self.name, "extraction_over_budget", annotations.get("extract.over_budget"))
            return Rejected(self.name, "empty_after_extraction", 0, 1)
        return None
