"""The shared split of a text (words, lines) that quality and MT signals read: now
`tamis.text.segmentation`, kept under this name for the steps and benches that import it."""

from __future__ import annotations

from tamis.text.segmentation import (
    FIND_TOKENS as _FIND_TOKENS,
)
from tamis.text.segmentation import (
    FIND_TOKENS_WITH_ENTITIES as _FIND_TOKENS_WITH_ENTITIES,
)
from tamis.text.segmentation import (
    MAX_MEASURED_CHARS,
    PUNCT_CHARS,
    SYMBOL_TOKENS,
    TOKEN,
    TOKEN_WITH_ENTITIES,
    count_letter_tokens,
    is_symbol,
)
from tamis.text.segmentation import (
    Segmentation as TextUnits,
)
from tamis.text.segmentation import (
    python_tokens as _tokens,
)
from tamis.text.segmentation import (
    segment as split_text,
)

__all__ = [
    "MAX_MEASURED_CHARS",
    "PUNCT_CHARS",
    "SYMBOL_TOKENS",
    "TOKEN",
    "TOKEN_WITH_ENTITIES",
    "_FIND_TOKENS",
    "_FIND_TOKENS_WITH_ENTITIES",
    "TextUnits",
    "_tokens",
    "count_letter_tokens",
    "is_symbol",
    "split_text",
]
