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
