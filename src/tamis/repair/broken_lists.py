"""Recover list items whose markup broke: one item a line, each with the marker "• ".

Handles bullet glyphs at line start (`•`, `·`, `▪`, `◦`, `‣`, `●`), `-`/`*` items (only in runs
of two or more, so a single dash-led line of prose or dialogue stays), indented items, and
several bullet items run together on one line. Numbered items ("1." / "1)") keep their
numbers: the order is content. `tamis.blocks` reads the result back as list blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from tamis.document import Document
from tamis.steps import Repair, Repaired, register

MARKER = "• "
# a glyph bullet at line start, with any indentation: "  • item", "·item", "▪ item"
_GLYPH_ITEM = regex.compile(r"^[^\S\n]*[•·▪◦‣●■][^\S\n]*(?=\S)", regex.M)
# "- item" / "* item": a list only when two or more such lines follow each other
_DASH_ITEM = regex.compile(r"^[^\S\n]*[-*+][^\S\n]+(?=\S)")
# numbered item "1)" -> "1." ; indentation removed
_NUMBERED = regex.compile(r"^[^\S\n]*(\d{1,3})\)[^\S\n]+(?=\S)")
# bullets run together on one line: "Intro: • one • two" (two or more bullets, spaced)
_RUN_TOGETHER = regex.compile(r"(?<=\S)[^\S\n]+[•▪◦‣●■][^\S\n]+(?=\S)")
#: the glyphs `_RUN_TOGETHER` needs
_RUN_GLYPH = re.compile("[•▪◦‣●■]")
# A dash or numbered list needs two item lines in a row, so a line after a newline that starts
# like an item; most texts have none, which these scans (skipping from newline to newline) tell
# faster than one two-character substring test (bench corpus: 0.05 s each for "* ", "+ ", ") ")
_DASH_AFTER_NEWLINE = regex.compile(r"\n[^\S\n]*[-*+][^\S\n]")
_NUMBERED_AFTER_NEWLINE = regex.compile(r"\n[^\S\n]*\d{1,3}\)[^\S\n]")


@register("repair.broken_lists", version=1)
@dataclass(frozen=True)
class RecoverBrokenLists(Repair):
    """Recover list items from broken markup: one item a line, marked "• " (numbers kept)."""

    rules = {
        "bullet_item": "a bullet item (glyph, dash or star, maybe indented) normalised to '• item'",
        "split_items": "list items run together on one line split onto lines of their own",
        "numbered_item": "a numbered item '1)' normalised to '1.'",
    }

    def repair(self, text: str, doc: Document) -> Repaired:
        result = Repaired(text)
        if _holds_any(text, "•▪◦‣●■"):
            result = result.then(self._split_run_together(result.text))
        if _holds_any(result.text, "•·▪◦‣●■"):
            result = result.then(
                Repaired.substitute(result.text, _GLYPH_ITEM, MARKER, step=self.name, rule="bullet_item")
            )
        t = result.text
        if _DASH_AFTER_NEWLINE.search(t) and ("- " in t or "* " in t or "+ " in t):
            result = result.then(self._dash_items(t))
        t = result.text
        if _NUMBERED_AFTER_NEWLINE.search(t) and ") " in t:
            result = result.then(self._numbered(t))
        return result

    def _split_run_together(self, text: str) -> Repaired:
        spans = []
        end = -1
        # only a line holding a bullet glyph can hold a run-together bullet: the lines at the glyphs
        # a C scan finds, each once (not two `regex` calls on every line of the page)
        for glyph in _RUN_GLYPH.finditer(text):
            if glyph.start() < end:
                continue  # a line already looked at
            pos = text.rfind("\n", 0, glyph.start()) + 1
            end = text.find("\n", glyph.start())
            end = len(text) if end < 0 else end
            line = text[pos:end]
            found = list(_RUN_TOGETHER.finditer(line))
            # two bullets inside a line, or one inside a line that itself starts with a bullet
            starts_with_bullet = bool(_GLYPH_ITEM.match(line))
            if len(found) >= 2 or (found and starts_with_bullet):
                spans += [(pos + m.start(), pos + m.end(), "\n" + MARKER, "split_items") for m in found]
        return Repaired.from_spans(text, spans, step=self.name)

    def _dash_items(self, text: str) -> Repaired:
        lines = text.split("\n")
        is_item = [bool(_DASH_ITEM.match(line)) for line in lines]
        spans = []
        pos = 0
        for i, line in enumerate(lines):
            if is_item[i] and ((i > 0 and is_item[i - 1]) or (i + 1 < len(lines) and is_item[i + 1])):
                m = _DASH_ITEM.match(line)
                assert m is not None
                spans.append((pos, pos + m.end(), MARKER, "bullet_item"))
            pos += len(line) + 1
        return Repaired.from_spans(text, spans, step=self.name)

    def _numbered(self, text: str) -> Repaired:
        lines = text.split("\n")
        is_item = [bool(_NUMBERED.match(line)) for line in lines]
        spans = []
        pos = 0
        for i, line in enumerate(lines):
            if is_item[i] and ((i > 0 and is_item[i - 1]) or (i + 1 < len(lines) and is_item[i + 1])):
                m = _NUMBERED.match(line)
                assert m is not None
                spans.append((pos, pos + m.end(), f"{m.group(1)}. ", "numbered_item"))
            pos += len(line) + 1
        return Repaired.from_spans(text, spans, step=self.name)


def _holds_any(text: str, chars: str) -> bool:
    # single-character `in` runs at memchr speed; a plain loop is cheaper than any() over a generator
    for c in chars:  # noqa: SIM110
        if c in text:
            return True
    return False
