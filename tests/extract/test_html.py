"""HTML extraction: main text with structure, title, and a rejection for pages without text."""

from __future__ import annotations

import pytest

from tamis.clean import clean_document
from tamis.config import from_dict
from tamis.document import Document
from tamis.extract.article_text import crop_to_span
from tamis.extract.budget import nesting_depth
from tamis.extract.html import ExtractHtml, _without_title_line
from tamis.filter.empty_text import RejectEmptyExtraction
from tamis.steps import Repaired

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


def _extract(page: str, **params: object) -> Repaired:
    return ExtractHtml(**params).repair(page, Document(id="p", text=page, meta={"format": "html"}))  # type: ignore[arg-type]


# text that trafilatura's Markdown output escapes (issue 10: 48 of 181 benchmark pages)
MARKDOWN_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Dance company names a new director</title></head>
<body><article><h1>Dance company names a new director</h1>
<h3>A season of premieres</h3>
<p>The company said that Choreographer_Jeong will lead it [again] from March, after a vote of the board.</p>
<p>Her first season has three parts: 1) Lego, a piece for children; 2) * Clique, a trio; and a gala.</p>
<ul><li>Tickets_2025 go on sale in May.</li><li>Members [early access] buy a week before.</li></ul>
<table><tr><th>Pos</th><th>Piece</th></tr><tr><td>1</td><td>Lego</td></tr></table>
<p>The board thanked the outgoing director for nine years of work and a full house every spring.</p>
</article></body></html>"""


def test_plain_text_has_no_markdown_escapes_or_heading_marks() -> None:
    r = _extract(MARKDOWN_PAGE)
    assert "Choreographer_Jeong" in r.text and "[again]" in r.text
    assert "1) Lego" in r.text and "* Clique" in r.text and "Tickets_2025" in r.text
    assert "\\" not in r.text and "#" not in r.text and "**" not in r.text
    assert r.text.startswith("A season of premieres\n\nThe company said")
    assert "• Members [early access] buy a week before." in r.text
    assert "Pos | Piece\n1 | Lego" in r.text


def test_markdown_is_an_explicit_output_option() -> None:
    r = _extract(MARKDOWN_PAGE, output="markdown")
    assert "### A season of premieres" in r.text
    assert "Choreographer\\_Jeong" in r.text  # Markdown, escapes and all, when asked for


def test_title_is_not_repeated_as_the_first_body_line() -> None:
    r = _extract(MARKDOWN_PAGE)
    assert r.title == "Dance company names a new director"
    assert not r.text.startswith("Dance company")
    kept = _extract(MARKDOWN_PAGE, drop_title_line=False)
    assert kept.text.startswith("Dance company names a new director\n")


def test_a_first_line_unlike_the_title_stays() -> None:
    body = "Dance company names its director\n\nThe company said on Monday that it had chosen."
    assert _without_title_line(body, "Dance company names a new director") == body
    assert _without_title_line(body, "DANCE COMPANY names its director!") == body.split("\n\n", 1)[1]
    title = "Dance company names its director » Local » News"
    assert _without_title_line(body, title) == body.split("\n\n", 1)[1]  # the title's headline part
    lead = "Dance company names a new director, the board said on Monday.\n\nMore text."
    assert _without_title_line(lead, "Dance company names a new director") == lead


def test_crop_keeps_inner_headings_and_drops_the_periphery() -> None:
    blocks = [
        "Sign up for our newsletter",
        "Lead paragraph.",
        "A heading",
        "Second paragraph.",
        "Reader comment.",
    ]
    assert crop_to_span(blocks, ["Lead paragraph.", "Second paragraph."]) == blocks[1:4]
    assert crop_to_span(blocks, []) == blocks


def test_resiliparse_is_taken_only_when_trafilatura_lost_most_prose() -> None:
    paragraphs = [
        "The council met on Monday and agreed to rebuild the old bridge over the river by next year.",
        "Engineers said the work would close the road for six months while the new piers are set.",
        "Local shops fear losing customers while the detour sends traffic through the northern suburbs.",
        "A public meeting about the plans will be held at the town hall on the first Thursday of May.",
    ]
    whole = "\n".join(paragraphs)
    # trafilatura kept one paragraph of four: the three it lost outweigh what it kept
    assert ExtractHtml._resiliparse_is_fuller(paragraphs[0], whole)
    # it kept three of four, or all of them: its text stays
    assert not ExtractHtml._resiliparse_is_fuller("\n".join(paragraphs[:3]), whole)
    assert not ExtractHtml._resiliparse_is_fuller(whole, whole + "\nShare this story")
    # resiliparse's text does not hold trafilatura's: not the same article
    assert not ExtractHtml._resiliparse_is_fuller("Ein ganz anderer Text über etwas anderes.", whole)


def _deep_page(levels: int) -> str:
    para = "<p>A short article paragraph that sits at the bottom of a very deep tree of elements.</p>"
    return "<!DOCTYPE html><html><body>" + "<div>" * levels + para + "</div>" * levels + "</body></html>"


@pytest.mark.issue(11)
def test_deeply_nested_page_is_rejected_with_a_reason() -> None:
    # 100k nested <div>s, 1.1 MB: resiliparse (the fallback) is quadratic in depth (191 s before)
    pipeline = from_dict({"steps": [{"use": "extract.html"}, {"use": "filter.empty_text"}]}).pipeline
    doc = clean_document(_deep_page(100_000), pipeline)
    assert doc.verdict is not None and doc.verdict.rule == "extraction_over_budget"
    assert doc.verdict.value == "nesting depth >= 1000"


def test_nesting_depth_counts_elements_as_written() -> None:
    assert nesting_depth(_deep_page(3000), 1000) == 1000
    assert nesting_depth(_deep_page(5), 3) == 3
    # unclosed <p>, <li> and void elements are normal HTML, not nesting
    assert nesting_depth("<div>" + "<p>a<br><li>b<img src=x>" * 2000 + "</div>", 1000) == 1


def test_page_over_the_size_budget_is_not_extracted() -> None:
    r = _extract(MARKDOWN_PAGE, max_html_chars=500)
    assert r.text == "" and r.annotations["extract.rule"] == "over_budget"
    assert r.annotations["extract.over_budget"].startswith("size: ")


def test_trafilatura_over_the_time_budget_hands_over_to_resiliparse() -> None:
    page = (
        "<html><body>"
        + "<p>Paragraph with several words in it, long enough to be kept.</p>" * 20_000
        + "</body></html>"
    )
    r = _extract(page, max_seconds=0.01)
    assert r.annotations["extract.over_budget"] == "time: trafilatura over 0.01 s"
    assert r.annotations["extract.engine"] == "resiliparse" and r.annotations["extract.choice"] == "fallback"
    assert r.text.count("Paragraph with several words") == 20_000
