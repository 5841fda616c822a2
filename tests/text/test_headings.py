"""One heading rule, used by repair.duplicate_title (a first line as title) and tamis.blocks."""

from __future__ import annotations

from tamis.blocks import to_blocks
from tamis.document import Document
from tamis.repair.duplicate_title import DropDuplicateTitle
from tamis.text.headings import looks_like_heading


def test_a_short_line_of_a_few_words_without_a_sentence_end_is_a_heading() -> None:
    assert looks_like_heading("Neue Regeln für den Wohnungsbau")
    assert looks_like_heading("Что изменится в 2025 году?")  # a question may head a section
    assert not looks_like_heading("Die Regierung hat neue Regeln beschlossen.")
    assert not looks_like_heading("Einleitung")  # one word: too little to tell
    assert not looks_like_heading(" ".join(["word"] * 21))
    assert not looks_like_heading("x " * 80)


def test_duplicate_title_and_blocks_agree_on_the_first_line() -> None:
    step = DropDuplicateTitle()
    for first in ["Neue Regeln für den Wohnungsbau", "Was ändert sich 2025?", "Einleitung", "Er kam spät."]:
        text = f"{first}\n\nDie Regierung hat am Montag neue Regeln beschlossen. Sie gelten ab Mai."
        titled = step.repair(text, Document(id="d", text=text)).title == first
        kind = to_blocks(text)[0]["type"]
        assert titled == (kind == "heading") == looks_like_heading(first), first
