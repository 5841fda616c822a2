"""Step tests on one-line documents: what each repair records besides its text."""

from __future__ import annotations

from tamis.document import Document
from tamis.repair.boilerplate_lines import RemoveBoilerplateLines
from tamis.repair.captions import MoveCaptions
from tamis.repair.duplicate_title import DropDuplicateTitle
from tamis.repair.glued_words import SplitGluedWords
from tamis.repair.markup_residue import RemoveMarkupResidue
from tamis.repair.unicode import could_need_ftfy


def doc(text: str, lang: str = "und") -> Document:
    return Document(id="t", text=text, annotations={"language": lang})


def test_glued_words_record_zipf_evidence() -> None:
    text = "Ihm zufolge war eseine Reise."
    r = SplitGluedWords().repair(text, doc(text, "de"))
    (edit,) = r.edits
    assert (edit.removed, edit.inserted, edit.rule) == ("eseine", "es eine", "split_glued_pair")
    assert "es=6.9" in edit.evidence and "eine=6.8" in edit.evidence


def test_glued_words_language_without_word_list_is_untouched() -> None:
    text = "Біз туралыжаңалықтар"  # Kazakh: wordfreq has no list
    assert SplitGluedWords().repair(text, doc(text, "kk")).text == text


def test_captions_are_moved_not_deleted() -> None:
    text = "Foto: dpa\nDer Text."
    r = MoveCaptions().repair(text, doc(text))
    assert r.captions == ("Foto: dpa",)
    assert r.text == "Der Text."


def test_duplicate_title_sets_the_better_copy_as_title() -> None:
    text = "Putin visits Kazakhstan</p>\nPutin visits Kazakhstan today\nBody text that goes on."
    r = DropDuplicateTitle().repair(text, doc(text))
    assert r.title == "Putin visits Kazakhstan today"
    assert "</p>" not in r.text
    assert r.edits[0].rule == "duplicate_title"


def test_boilerplate_rules_are_named() -> None:
    text = "Text.\nLeave a Reply\nShare on Facebook\nAll rights reserved.\nRead more"
    r = RemoveBoilerplateLines().repair(text, doc(text))
    assert r.text == "Text."
    assert [e.rule for e in r.edits] == ["comment_form", "share_buttons", "copyright", "read_more"]


def test_boilerplate_long_line_is_never_touched() -> None:
    line = "Leave a Reply " + "x " * 200
    assert RemoveBoilerplateLines().repair(line, doc(line)).text == line


def test_markup_residue_on_clean_text_is_unchanged() -> None:
    text = "Nothing to see: a = b, 3 > 2 & so on."
    assert RemoveMarkupResidue().repair(text, doc(text)).edits == ()


def test_ftfy_gate_lets_mojibake_through() -> None:
    assert could_need_ftfy("donâ€™t")
    assert not could_need_ftfy("Grüße, Привет, Сәлем")
