"""Move image captions and photo credits out of the body into the document's `captions`.

A caption line is short and carries a credit: a label ("Photo:", "Foto:", "Фото:", "Bild:",
"Credit:", "Source:", "©") or an agency / stock-photo name after a slash, bar or dash
("…/Getty Images", "| Foto: dpa", "(Photo: Reuters)"). Nothing is deleted: the line moves.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import regex

from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text import prefilter
from tamis.text.char_scan import lines_kernel
from tamis.text.language_data import words
from tamis.text.lines import line_spans
from tamis.text.prefilter import Unscannable, char_set, compact_class, exact_trie, regex_space


def _alternation(pieces: tuple[str, ...]) -> str:
    """One group of regex pieces from the language files; their spaces become `\\s` (the
    patterns below are verbose, so spaces must be explicit)."""
    return ("(?:" + "|".join(pieces) + ")").replace(" ", r"\s")


def _first_word(piece: str) -> str:
    """The word a regex piece opens with ("crédits?(?: photo)?" -> "crédit", "fot\\." -> "fot.")."""
    run = regex.match(r"(?:[^\W\d_]|\\\.)+", piece)
    word = run.group(0) if run else ""
    if piece[len(word) : len(word) + 1] in ("?", "*"):
        word = word[:-1]  # the last letter is optional
    return word.replace("\\.", ".")


# Credit labels ("Foto", "Photo credit") and the photo agencies and stock libraries that sign
# captions ("Getty Images"), of every language file (tamis/data/languages/*.toml, [captions])
_LABELS = words("captions", "labels")
_AGENCIES = words("captions", "agencies")
_LABEL = _alternation(_LABELS)
_AGENCY = _alternation(_AGENCIES)
# a credit that opens the line: "Foto: dpa", "Photo by X", "© AFP"
_LINK = "(?:[:©/|]|" + "|".join(rf"{w}\b" for w in words("captions", "link_words")) + ")"
_LEADING = regex.compile(
    rf"""(?ix)^[(\[]?(?:{_LABEL}\s*{_LINK}\s*\S.{{0,150}}|[©®]\s*\S.{{0,120}}
        |{_AGENCY}(?:\s*[/|,]\s*[^.!?]{{1,60}})?)$"""
)
_TRAIL_SEP = r"[/|•–—(\[]"  # what stands between a caption and its closing credit
# a credit that closes a caption: "…/Getty Images, Collage", "… | Foto: X", "… (Photo: Reuters)", "…. Photo AFP".
# A search that starts at the separator, with the text before it checked by a look-behind; the same
# lines as `^(?:.{0,200}?\S\s*SEP…|.{0,200}?[.,]…)$` tried from the line start, at half the cost
# (docs/speed.md; the same verdicts on 381k real and made-up lines)
_TRAILING = regex.compile(
    rf"""(?ix)
        {_TRAIL_SEP}(?<=^.{{0,200}}\S\s*.)\s*   # a separator after some text
        (?:(?:{_LABEL}\s*[:©]?\s*)?©?\s*{_AGENCY}\b.{{0,80}}$   # "…/Getty Images, Collage"
          | (?:{_LABEL})\s*[:©]\s*\S.{{0,80}}$)   # "… | Foto: Max Muster"
      | [.,](?<=^.{{1,201}})\s*{_LABEL}\s*:?\s*©?\s*{_AGENCY}\b.{{0,40}}$   # "…. Photo AFP"
    """
)
# cheap first look at a short line: a separator a trailing credit needs, or a leading label
_GATE = re.compile(r"[©®/|•–—(\[]")
_PHOTO_WORDS = words("captions", "photo_words")
_PHOTO = re.compile("|".join(map(re.escape, _PHOTO_WORDS)))  # one C-level scan for any of them
#: how a leading credit can start: the first word of each label and agency (a cheap gate before `_LEADING`)
_LEADING_WORDS = tuple(dict.fromkeys(_first_word(piece) for piece in _LABELS + _AGENCIES))
# a news dateline opens the article, it is not a caption: "TEHRAN (AFP) -", "BERLIN (dpa) –"
# "HAMBURG, 3. März (dpa)." opens an agency report on its own line too
_DATELINE = regex.compile(r"^\p{Lu}[\p{Lu} ./'-]{1,40}(?:,[^()]{1,40})?\s*\([^()]{1,30}\)\s*(?:[-–—:]|\.?$)")
_SENTENCES = regex.compile(r"[.!?…]\s+\p{Lu}")
# A URL's slashes are no credit separators ("visit http://shop.example.com/afp/deals." is no "…/afp" credit).
_URL = regex.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+")
# Labels that cite a text's source rather than a picture's: a citation ("Source: Annual Report,
# July 26, 2012", "(Quelle: Statistisches Bundesamt)") belongs to the article; with an agency or a
# picture word after it ("Quelle: dpa", "Source: Getty Images") it is a credit.
_SOURCE_LABEL = regex.compile(r"(?i)[(\[]?\s*" + _alternation(words("captions", "source_labels")) + r"\b")
_PICTURE = regex.compile("(?i)" + "|".join(words("captions", "picture_words")))
_AGENCY_WORD = regex.compile(rf"(?i)\b{_AGENCY}\b")
_SENTENCE_END = (".", "!", "?", "…", ".)", '."', ".”")


@register("repair.captions", version=1)
@dataclass(frozen=True)
class MoveCaptions(Repair):
    """Move image captions and photo credits out of the body into `captions` (not deleted)."""

    max_chars: int = 220  # captions are one short line; longer lines are prose that names a source
    #: a text before a wire credit that is this long and ends like a sentence is the article's own
    #: sentence with its credit ("… as demand recovers in the autumn. / Reuters"), not a caption.
    #: A class constant, not a field: a new field changes the pipeline fingerprint of every run
    min_sentence_words: ClassVar[int] = 12
    rules = {
        "caption": "an image caption or photo credit line, moved to the document's captions",
    }

    def setup(self) -> None:
        _caption_scan()  # built once per worker (~0.2 s), not in the first document's time

    def repair(self, text: str, doc: Document) -> Repaired:
        return self._move(text, _caption_scan())

    def repair_every_line(self, text: str) -> Repaired:
        """The plain check of every line (what `repair` does behind the scan; tests compare the two)."""
        return self._move(text, None)

    def _move(self, text: str, scan: _Scan | None) -> Repaired:
        """Move the lines that are captions; with a `scan`, judge only the lines it names (exact:
        every caption has a place where a leading or a trailing credit can begin)."""
        k = lines_kernel()
        if scan is not None and k is not None:
            # the same loop in compiled code: the short lines the scan names, stripped
            named = k.short_lines_where(text, self.max_chars, scan.lead.match, scan.trail.search)
            found = {i: s for i, s in named if _could_be_caption(s) and self.is_caption(s)}
            if not found:
                return Repaired(text)
            lines = text.split("\n")
            spans = line_spans(
                text, lines, [None if i not in found else "caption" for i in range(len(lines))]
            )
            result = Repaired.from_spans(text, spans, step=self.name)
            return Repaired(result.text, result.edits, captions=tuple(found.values()))
        lines = text.split("\n")
        verdicts: list[str | None] = []
        captions = []
        for line in lines:
            s = line.strip()
            if (
                s
                and len(s) <= self.max_chars
                and (scan is None or scan.lead.match(s) is not None or scan.trail.search(s) is not None)
                and _could_be_caption(s)
                and self.is_caption(s)
            ):
                captions.append(s)
                verdicts.append("caption")
            else:
                verdicts.append(None)
        if not captions:
            return Repaired(text)
        spans = line_spans(text, lines, verdicts)
        result = Repaired.from_spans(text, spans, step=self.name)
        return Repaired(result.text, result.edits, captions=tuple(captions))

    def is_caption(self, line: str) -> bool:
        """A short credit-bearing line that is not several sentences of prose.

        >>> MoveCaptions().is_caption("Putin kam nach Kasachstan/Getty Images, Collage 24 Channel")
        True
        >>> MoveCaptions().is_caption("Foto: dpa")
        True
        >>> MoveCaptions().is_caption("Source: the ministry said on Monday that it would act soon.")
        False
        >>> MoveCaptions().is_caption("TEHRAN (AFP) -")
        False
        >>> MoveCaptions().is_caption("Reuters reported that the talks had failed.")
        False
        """
        if _DATELINE.match(line) or line.startswith(("•", "- ", "* ", "· ")):
            return False  # a list item is the article's ("• Chip stocks fell on Monday. (Bloomberg)")
        line = _URL.sub("url", line)
        if _LEADING.match(line):
            # "Source: the ministry said on Monday that …" is prose: a leading credit is a few words
            n = len(line.split())
            if n > 8 or (n > 5 and line.endswith(".")) or line.endswith((",", ";")):
                return False
            source = _SOURCE_LABEL.match(line)
            if source and not _PICTURE.search(line) and not _AGENCY_WORD.search(line, source.end()):
                return False  # "Source: School Review, vol. 12": a citation
            agency = _AGENCY_WORD.match(line.lstrip("([ "))
            # "Reuters, Partners Launch New Data Service": a linked headline, not "AFP/Getty Images"
            return not (agency and not _PICTURE.search(line) and n > 4)
        # a caption may be two sentences and a credit; more is prose that names a source
        if len(_SENTENCES.findall(line)) >= 3:
            return False
        trailing = _TRAILING.search(line)
        if trailing is None:
            return False
        credit = line[trailing.start() :]
        if _PICTURE.search(credit):
            return True
        if _SOURCE_LABEL.search(credit):
            return False  # "… (Source: national statistics office.)": the article cites its source
        before = line[: trailing.start()].rstrip(" ([—–-")
        if not before.endswith(_SENTENCE_END):
            return True  # "Putin in Astana (AP)"
        # after a sentence, a bare agency ("… fell on Monday. (Bloomberg)") cites the article's source,
        # and a long sentence is the article's own; "(Name/Agency)" credits a photographer
        bare = "/" not in credit
        return not (bare or len(before.split()) >= self.min_sentence_words)


# Every caption matches `_LEADING` (a label, an agency or a sign opening the line) or `_TRAILING`
# (a separator, then a label, an agency or "©"). Two `re` patterns built from those same pieces
# (`tamis.text.prefilter.exact_trie`) tell where either can begin, and only lines with such a
# place go on to `_could_be_caption` and the `regex` patterns (docs/speed.md: 8.7k of 43k short
# lines of the bench corpus reached them before, 26 now).


class _Scan(NamedTuple):
    lead: re.Pattern[str]  # matched at a stripped line's start: where a leading credit can begin
    trail: re.Pattern[str]  # a separator that a closing credit can follow (never spans a newline)


@functools.cache
def _caption_scan() -> _Scan | None:
    """The scan (built at first use from the caption patterns' own pieces); None if it cannot be."""
    try:
        label, agency, link = exact_trie(_LABEL), exact_trie(_AGENCY), exact_trie(_LINK)
        sep, stop, copy, sign = (
            exact_trie(_TRAIL_SEP),
            exact_trie(r"[.,]"),
            exact_trie("©"),
            exact_trie("[©®]"),
        )
        bracket, after_agency = exact_trie(r"[(\[]"), exact_trie(r"[/|,]")
    except Unscannable:
        return None
    finally:
        prefilter.release()
    space = compact_class(regex_space()) + "*"
    lead = rf"{space}{bracket}?(?:{sign}|{label}{space}{link}|{agency}{space}(?:{after_agency}|\Z))"
    # one class opens the pattern, so that `re` skips to its characters in C
    opening = compact_class(char_set(_TRAIL_SEP) | char_set(r"[.,]"))
    trail = rf"{opening}(?:(?<={sep}){space}(?:{copy}|{label}|{agency})|(?<={stop}){space}{label})"
    return _Scan(re.compile(lead, re.IGNORECASE), re.compile(trail, re.IGNORECASE))


def _could_be_caption(line: str) -> bool:
    if _GATE.search(line):
        return True
    low = line.lower()
    # a leading credit starts with a label or an agency; ". Photo AFP" holds a photo word
    return low.startswith(_LEADING_WORDS) or _PHOTO.search(low) is not None
