"""Remove whole lines of script, style sheet or JSON that extraction left in the text.

An extractor that drops the `<script>` and `<style>` tags but keeps their contents, or a page that
prints its tracking code, leaves lines such as ``window.dataLayer = window.dataLayer || [];``,
``.post-content { margin: 0 auto; font-size: 16px; }`` or ``{"@context":"https://schema.org"}``
among the paragraphs. (Tagged blocks are `repair.markup_residue`'s ``code_block``.) A line is
removed only as a whole and only when it reads as code, not prose:

- it holds at least two marks of code (a JavaScript call or assignment, a CSS declaration or
  selector block, a JSON key), or one mark and the shape of a statement (it ends in ``;``, ``{``
  or ``}``), and
- code characters (``{ } ( ) [ ] ; = < > $ &``) make at least `min_code_char_share` of it, and
- fewer than `max_word_share` of its whitespace chunks are plain words.

Prose that talks about code ("Bitte aktivieren Sie JavaScript", "the function returns x;") has
no such density. The measured false removals in the clean sentences of every corpus are in
docs/repair.md (`bench/repair_quality.py`, `code_line_removals_per_10k`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text.lines import delete_judged_lines

# a line of code holds one of these (a block, the end of a call statement, an arrow function);
# prose almost never does, so most texts are passed by four substring tests in C
_GATE_STRINGS = ("{", "}", ");", "=>")
_GATE = re.compile(r"[{}]|\);|=>")


def may_hold_code(text: str) -> bool:
    """`any(mark in text for mark in _GATE_STRINGS)`, each two-character mark behind a test of its
    first character (a one-character `in` runs at memchr speed, a two-character one ~10x slower)."""
    return "{" in text or "}" in text or (")" in text and ");" in text) or ("=" in text and "=>" in text)


#: marks of code, by the kind of code they mark
_MARKS = {
    "javascript": re.compile(
        r"\bfunction\s*\w*\s*\(|\b(?:var|let|const)\s+[\w$]+\s*[=,;]|=>|\breturn\b[^.]*;"
        r"|\b(?:document|window|this|console|navigator)\.[\w$]+|\.push\(|\bnew\s+[A-Z]\w*\("
        r"|\.(?:getElementById|getElementsByTagName|createElement|addEventListener|querySelector(?:All)?"
        r"|appendChild|setAttribute|insertBefore|parentNode|innerHTML|src\s*=)"
        r"|\b(?:if|for|while)\s*\([^)]*\)\s*\{|\|\||&&|===?|!==?|\$\(|\bjQuery\b|\w+\(\)\s*;"
        r"|\b[\w$]+(?:\.[\w$]+)+\s*=[^=]"
    ),
    "css": re.compile(
        r"[.#]?[\w-]+(?:[ >:.#][\w-]+)*\s*\{\s*[\w-]+\s*:"
        # a declaration of a CSS property (a closed vocabulary: "Preis: 19,99 €;" is no declaration)
        r"|\b(?:[a-z]+-)*(?:color|background|margin|padding|size|family|weight|style|display|width|height"
        r"|border|align|position|top|left|right|bottom|float|index|overflow|opacity|decoration|transform"
        r"|transition|content|shadow|visibility|spacing|space|radius|cursor|flex|grid|gap|outline|clear"
        r"|animation|filter|direction|wrap|basis|grow|shrink|order)\s*:\s*[^;{}\n]{1,80}[;}]"
        r"|!important|@(?:media|import|font-face|keyframes)\b|\b\d+(?:px|em|rem|vh|vw)\b|#[0-9a-fA-F]{3,6}\b"
    ),
    "json": re.compile(r"\"[\w@$-]+\"\s*:\s*[\"\[{\d]|\"@(?:context|type)\""),
}
_CODE_CHARS = frozenset("{}()[];=<>$&")
_STATEMENT_END = ("{", "}", ";")
_BLOCK_ENDS = frozenset(["{", "}", "};", "});", "})();", "})", "}}"])
_PLAIN_WORD = re.compile(r"[^\W\d_]+[,.!?:»«\"')]*")


@register("repair.code_lines", version=1)
@dataclass(frozen=True)
class RemoveCodeLines(Repair):
    """Remove whole lines of JavaScript, CSS or JSON left in the text by extraction."""

    min_code_char_share: float = 0.06  # of the line's characters, not spaces
    max_word_share: float = 0.6  # plain words among the whitespace chunks
    rules = {
        "javascript": "a line of script (calls, assignments, functions), removed whole",
        "css": "a line of style sheet (selectors, declarations), removed whole",
        "json": "a line of JSON (structured data), removed whole",
    }

    def repair(self, text: str, doc: Document) -> Repaired:
        if not may_hold_code(text):
            return Repaired(text)
        starts = (m.start() for m in _GATE.finditer(text))
        return delete_judged_lines(text, starts, self.code_kind, self.name, max_chars=len(text))

    def code_kind(self, line: str) -> str | None:
        """The kind of code a stripped line is, or None for prose.

        >>> step = RemoveCodeLines()
        >>> step.code_kind("var _gaq = _gaq || []; _gaq.push(['_setAccount', 'UA-1']);")
        'javascript'
        >>> step.code_kind("Er sagte: «Wir kommen wieder»; dann ging er.") is None
        True
        """
        if line in _BLOCK_ENDS:
            return "javascript"  # the end of a block of script, alone on its line
        if (
            line.startswith(("{", "["))
            and line.endswith(("}", "]"))
            and len(_MARKS["json"].findall(line)) >= 2
        ):
            return "json"  # JSON has few code characters for its length: its marks are enough
        dense = line.replace(" ", "")
        if sum(ch in _CODE_CHARS for ch in dense) < self.min_code_char_share * len(dense):
            return None
        chunks = line.split()
        if sum(bool(_PLAIN_WORD.fullmatch(c)) for c in chunks) >= self.max_word_share * len(chunks):
            return None
        counts = {kind: len(pattern.findall(line)) for kind, pattern in _MARKS.items()}
        kind = max(counts, key=counts.__getitem__)
        marks = sum(counts.values())
        if marks >= 2 or (marks == 1 and line.endswith(_STATEMENT_END)):
            return kind
        return None
