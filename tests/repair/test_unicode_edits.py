"""repair.unicode records ftfy's fixes word by word: the edits replay, and none spans two words."""

from __future__ import annotations

import pytest

from tamis.document import Document, replay
from tamis.repair.unicode import FixUnicode
from tamis.text.diff import word_diff
from text_samples import LANGS, paragraphs

STEP = FixUnicode()


def mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252, the commonest mojibake on the web."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


@pytest.mark.parametrize("lang", LANGS)
def test_mojibake_of_real_paragraphs_is_fixed_with_word_sized_edits(lang: str) -> None:
    for clean in paragraphs(lang)[:3]:
        broken = mojibake(clean)
        if broken == clean or "\ufffd" in broken:
            continue
        result = STEP.repair(broken, Document(id="t", text=broken))
        assert replay(broken, result.edits) == result.text
        assert result.edits
        for edit in result.edits:  # ("à" in UTF-8 read as cp1252 is "Ã" + a no-break space)
            assert " " not in edit.removed and "\n" not in edit.removed, edit


def test_word_diff_spans_rebuild_the_new_line() -> None:
    old = "Le cafÃ© est prÃªt  et\u00a0chaud"
    new = "Le café est prêt  et chaud"
    spans = word_diff(old, new)
    rebuilt, pos = [], 0
    for start, end, inserted in spans:
        rebuilt += [old[pos:start], inserted]
        pos = end
    assert "".join(rebuilt) + old[pos:] == new
    assert spans == [(6, 8, "é"), (15, 17, "ê"), (22, 23, " ")]
