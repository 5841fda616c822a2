"""Fix Unicode damage (mojibake, control characters, odd spaces) with ftfy, one edit per fix."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass

from tamis.document import Document
from tamis.steps import Repair, Repaired, register
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


def could_need_ftfy(text: str) -> bool:
    """False when no ftfy fixer could change `text` (the common case, checked ~50x faster than ftfy).

    Mojibake is what ftfy's own `badness.is_bad` and UTF-8 detector look for; the other fixers act
    only on the characters in `_suspicious`, and the last step is NFC normalisation.

    >>> could_need_ftfy("Grüße aus Köln"), could_need_ftfy("GrÃ¼ÃŸe aus KÃ¶ln")
    (False, True)
    >>> could_need_ftfy("Grüße\\x1b"), could_need_ftfy("Ã¼ber\\x1b"), could_need_ftfy("Cafe\\u0301")
    (True, True, True)
    """
    found = _suspicious_or_pair().search(text)
    if found is None:
        # ASCII is NFC and cannot hold mojibake
        return not text.isascii() and not unicodedata.is_normalized("NFC", text)
    if found.end() - found.start() == 1:
        return True  # a suspicious character
    # a mojibake pair first; a suspicious character may follow it
    if _suspicious().search(text, found.end()) is not None:
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
            return Repaired(text)  # bench/repair_quality.py: 4 -> 60+ MB/s on clean text
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
        return _line_diff(text, fixed, step=self.name, rule="ftfy_fix", evidence=steps)


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


def _line_diff(before: str, after: str, *, step: str, rule: str, evidence: str) -> Repaired:
    """Minimal edits from `before` to `after`, diffing only the lines that changed.

    ftfy's fixes are local; a whole-text difflib diff of a long page costs ~50 ms, a per-line one
    a fraction of that. When the line count changed, ftfy's line-break fix is replayed first (its
    edits are exact), then the lines are paired again; a character diff of the whole text, as
    before, took 124 s for one 100 KB page with U+2028 separators (issue 11).
    """
    old_lines, new_lines = before.split("\n"), after.split("\n")
    if len(old_lines) == len(new_lines):
        return _paired_lines(before, after, old_lines, new_lines, step=step, rule=rule, evidence=evidence)
    breaks = Repaired.substitute(before, _LINE_BREAKS, _newline, step=step, rule=rule, evidence=evidence)
    old_lines = breaks.text.split("\n")
    if len(old_lines) == len(new_lines):
        paired = _paired_lines(
            breaks.text, after, old_lines, new_lines, step=step, rule=rule, evidence=evidence
        )
        return breaks.then(paired)
    # Rare: a line break inside mojibake. Align whole lines, then diff each changed block.
    spans = []
    old_starts, new_starts = _line_starts(old_lines), _line_starts(new_lines)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=True)  # junk: fast, still exact
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        start, end = old_starts[i1], old_starts[i2]
        old, new = breaks.text[start:end], after[new_starts[j1] : new_starts[j2]]
        if old != new:
            spans += [(start + a, start + b, inserted, rule) for a, b, inserted in _block_diff(old, new)]
    result = breaks.then(Repaired.from_spans(breaks.text, spans, step=step, evidence=evidence))
    assert result.text == after
    return result


# what ftfy's fix_line_breaks turns into "\n", in its order ("\r\n" before "\r")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")


def _newline(_match: object) -> str:
    return "\n"


def _line_starts(lines: list[str]) -> list[int]:
    """Offset of each line in the joined text, and one past the end (each line owns its "\n")."""
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    starts[-1] -= 1  # the last line has no newline
    return starts


def _paired_lines(
    before: str,
    after: str,
    old_lines: list[str],
    new_lines: list[str],
    *,
    step: str,
    rule: str,
    evidence: str,
) -> Repaired:
    spans = []
    pos = 0
    for old, new in zip(old_lines, new_lines, strict=True):
        if old != new:
            spans += [
                (pos + start, pos + end, inserted, rule) for start, end, inserted in _block_diff(old, new)
            ]
        pos += len(old) + 1
    result = Repaired.from_spans(before, spans, step=step, evidence=evidence)
    assert result.text == after
    return result


#: Lines longer than this (a page without line breaks, binary read as text) are first cut to
#: what lies between their common start and end.
_LONG_LINE = 4000


def _block_diff(old: str, new: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) spans of `old` that turn it into `new`, found word by word."""
    if len(old) + len(new) <= 2 * _LONG_LINE:
        return _word_diff(old, new)
    head = _common_prefix(old, new)
    head = old.rfind(" ", 0, head) + 1  # from the start of the word the first change is in
    tail = _common_prefix(old[head:][::-1], new[head:][::-1])
    tail = max(0, tail - (old[len(old) - tail :] + " ").index(" "))  # keep the last changed word whole
    middle = _word_diff(old[head : len(old) - tail], new[head : len(new) - tail])
    return [(head + start, head + end, inserted) for start, end, inserted in middle]


