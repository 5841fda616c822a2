"""Drop a second copy of the title near the top of a page (the <title> and the <h1> both extracted).

The copy may be garbled (cut, re-worded by a translator, wrapped in markup residue), so lines
are compared by word overlap and character similarity, not equality. The better copy (less
markup debris, more complete) is kept, wherever it stands.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import regex

from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text.headings import looks_like_heading

_WORD = re.compile(r"\w+")
_SENTENCE_END = (
    ".",
    "。",
)  # titles end in "?", "!" or a cut "…" too; a sentence rarely ends in those at the top
_CLOSING = " \"'”’»)]"
# markup debris, and a " | Site name" / " - Site name" tail that the <title> copy carries
_DEBRIS = regex.compile(r"[<>/=&;{}\[\]|\\]|[“”\"](?=\s*$)|\s[-–—|·»:]{1,2}\s(?=[^-–—|·»]{1,60}$)")


def _words(line: str) -> list[str]:
    return _WORD.findall(line.lower())


def similarity(a: str, b: str, words_a: list[str] | None = None, words_b: list[str] | None = None) -> float:
    """How alike two title candidates are: the larger of word-set Jaccard and character ratio.

    >>> round(similarity("Putin visits Kazakhstan", "Putin visits Kazakhstan"), 2)
    1.0
    >>> similarity("Putin visits Kazakhstan", "The weather was fine all week") < 0.3
    True
    """
    wa = set(_words(a) if words_a is None else words_a)  # `words_*`: `_words` of each, when known
    wb = set(_words(b) if words_b is None else words_b)
    return _similarity(a, b, wa, wb)


def _similarity(a: str, b: str, wa: set[str], wb: set[str]) -> float:
    """`similarity` of two lines whose word sets are `wa` and `wb`."""
    if not wa or not wb:
        return 0.0
    shared = len(wa & wb)
    jaccard = shared / (len(wa) + len(wb) - shared)  # the same division as len(wa & wb) / len(wa | wb)
    if jaccard >= 0.6 or jaccard < 0.3 or shared < 2:
        # clearly alike, or too unlike for the character ratio to reach a title copy's (the seed's
        # garbled copy: word Jaccard 0.47, ratio 0.79; unrelated top lines stay under 0.3)
        return jaccard
    ratio = difflib.SequenceMatcher(None, a.lower(), b.lower(), autojunk=False).ratio()
    return max(jaccard, ratio)


def _quality(line: str) -> tuple[int, int]:
    """Sort key of a title copy: fewer debris characters first, then more words."""
    return (-len(_DEBRIS.findall(line)), len(_words(line)))


@register("repair.duplicate_title", version=1)
@dataclass(frozen=True)
class DropDuplicateTitle(Repair):
    """Drop a repeated or garbled copy of the title near the top; keep the better copy as the title."""

    look_lines: int = 4  # non-empty lines searched at the top (title, subtitle, title copy, lead)
    min_similarity: float = 0.6  # seed page: the garbled copy scores 0.66; unrelated titles/leads < 0.45
    max_title_chars: int = 250
    max_length_ratio: float = 1.6  # a lead sentence that starts with the title is longer than this
    rules = {
        "duplicate_title": "a second copy of the title (identical or garbled) near the top, dropped",
    }

    def repair(self, text: str, doc: Document) -> Repaired:
        result = self._drop_one(text, doc)
        for _ in range(2):  # a third copy: drop it too, so repairing twice equals once
            if not result.edits:
                break
            more = self._drop_one(result.text, doc)
            if not more.edits:
                break
            result = Repaired(more.text, result.edits + more.edits, title=result.title)
        return result

    def _drop_one(self, text: str, doc: Document) -> Repaired:
        top = _top_lines(text, self.look_lines)
        if len(top) < 2:
            return Repaired(text)
        first = top[0][2]
        first_words = None
        # (start, end, line, words, word set) of the lines that could be titles; the words of a line
        # found once (bench: most of the step's time), and only for lines short enough
        titles: list[tuple[int, int, str, list[str], set[str]]] = []
        for start, end, line in top:
            if len(line) <= self.max_title_chars:
                words = _WORD.findall(line.lower())
                if line is first:
                    first_words = words
                if _title_like(line, words):
                    titles.append((start, end, line, words, set(words)))
        # every earlier/later pair: menus or a search box may stand above the title
        for a_index, a in enumerate(titles):
            for b in titles[a_index + 1 :]:
                la, lb = len(a[3]), len(b[3])
                if max(la, lb) > self.max_length_ratio * min(la, lb):
                    continue
                score = _similarity(a[2], b[2], a[4], b[4])
                if score < self.min_similarity:
                    continue
                if _two_sentences(a[2], b[2], a[3] == b[3]) and not _with_site_name(a[2], b[2]):
                    # the article's first sentence may share most words with its title (issue 10:
                    # a lead sentence deleted at similarity 0.67), and a sentence may be said twice
                    # (dialogue): a line ending like a sentence goes only as "title | Site", and two
                    # different questions or exclamations are two lines of dialogue
                    continue
                drop, keep = (b, a) if _quality(a[2]) >= _quality(b[2]) else (a, b)
                start, end = drop[0], drop[1]
                end = end + 1 if end < len(text) else end  # with its newline
                result = Repaired.from_spans(
                    text,
                    [(start, end, "", "duplicate_title")],
                    step=self.name,
                    evidence=f"similarity={score:.2f} kept={keep[2][:80]!r}",
                )
                # a title the extractor read from the page's metadata stays: a body line is a worse
                # witness (issue 10: a table header row replaced a correct title)
                return Repaired(result.text, result.edits, title=keep[2] if doc.title is None else None)
        if doc.title is None and looks_like_heading(first, first_words):
            return Repaired(text, title=first)
        return Repaired(text)


def _top_lines(text: str, look: int, window: int = 4000) -> list[tuple[int, int, str]]:
    """(start, end, stripped line) of the first `look` non-empty lines among the first `3 * look`
    lines, in the first `window` characters (a line the window cuts is not one of them).

    Found newline by newline: no copy of the lines after the last one needed (docs/repair-speed.md;
    the same lines as splitting the window on its first `3 * look` newlines).
    """
    top: list[tuple[int, int, str]] = []
    pos = 0
    size = len(text)
    limit = min(size, window)
    for _ in range(3 * look):
        nl = text.find("\n", pos, limit)
        if nl < 0:
            break
        stripped = text[pos:nl].strip()
        if stripped:
            top.append((pos, nl, stripped))
            if len(top) >= look:
                return top
        pos = nl + 1
    else:
        if text.find("\n", pos, limit) >= 0:
            return top  # past the lines we look at
    if limit == size:  # the window's last line, unless the window cuts it
        stripped = text[pos:limit].strip()
        if stripped:
            top.append((pos, limit, stripped))
    return top


def _with_site_name(a: str, b: str) -> bool:
    """One line is the other plus a " | Site name" tail (the <title> copy).

    >>> _with_site_name("Police arrest three.", "Police arrest three. | The Daily Courier")
    True
    >>> _with_site_name("Police arrest three", "Police arrest three men after a break-in on Tuesday.")
    False
    """
    short, long = sorted((a, b), key=len)
    if not long.startswith(short):
        return False
    tail = long[len(short) :].strip()
    return tail[:1] in ("|", "-", "–", "—", "·", "»", ":") and len(tail) <= 60


def _two_sentences(a: str, b: str, same_words: bool) -> bool:
    """Either line ends like a sentence, or both end like a question or exclamation and say
    different things ("Где ты был вчера?" / "Где ты был утром?")."""
    if _reads_as_sentence(a) or _reads_as_sentence(b):
        return True
    return not same_words and all(
        line.rstrip(_CLOSING).endswith(("?", "!", "…", "？", "！")) for line in (a, b)
    )


def _reads_as_sentence(line: str) -> bool:
    """A line that ends like a sentence (the lines compared have three or more words)."""
    return line.rstrip(_CLOSING).endswith(_SENTENCE_END)


def _title_like(line: str, words: list[str]) -> bool:
    """A line (not too long: the caller checks) that could be a title: three or more words (`words`,
    those of the line), not a list item, a line of dialogue or a stage direction, a table row, a
    URL or a date."""
    if (
        line.startswith(("•", "-", "*", "·", "|", "—", "–", "(", "www."))
        or line.count("|") >= 2
        or line.count("\t") >= 2
        or "://" in line
    ):
        return False  # a table header row is no title (issue 10: "| Pos | Player | Plays | % |")
    count = 0
    for w in words:  # three words that are not numbers are enough
        if not w.isdigit():
            count += 1
            if count >= 3:
                return True
    return False
