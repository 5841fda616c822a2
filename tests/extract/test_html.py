"""HTML extraction: main text with structure, title, and a rejection for pages without text."""

from __future__ import annotations

import pytest

from tamis.clean import clean_document
from tamis.config import from_dict
from tamis.document import Document
from tamis.extract.html import ExtractHtml, RejectEmptyExtraction

PAGE = """<!DOCTYPE html><html lang="de"><head><title>Putin besucht Kasachstan | Zeitung</title></head>
<body><header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li></ul></nav></header>
<main><article><h1>Putin besucht Kasachstan überraschend</h1>
<p>Wladimir Putin traf am 8. November unerwartet in Kasachstan ein. Für den russischen Präsidenten ist es sehr wichtig, seinen Einfluss zu zeigen.</p>
<figure><img src="a.jpg" alt=""><figcaption>Putin in Astana. <b>Foto:</b> dpa</figcaption></figure>
<h2>Worüber sie sprachen</h2>
<p>Der russische und der kasachische Präsident diskutierten insbesondere den Bau eines Atomkraftwerks. Das Land bezweifelt die Machbarkeit.</p>
<ul><li>Kasachstan hat den Export von Hightech-Produkten nach Russland verboten.</li><li>Kasachstan verbot seinen Bürgern die Teilnahme am Krieg.</li></ul>
</article><section id="comments"><h3>Schreibe einen Kommentar</h3></section></main>
<footer><p>© 2024 Zeitung. Alle Rechte vorbehalten.</p></footer></body></html>"""


@pytest.mark.parametrize("engine", ["trafilatura", "resiliparse"])
def test_extracts_main_text(engine: str) -> None:
    doc = Document(id="p", text=PAGE, meta={"format": "html"})
    r = ExtractHtml(engine=engine).repair(PAGE, doc)
    assert r.rebase
    assert "Wladimir Putin traf am 8. November" in r.text
    assert "Startseite" not in r.text and "Alle Rechte vorbehalten" not in r.text
    assert r.annotations["extract.text_chars"] == len(r.text)
    assert r.title and "Putin besucht Kasachstan" in r.title


def test_trafilatura_keeps_structure() -> None:
    r = ExtractHtml().repair(PAGE, Document(id="p", text=PAGE, meta={"format": "html"}))
    assert "\n• Kasachstan hat den Export" in r.text
    assert "\n\nWorüber sie sprachen\n\n" in r.text
    assert "#" not in r.text and "Schreibe einen Kommentar" not in r.text
    assert r.captions == ("Putin in Astana. Foto: dpa",)
    assert "Foto: dpa" not in r.text


def test_plain_text_passes_unchanged() -> None:
    text = "<p>not a page</p>"
    r = ExtractHtml().repair(text, Document(id="t", text=text))
    assert r.text == text and not r.rebase


def test_page_without_text_is_rejected_in_a_pipeline() -> None:
    page = "<!DOCTYPE html><html><head><script>var a=1;</script></head><body><nav></nav></body></html>"
    pipeline = from_dict({"steps": [{"use": "extract.html"}, {"use": "filter.empty_text"}]}).pipeline
    doc = clean_document(page, pipeline)
    assert doc.text == ""
    assert doc.verdict is not None and doc.verdict.rule == "empty_after_extraction"


def test_empty_filter_ignores_non_html() -> None:
    assert RejectEmptyExtraction().judge({}, "de") is None


def test_bad_engine_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="engine must be one of"):
        ExtractHtml(engine="bs4")
