"""Fix Unicode damage (mojibake, control characters, odd spaces) with ftfy, one edit per fix."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text.char_scan import class_table, lines_kernel
from tamis.text.diff import line_diff
from tamis.text.prefilter import non_ascii_reach

# UTF-8 read as Latin-1/cp1252 leaves a lead byte (Â..ô) before a continuation byte (U+0080..U+00BF
# or its cp1252 look-alike)
_LEAD = "\u00c2-\u00f4"
_CONTINUATION = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_MOJIBAKE_PAIR = re.compile(f"[{_LEAD}][{_CONTINUATION}]")


def _suspicious_chars() -> str:
    """Characters some ftfy fixer acts on besides mojibake: controls, ligatures, odd line breaks."""
    from ftfy import chardata

    chars = "".join(chr(c) for c in chardata.CONTROL_CHARS) + "".join(chr(c) for c in chardata.LIGATURES)
    return f"{re.escape(chars)}\x80-\x9f\r\x1b\u2028\u2029\ufffd\ud800-\udfff"


@functools.cache
def _suspicious() -> re.Pattern[str]:
    return re.compile(f"[{_suspicious_chars()}]")


@functools.cache
def _suspicious_or_pair() -> re.Pattern[str]:
    """The first suspicious character or mojibake pair, in one scan.

    One character class of both (they share no character), so that `re` skips to them in C; a
    look-behind then tells which it was (bench: 0.08 s over the 31 MB bench corpus, where
    searching for each costs 0.08 s and an alternation 0.26 s).
    """
    suspicious = _suspicious_chars()
    return re.compile(f"[{suspicious}{_LEAD}](?:(?<=[{suspicious}])|(?<=[{_LEAD}])[{_CONTINUATION}])")


@functools.cache
def _suspicious_table() -> object:
    """The classes of `_suspicious_or_pair` as bits for the kernel's `single_or_pair`:
    1 suspicious, 2 lead, 4 continuation."""
    return class_table([(f"[{_suspicious_chars()}]", 1), (f"[{_LEAD}]", 2), (f"[{_CONTINUATION}]", 4)])


def first_suspicious(text: str) -> tuple[int, int] | None:
    """The span of `_suspicious_or_pair().search(text)`, or None; in the kernel (~4x faster)
    when it is built.

    >>> first_suspicious("Grüße"), first_suspicious("GrÃ¼ÃŸe"), first_suspicious("a\\x1bÃ¼")
    (None, (2, 4), (1, 2))
    """
    k = lines_kernel()
    if k is None:
        found = _suspicious_or_pair().search(text)
        return None if found is None else found.span()
    return k.single_or_pair(text, _suspicious_table())


def could_need_ftfy(text: str) -> bool:
    """False when no ftfy fixer could change `text` (the common case, checked ~50x faster than ftfy).

    Mojibake is what ftfy's own `badness.is_bad` and UTF-8 detector look for; the other fixers act
    only on the characters in `_suspicious`, and the last step is NFC normalisation.

    >>> could_need_ftfy("Grüße aus Köln"), could_need_ftfy("GrÃ¼ÃŸe aus KÃ¶ln")
    (False, True)
    >>> could_need_ftfy("Grüße\\x1b"), could_need_ftfy("Ã¼ber\\x1b"), could_need_ftfy("Cafe\\u0301")
    (True, True, True)
    """
    found = first_suspicious(text)
    if found is None:
        # ASCII is NFC and cannot hold mojibake
        return not text.isascii() and not unicodedata.is_normalized("NFC", text)
    start, end = found
    if end - start == 1:
        return True  # a suspicious character
    # a mojibake pair first; a suspicious character may follow it
    if _suspicious().search(text, end) is not None:
        return True
    if not unicodedata.is_normalized("NFC", text):
        return True
    return is_bad(text)  # ftfy's slower check confirms the pair


def is_bad(text: str) -> bool:
    """ftfy's `badness.is_bad`, searched only near the non-ASCII characters of `text`.

    Every alternative of ftfy's `BADNESS_RE` needs a non-ASCII character and matches at most a
    few characters, looking at nothing beyond its match but the start of the text (checked when
    first used: `_badness_reach`), so a match lies within that many characters of a non-ASCII
    one. `search(text, pos, endpos)` keeps the meaning of "^". Pages in Latin script are mostly
    ASCII, and the search skips most of them (bench corpus: 2x faster); with another ftfy whose
    pattern is not of that kind, the whole text as ftfy does.

    >>> is_bad("Grüße aus Köln"), is_bad("GrÃ¼ÃŸe aus KÃ¶ln"), is_bad("plain ascii")
    (False, True, False)
    """
    from ftfy import badness

    reach = _badness_reach()
    if reach is None:
        return badness.is_bad(text)
    search = badness.BADNESS_RE.search
    for cluster in _non_ascii_clusters(reach).finditer(text):
        if search(text, max(0, cluster.start() - reach), cluster.end() + reach):
            return True
    return False


@functools.cache
def _non_ascii_clusters(reach: int) -> re.Pattern[str]:
    """Runs of non-ASCII characters with no more than 2 * `reach` ASCII ones between them."""
    return re.compile(f"[^\\x00-\\x7f](?:[\\x00-\\x7f]{{0,{2 * reach}}}[^\\x00-\\x7f])*")


@functools.cache
def _badness_reach() -> int | None:
    """How far from a non-ASCII character a match of ftfy's `BADNESS_RE` can reach, or None
    (`tamis.text.prefilter.non_ascii_reach`)."""
    from ftfy import badness

    return non_ascii_reach(badness.BADNESS_RE)


@register("repair.unicode", version=1)
@dataclass(frozen=True)
class FixUnicode(Repair):
    """Fix mojibake, control characters and odd spaces with ftfy; each changed span is an edit."""

    unescape_html: bool = False  # markup_residue handles entities, with its own rule codes
    normalization: str = "NFC"
    rules = {
        "ftfy_fix": "ftfy repaired mojibake, control characters, odd spaces or width",
        "soft_hyphen": "an invisible soft hyphen inside a word removed ('Prä\\xadsident')",
        "zero_width_space": "a zero-width space or word joiner removed from text in a spaced script",
    }

    def setup(self) -> None:
        if lines_kernel() is not None:
            _suspicious_table()

    def repair(self, text: str, doc: Document) -> Repaired:
        fixed = self._ftfy(text)
        # three single-character scans in C: most pages hold none of these
        if "\xad" not in fixed.text and "\u200b" not in fixed.text and "\u2060" not in fixed.text:
            return fixed
        return fixed.then(_remove_invisible(fixed.text, self.name))

    def _ftfy(self, text: str) -> Repaired:
        import ftfy

        # Quick exit: pure ASCII without control characters cannot hold what ftfy fixes.
        if self.normalization == "NFC" and not could_need_ftfy(text):
            return Repaired(text)  # most pages: ftfy is never called (docs/repair-speed.md)
        fixed, plan = ftfy.fix_and_explain(
            text,
            unescape_html=self.unescape_html,
            uncurl_quotes=False,
            fix_character_width=False,
            normalization=self.normalization,
        )
        if fixed == text:
            return Repaired(text)
        steps = ",".join(sorted({p.code if hasattr(p, "code") else str(p[1]) for p in plan or []}))
        return line_diff(
            text, fixed, step=self.name, rule="ftfy_fix", evidence=steps, line_breaks=_LINE_BREAKS
        )


# Soft hyphens (HTML &shy;, hyphenation hints of news sites) and zero-width spaces split a word
# for every tokenizer, word list and hash that reads the text, while a reader never sees them.
_INVISIBLE = re.compile("[\xad\u200b\u2060]")
# scripts written without spaces mark word boundaries with U+200B: there it stays
_UNSPACED_SCRIPTS = re.compile("[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff]")


def _remove_invisible(text: str, step: str) -> Repaired:
    """Drop soft hyphens, and zero-width spaces and word joiners outside unspaced scripts.

    >>> _remove_invisible("Prä\\xadsi\\xaddent in Ka\\u200bsachstan", "s").text
    'Präsident in Kasachstan'
    >>> _remove_invisible("ภาษา\\u200bไทย", "s").text == "ภาษา\\u200bไทย"
    True
    """
    spans = []
    for m in _INVISIBLE.finditer(text):
        i = m.start()
        if text[i] == "\xad":
            spans.append((i, i + 1, "", "soft_hyphen"))
        elif not _UNSPACED_SCRIPTS.match(text[i - 1 : i] or " ") and not _UNSPACED_SCRIPTS.match(
            text[i + 1 : i + 2] or " "
        ):
            spans.append((i, i + 1, "", "zero_width_space"))
    return Repaired.from_spans(text, spans, step=step)


# what ftfy's fix_line_breaks turns into "\n", in its order ("\r\n" before "\r")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")