def _common_prefix(a: str, b: str) -> int:
    """Length of the common start of `a` and `b`, compared in C by halving.

    >>> _common_prefix("Grüße aus Köln", "Grüße aus Bonn")
    10
    """
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


_PIECES = re.compile(r"[ \t]+|[^ \t]+")  # a no-break space may be part of mojibake ("à": "Ã" + U+00A0)
# A word with the spaces after it, for lines whose spacing changed: lone-space pieces repeat
# hundreds of times in a long line, and difflib's matcher is quadratic in repeated pieces.
_WORDS_AND_SPACES = re.compile(r"[^ \t]*[ \t]+|[^ \t]+")
#: Above this many pieces a side, spaces are not pieces of their own (see _WORDS_AND_SPACES).
_MANY_PIECES = 200


def _piece_opcodes(a: list[str], b: list[str], autojunk: bool = False) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) runs of pieces that differ; pieces are paired in place when the spaces are."""
    if _same_spacing(a, b):
        # ftfy changed words, not spacing (the usual case): pairing in place is what a diff finds,
        # in linear time (a 4,000-character line of Kazakh mojibake took difflib 3 s)
        return [(i, i + 1, i, i + 1) for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=autojunk)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _same_spacing(a: list[str], b: list[str]) -> bool:
    return len(a) == len(b) and all(
        x == y for x, y in zip(a, b, strict=True) if x[0] in " \t" or y[0] in " \t"
    )


def _word_diff(old: str, new: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) spans of `old` that turn it into `new`, found word by word.

    A character diff of a long line full of mojibake is quadratic (difflib: 0.1 s for the 8 pages
    of the bench corpus that ftfy changes); words and the spaces between them are few, and each
    changed run is trimmed to the characters that differ.

    >>> _word_diff("Le cafÃ© est prÃªt", "Le café est prêt")
    [(6, 8, 'é'), (15, 17, 'ê')]
    """
    a, b = _PIECES.findall(old), _PIECES.findall(new)
    many = len(a) > _MANY_PIECES or len(b) > _MANY_PIECES
    if many and not _same_spacing(a, b):
        # the spacing changed in a long line: words carry their spaces, and difflib's autojunk
        # skips pieces as common as "the " (binary read as text, 200 KB: minutes without it)
        a, b = _WORDS_AND_SPACES.findall(old), _WORDS_AND_SPACES.findall(new)
    starts = [0]
    for piece in a:
        starts.append(starts[-1] + len(piece))
    spans = []
    for i1, i2, j1, j2 in _piece_opcodes(a, b, autojunk=many):
        start, end, inserted = starts[i1], starts[i2], "".join(b[j1:j2])
        removed = old[start:end]
        head = 0  # the common start and end of the run are no part of the edit
        while head < min(len(removed), len(inserted)) and removed[head] == inserted[head]:
            head += 1
        tail = 0
        while tail < min(len(removed), len(inserted)) - head and removed[-1 - tail] == inserted[-1 - tail]:
            tail += 1
        spans.append((start + head, end - tail, inserted[head : len(inserted) - tail]))
    return spans
