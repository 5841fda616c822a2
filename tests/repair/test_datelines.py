"""repair.datelines: a page's date stamp goes whole; prose that names a date stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from step_runner import run_repair
from tamis.repair.datelines import RemoveDatelines
from text_samples import LANGS, paragraphs, sentences

STEP = RemoveDatelines()
SHARED = Path(__file__).resolve().parents[3] / "shared"

STAMPS = [
    "Updated: 03/03/2024 14:35",
    "Posted by admin on March 3, 2024 | 5 Comments",
    "By Jane Smith | March 3, 2024",
    "Veröffentlicht am 03.03.2024 um 14:35 Uhr",
    "Berlin, 3. März 2024",
    "Mittwoch, 03.03.2024",
    "Par Marie Dupont, publié le 03/03/2024 à 14h35, mis à jour le 03/03/2024 à 16h00",
    "Автор: Иван Петров | 03.03.2024 14:35 | Просмотров: 1234",
    "Опубліковано 3 березня 2024 о 14:35",
    "Publicado el 3 de marzo de 2024",
    "Pubblicato il 3 marzo 2024 alle 14:35",
    "Opublikowano: 3 marca 2024",
    "2024-03-03 14:35",
]
PROSE = [
    "Am 3. März 2024 starb er.",
    "Protests by students on 3 March 2024",
    "By 3 March 2024 the army had retreated",
    "Von 3. März 2024 an gilt die neue Regel",
    "Meeting on 3 March 2024 at the hall",
    "March 3, 2024: Company founded",
    "The law was published on 3 March 2024 and updated later",
    "Der Vertrag vom 03.03.2024 wurde von beiden Seiten unterzeichnet",
    "Am 03.03.2024 veröffentlichte die Regierung neue Zahlen.",
    "3 марта 2024 года президент подписал указ о помиловании.",
]


def repair(text: str) -> tuple[str, list]:
    return run_repair(STEP, text)


@pytest.mark.parametrize("stamp", STAMPS)
def test_a_stamp_between_paragraphs_goes_whole(stamp: str) -> None:
    before, after = paragraphs("de")[0], paragraphs("en")[0]
    fixed, edits = repair(f"{before}\n{stamp}\n{after}")
    assert fixed == f"{before}\n{after}"
    assert [(e.rule, e.removed) for e in edits] == [("dateline", stamp + "\n")]


@pytest.mark.parametrize("line", PROSE)
def test_prose_that_names_a_date_stays(line: str) -> None:
    assert repair(f"{paragraphs('fr')[0]}\n{line}")[1] == []


@pytest.mark.parametrize("lang", LANGS)
def test_real_prose_stays(lang: str) -> None:
    for text in paragraphs(lang) + sentences(lang):
        assert repair(text)[1] == [], text


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared")
def test_no_line_of_the_novels_or_of_human_news_text_is_taken_for_a_stamp() -> None:
    # measured over all ~1M clean lines: only lines that are a bare date or time stamp go
    # (UD English e-mail headers "02/13/2001 08:02 PM", GUM blog datelines)
    for path in sorted((SHARED / "corpora" / "eltec").glob("*.txt")):
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i == 20_000:
                    break
                assert repair(line)[1] == [], (path.name, line)
    with (SHARED / "mt" / "wmt22_dev.jsonl").open(encoding="utf-8") as fh:
        for row in map(json.loads, fh):
            assert repair(row["text"])[1] == [], row["text"]


def test_stamps_on_the_first_middle_and_last_lines_all_go() -> None:
    body = paragraphs("en")[0]
    stamps = [STAMPS[6], STAMPS[0], STAMPS[7]]  # two years on the first and on the last line
    text = "\n".join([stamps[0], body, stamps[1], body, stamps[2]])
    fixed, edits = repair(text)
    assert fixed == f"{body}\n{body}"
    assert [e.removed.strip("\n") for e in edits] == stamps


def test_the_range_separator_scan_names_every_range() -> None:
    # _is_date_range runs the costly range pattern only on lines with a range separator; on
    # ranges of every language's month names and range words it agrees with the pattern alone
    import random

    from tamis.repair import datelines

    rng = random.Random(3)
    months = sorted(datelines._MONTHS)
    separators = ["-", "–", "—", *(f" {w} " for w in datelines._RANGE_WORDS.split("|"))]
    ranges = 0
    for i in range(4000):
        month = rng.choice(months)
        month = (month.upper(), month.title(), month)[i % 3]
        start = f"{rng.randint(1, 31)}{rng.choice(['.', '', ' '])}" + (f" {month}" if i % 2 else "")
        end = f"{rng.choice(months).title()} {rng.randint(1, 31)}, {rng.randint(1900, 2030)}"
        separator = rng.choice(separators)
        separator = separator.upper() if i % 5 == 0 else separator
        for line in (start + separator + end, start + " " + end, f"Am {start} und {end}"):
            expected = datelines._DATE_RANGE.search(line) is not None
            ranges += expected
            assert datelines._is_date_range(line) == expected, line
    assert ranges > 1000


def test_the_date_look_aheads_change_no_match() -> None:
    # _DATE is DATE_PATTERN with look-aheads for what each alternative opens with; on dates of every
    # language's month names, in odd case and after odd characters, both find the same matches
    import random
    import re

    from tamis.repair import datelines

    plain = re.compile(datelines.DATE_PATTERN, re.IGNORECASE)
    rng = random.Random(5)
    months = sorted(datelines._MONTHS)
    # case variants `re.IGNORECASE` equates with a letter, and characters that touch the date
    odd = {"i": "İı", "k": "\u212a", "s": "ſ", "ι": "\u0345\u1fbe", "σ": "ς"}
    found = 0
    for i in range(6000):
        month = rng.choice(months)
        month = (month.upper(), month.title(), month, month.swapcase())[i % 4]
        month = "".join(rng.choice(odd.get(c.lower(), c)) if rng.random() < 0.2 else c for c in month)
        day, year = rng.randint(1, 31), rng.randint(1890, 2100)
        date = rng.choice(
            [
                f"{month} {day}, {year}",
                f"{month}. {day}th {year}",
                f"{day}. {month} {year}",
                f"{day} de {month} de {year}",
                f"{day:02d}.{rng.randint(1, 12):02d}.{year}",
                f"{year}-{rng.randint(1, 12):02d}-{day:02d}",
                f"{month}{day} {year}",
                f"{month} {year}",
            ]
        )
        before = rng.choice(["", "Updated: ", "x", "1", ".", " ", "Berlin, ", "\u0345", "_"])
        after = rng.choice(["", " 14:35", "0", ".", " | 5 Comments", "x"])
        line = before + date + after
        for text in (line, f"{line} und {line}"):
            old, new = plain.search(text), datelines._DATE.search(text)
            assert (old and old.span()) == (new and new.span()), text
            assert plain.sub(" ", text) == datelines._DATE.sub(" ", text), text
            found += old is not None
    assert found > 4000
