"""Whole badly extracted pages (written for these tests in the shape of real news pages) through
the default pipeline's repairs: furniture goes, the article stays, title and captions are set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tamis.blocks import to_blocks
from tamis.document import Document, replay
from tamis.repair import REPAIR_ORDER
from tamis.steps import REGISTRY

PAGES = Path(__file__).resolve().parent.parent / "data" / "repair"


def clean(name: str, lang: str) -> Document:
    text = (PAGES / name).read_text("utf-8")
    doc = Document(id=name, text=text, annotations={"language": lang}, original=text)
    for step in (REGISTRY.get(n)() for n in REPAIR_ORDER):
        r = step.repair(doc.text, doc)
        doc = doc.replace(
            text=r.text,
            edits=doc.edits + r.edits,
            title=r.title or doc.title,
            captions=doc.captions + r.captions,
        )
    assert replay(text, doc.edits) == doc.text
    return doc


@pytest.mark.parametrize(
    ("name", "lang", "title", "caption", "kept", "gone"),
    [
        (
            "page_en.txt",
            "en",
            "Police arrest three after break-in at city museum",
            "The museum at night. Photo: John Doe/Reuters",
            [
                "Three men were arrested on Tuesday",
                'staff were "relieved"',
                "Officers recovered two paintings.",
            ],
            [
                "Skip to content",
                "Search for:",
                "Facebook Twitter",
                "Advertisement",
                "Read more:",
                "Related Posts",
                "Tags:",
                "Leave a comment",
                "Your email address",
                "All rights reserved",
                "cookies",
                "<br>",
                "&quot;",
            ],
        ),
        (
            "page_de.txt",
            "de",
            "Bundesregierung beschließt neues Klimapaket",
            "Bundeskanzler Olaf Scholz (SPD) bei der Pressekonferenz in Berlin. Foto: Kay Nietfeld/dpa",
            ["Die Bundesregierung hat am Mittwoch", "Kritik kam von der Opposition"],
            [
                "Zum Inhalt springen",
                "Startseite ›",
                "Artikel teilen",
                "Anzeige",
                "Lesen Sie auch",
                "Abonnenten",
                "Mehr zum Thema",
                "Schlagwörter",
                "Kommentare (12)",
                "Impressum",
                "© Tagesblatt",
                "- Tagesblatt",
            ],
        ),
        (
            "page_ru.txt",
            "ru",
            "В Москве открылся новый парк",
            "Фото: пресс-служба мэрии",
            ["В субботу в Москве открылся новый парк", "в основном липы и клёны"],
            [
                "Главная /",
                "Поделиться",
                "Читайте также",
                "Telegram",
                "Нашли ошибку",
                "Оставить комментарий",
                "Все права защищены",
                "cookie",
                "&mdash;",
                "Городские новости",
            ],
        ),
    ],
)
def test_page(name: str, lang: str, title: str, caption: str, kept: list[str], gone: list[str]) -> None:
    doc = clean(name, lang)
    assert doc.title == title
    assert caption in doc.captions
    for piece in kept:
        assert piece in doc.text, piece
    for piece in gone:
        assert piece not in doc.text, piece


def test_run_together_list_becomes_a_list_block() -> None:
    blocks = to_blocks(clean("page_de.txt", "de").text)
    lists = [b["items"] for b in blocks if b["type"] == "list"]
    assert lists == [["höhere CO2-Preise", "mehr Geld für den Schienenverkehr", "Förderung von Wärmepumpen"]]
