"""Remove date stamps of news pages: a line that is a publication or update date and little else.

Extractors keep the stamp that sits over an article: "Updated: 03/03/2024 14:35", "Автор: Иван
Петров | 03.03.2024 14:35 | Просмотров: 1234", "Par Marie Dupont, publié le 03/03/2024 à 14h35",
"Berlin, 3. März 2024". A line goes only when it holds a whole date (day, month and a year
1900-2099, in figures or with a month name of a language file's `[datelines]`) and, once the dates, times, numbers,
separators and stamp words ("published", "aktualisiert", "автор", "views", ...) are taken out,
at most `max_words_with_label` words remain (an author's name) when a stamp word was there, or
at most `max_words_alone` (a place) when none was. A line that ends like a sentence is prose
("Am 3. März 2024 starb er."), and so is anything longer than `max_chars`. The removed line is
kept in the edit log, as every removal is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tamis.document import Document
from tamis.steps import Repair, Repaired, register
from tamis.text.language_data import words
from tamis.text.lines import delete_judged_lines

#: month names of every language file (tamis/data/languages/*.toml, [datelines])
_MONTHS = frozenset(words("datelines", "months"))
_MONTH = "|".join(sorted(set(_MONTHS), key=len, reverse=True))
#: a whole date: day, month and year, in figures or with a month name
DATE_PATTERN = (
    r"(?<![\d.])\b(?:\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}\.? (?:de )?(?:{_MONTH})\.?,? (?:de )?\d{{4}}"
    rf"|(?:{_MONTH})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})(?!\d)"
)
#: every character of a month name: a run of them, then `\.? \d`, opens each month-led date
_MONTH_CHARS = "[" + "".join(sorted(re.escape(c) for c in set("".join(_MONTHS)))) + "]"
#: `DATE_PATTERN` with what each alternative needs first as look-aheads (implied by it, so the
#: matches are the same): the three that open with a digit are tried only at a digit, the one
#: that opens with a month name only before a run of month letters and `\.? \d`, instead of trying
#: the month alternation at every word start (docs/repair-speed.md)
_DATE = re.compile(
    r"(?<![\d.])\b(?:(?=\d)(?:\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}\.? (?:de )?(?:{_MONTH})\.?,? (?:de )?\d{{4}})"
    rf"|(?={_MONTH_CHARS}+\.? \d)(?:{_MONTH})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})(?!\d)",
    re.IGNORECASE,
)
# a day and month, with or without the year: one end of a range
_DAY_MONTH = (
    rf"(?:\d{{1,2}}\.?\s*(?:de\s+)?(?:{_MONTH})\b\.?|(?:{_MONTH})\b\.?\s*\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|\d{{1,2}}[./]\d{{1,2}}\b[./]?)(?:,?\s*(?:de\s+)?\d{{4}})?"
)
#: two dates joined as a span ("12 March – 30 June 2024", "Du 12 mars au 30 juin", "08-09 November
#: 2019"): an event's run, not the page's date (issue 10: an exhibition's dates were deleted)
_RANGE_WORDS = "|".join(words("datelines", "range_words"))
_DATE_RANGE = re.compile(
    rf"(?:{_DAY_MONTH}|\b\d{{1,2}}\.?)\s*(?:[-–—]|\b(?:{_RANGE_WORDS})\b)\s*{_DAY_MONTH}",
    re.IGNORECASE,
)
#: the separator of `_DATE_RANGE`, alone: a line without one holds no range, and this scan costs
#: a tenth of the whole pattern's, whose month names are tried at every position
_RANGE_SEPARATOR = re.compile(rf"[-–—]|\b(?:{_RANGE_WORDS})\b", re.IGNORECASE)
#: a table row's cell separators; a row with a bare number in a cell holds data, not a stamp
_CELL = re.compile(r"\s*[│|\t]\s*")
_NUMBER = re.compile(r"[-+]?\d[\d.,%:+]*")
_LONG_NUMBER = re.compile(r"#?\d{3,}")
_YEAR_20 = re.compile(r"20\d\d")
_YEAR_19 = re.compile(r"19\d\d")
_TIME = re.compile(r"\b\d{1,2}[:h]\d{2}(?::\d{2})?(?: ?(?:am|pm|a\.m\.|p\.m\.))?", re.IGNORECASE)
#: words that make a line a stamp: labels, byline markers and counters (lowercase)
STAMP_WORDS = frozenset(words("datelines", "stamp_words"))
#: small words a stamp holds around its date ("on", "am … um … Uhr", "le … à", "в"): not counted
FILLER_WORDS = frozenset(words("datelines", "filler_words"))
_SEPARATORS = ",|·•–—-/"
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = (".", "!", "?", "…", ":")


@register("repair.datelines", version=1)
@dataclass(frozen=True)
class RemoveDatelines(Repair):
    """Remove lines that are a page's date stamp: a whole date with at most a label, author or place."""

    max_chars: int = 160
    max_words_with_label: int = 4  # "Автор: Иван Петров", "By Jane Smith" beside the date
    max_words_alone: int = 2  # "Berlin, 3. März 2024", "New York, March 3, 2024"
    rules = {"dateline": "a line that is a publication or update date stamp (label, date, time, author)"}

    def repair(self, text: str, doc: Document) -> Repaired:
        # a page's date stamp holds a year of this or the last century: two literal-led scans (as
        # fast as `str.find`) name the few places, and only the short lines there are judged
        years = [m.start() for m in _YEAR_20.finditer(text)] + [m.start() for m in _YEAR_19.finditer(text)]
        if not years:
            return Repaired(text)
        return delete_judged_lines(text, years, self._verdict, self.name, max_chars=self.max_chars + 40)

    def _verdict(self, line: str) -> str | None:
        return "dateline" if self.is_dateline(line) else None

    def is_dateline(self, line: str) -> bool:
        """Whether a stripped line is a date stamp.

        >>> step = RemoveDatelines()
        >>> step.is_dateline("Updated: 03/03/2024 14:35"), step.is_dateline("Am 3. März 2024 starb er.")
        (True, False)
        """
        if not line or len(line) > self.max_chars:
            return False
        first = _DATE.search(line)
        # the costly range and table checks last, for the few lines shaped like a stamp (the
        # checks are pure, so their order changes no verdict; docs/repair-speed.md)
        return (
            first is not None
            and self._stamp_around(line, first)
            and not _is_date_range(line)
            and not _is_table_row(line)
        )

    def _stamp_around(self, line: str, first: re.Match[str]) -> bool:
        """Whether what surrounds the line's first date is what a stamp holds (labels, an author,
        a place, a time), not prose."""
        head = line[: first.start()].strip()
        head_words = [w.lower() for w in _WORD.findall(head)]
        tail_words = [w.lower() for w in _WORD.findall(_TIME.sub(" ", _DATE.sub(" ", line[first.start() :])))]
        # after the date a stamp holds only stamp words ("| 5 Comments", "à 14h35", "Uhr"):
        # "By 3 March 2024 the army had retreated" goes on like prose
        if any(w not in STAMP_WORDS and w not in FILLER_WORDS for w in tail_words):
            return False
        labelled = any(w in STAMP_WORDS for w in head_words + tail_words)
        others = [w for w in head_words if w not in STAMP_WORDS and w not in FILLER_WORDS]
        if others and line.endswith(_SENTENCE_END):
            return False  # "Am 3. März 2024 starb er."
        if not labelled and _LONG_NUMBER.search(_TIME.sub(" ", _DATE.sub(" ", line))):
            return False  # "Decca - #40512 / March 3, 1991": a catalogue entry
        if not head_words:  # the date opens the line
            return True
        if head_words[0] in STAMP_WORDS:  # "Updated:", "Автор: …", "Par …", "Posted by …"
            return len(others) <= self.max_words_with_label
        # a place, weekday or author, then a separator: "Berlin, 3. März 2024", "Jane Smith | …"
        return (
            len(head_words) <= self.max_words_alone + (self.max_words_with_label if labelled else 0)
            and head[-1] in _SEPARATORS
            and len(others) <= self.max_words_alone
        )


def _is_date_range(line: str) -> bool:
    return _RANGE_SEPARATOR.search(line) is not None and _DATE_RANGE.search(line) is not None


def _is_table_row(line: str) -> bool:
    """Three or more cells, one of them a bare number ("2020-08-01 17:58 │ 200 │ 3850").

    >>> _is_table_row("2020-08-01 17:58 │ 200 │ 3850"), _is_table_row("Автор: Иван | 03.03.2024 | Просмотров: 12")
    (True, False)
    """
    cells = _CELL.split(line.strip(" │|"))
    numbers = [c for c in cells if _NUMBER.fullmatch(c) and not _DATE.search(c) and not _TIME.fullmatch(c)]
    return len(cells) >= 3 and bool(numbers)
