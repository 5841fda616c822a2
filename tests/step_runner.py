"""Run one repair step on a text the way the pipeline does, checking that its edits replay."""

from __future__ import annotations

from tamis.document import Document, Edit, replay
from tamis.steps import Repair


def run_repair(step: Repair, text: str, lang: str = "und") -> tuple[str, list[Edit]]:
    """The step's text and edits for `text`; fails the test when the edits do not replay."""
    r = step.repair(text, Document(id="t", text=text, annotations={"language": lang}))
    assert replay(text, r.edits) == r.text
    return r.text, list(r.edits)
