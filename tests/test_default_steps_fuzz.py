"""The default pipeline's per-document steps on text that mixes every defect they repair.

No step may fail (a failure would reject the document for a bug, not for its content), and
every kept document's edit log must replay to its text. The pieces are the defects the repair
steps handle, real words of three languages, and input no step expects (control characters,
lone surrogates, characters beyond the BMP, unspaced scripts).
"""

from __future__ import annotations

import random

import pytest

from tamis.config import default_pipeline
from tamis.document import Document, Failed, replay
from tamis.pipeline import RunStats, process
from tamis.steps import CorpusStage

PIECES = [
    "Kasachstan.Für",
    "Tage,danach",
    "2027,grâce",
    "Mitarbeiter:innen",
    "\xad",
    "\u200b",
    "\u2060",
    "<p class=",
    "&nbsp;",
    "“ /></p>",
    "< li>",
    "•",
    "\n\n",
    "\n",
    " ",
    ".",
    ",",
    "!",
    "?",
    "e.g.",
    "www.x.Com",
    "a@b.Com",
    "ภาษา\u200bไทย",
    "Привет",
    "Übel",
    "𝐀😀",
    "\ud800",
    "insbesondereden",
    "Leave a Reply",
    "Teilen auf Facebook",
    "ВКонтакте",
    "Telegram",
    "12.03.2024",
    "z.B.Die",
    "Dr.Müller",
    "ofthe",
    "\t",
    "\r\n",
    "\x00",
    "\x1b",
    "Ã¼ber",
    "Most read",
    "+49 30 1234567",
]
WORDS = [
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "Haus",
    "Präsident",
    "sagte",
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "Putin",
    "Moskau",
]


@pytest.fixture(scope="module")
def steps() -> list:
    pipeline = default_pipeline()
    pipeline.setup()
    return [s for s in pipeline.steps if not isinstance(s, CorpusStage)]


@pytest.mark.parametrize("lang", ["de", "en", "ru"])
def test_no_step_fails_and_every_edit_log_replays(steps: list, lang: str) -> None:
    rng = random.Random(lang)
    for i in range(150):
        parts = [
            rng.choice(PIECES) if rng.random() < 0.4 else rng.choice(WORDS)
            for _ in range(rng.randrange(1, 80))
        ]
        text = "".join(p + (" " if rng.random() < 0.6 else "") for p in parts)
        out = process(Document(id=f"f{i}", text=text, original=text, meta={"lang": lang}), steps, RunStats())
        assert not isinstance(out.verdict, Failed), (out.verdict, text)
        if out.verdict is None:
            assert replay(text, out.edits) == out.text, text
