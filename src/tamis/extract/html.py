"""Extract the main text of HTML pages (WARC records, .html files, sniffed HTML) with trafilatura.

Why trafilatura (docs/repair.md has the figures): it is the best open-source single tool in
both public benchmarks we checked (ScrapingHub article-extraction-benchmark: F1 0.958 for
trafilatura 2.0.0; Bevendorff et al. 2023: best single tool by mean ROUGE-LSum F1), it keeps
headings, paragraphs and lists, and it drops comment sections. Resiliparse is several times
faster (bench/repair_extract_speed.py) and stays available as `engine = "resiliparse"` for
crawls where extraction speed matters more than recall of lists and precision on comments.

Paragraphs come out separated by blank lines, headings as plain lines, list items as "• item",
so the repair steps and `tamis.blocks` see the page's structure; <figcaption> texts go to the
document's `captions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import regex

from tamis.document import Document, Rejected
from tamis.steps import Filter, Repair, Repaired, register

_HEADING = regex.compile(r"^#{1,6}[^\S\n]+", regex.M)
_LIST = regex.compile(r"^[^\S\n]*[-*][^\S\n]+(?=\S)", regex.M)
_EMPHASIS = regex.compile(
    r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"
)
_TABLE_RULE = regex.compile(
    r"^\|?[^\S\n]*:?-{3,}:?[^\S\n]*(?:\|[^\S\n]*:?-{3,}:?[^\S\n]*)*\|?[^\S\n]*\n?", regex.M
)
_TABLE_ROW = regex.compile(r"^\|[^\S\n]*(.*?)[^\S\n]*\|[^\S\n]*$", regex.M)
_ENGINES = ("trafilatura", "resiliparse")
_FIGCAPTION = regex.compile(r"<figcaption\b[^>]*>(.{1,2000}?)</figcaption\s*>", regex.I | regex.S)
_INNER_TAG = regex.compile(r"<[^>]{0,500}>")


def figure_captions(page: str, limit: int = 20) -> tuple[str, ...]:
    """The text of the page's <figcaption> elements (the extractor leaves them out of the body).

    >>> figure_captions('<figure><img src="a.jpg"><figcaption>Putin in Astana. <b>Foto:</b> dpa</figcaption></figure>')
    ('Putin in Astana. Foto: dpa',)
    """
    import html

    out = []
    for m in _FIGCAPTION.finditer(page):
        text = " ".join(html.unescape(_INNER_TAG.sub(" ", m.group(1))).split())
        if 0 < len(text) <= 300 and text not in out:
            out.append(text)
        if len(out) >= limit:
            break
    return tuple(out)


def _from_markdown(text: str) -> str:
    """Trafilatura's formatted output as plain structured text.

    >>> _from_markdown("# Title\\n\\nSome **bold** text.\\n\\n- one\\n- two")
    'Title\\n\\nSome bold text.\\n\\n• one\\n• two'
    >>> _from_markdown("| Preis | 12 € |\\n| --- | --- |\\n| Versand | frei |")
    'Preis | 12 €\\nVersand | frei'
    """
    text = _HEADING.sub("", text)
    text = _LIST.sub("• ", text)
    text = _TABLE_ROW.sub(r"\1", _TABLE_RULE.sub("", text))  # a table row stays one line, cells " | "
    return _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)


@register("extract.html", version=1)
@dataclass(frozen=True)
class ExtractHtml(Repair):
    """Extract the main text, title and structure of HTML documents; other documents pass unchanged."""

    engine: str = "trafilatura"  # or "resiliparse": faster, keeps less structure (docs/repair.md)
    include_tables: bool = True
    favor: str = "balanced"  # trafilatura: "balanced" | "precision" | "recall"
    fallback: bool = True  # when trafilatura finds nothing, try resiliparse before giving up
    rules = {
        "extracted": "HTML page replaced by its extracted main text (the page stays in the source file)",
        "no_text": "HTML page with no extractable main text (text set to empty; filter.empty_text rejects it)",
    }
    provides = ("extract.text_chars",)

    def __post_init__(self) -> None:
        if self.engine not in _ENGINES:
            raise ValueError(f"engine must be one of {', '.join(_ENGINES)}; got {self.engine!r}")
        if self.favor not in ("balanced", "precision", "recall"):
            raise ValueError(f"favor must be balanced, precision or recall; got {self.favor!r}")

    def setup(self) -> None:
        # import once per worker; a missing module should fail when the pipeline is built
        if self.engine == "trafilatura":
            import trafilatura  # noqa: F401
        else:
            import resiliparse.extract.html2text  # noqa: F401

    def repair(self, text: str, doc: Document) -> Repaired:
        if doc.meta.get("format") != "html":
            return Repaired(text)
        engine = self.engine
        title, body = self._trafilatura(text) if engine == "trafilatura" else self._resiliparse(text)
        body = body.strip()
        if not body and engine == "trafilatura" and self.fallback:
            # trafilatura finds no main text on some short or unusual pages; resiliparse's simpler
            # heuristics often still do (and cost ~1% of the time)
            engine = "resiliparse"
            fallback_title, body = self._resiliparse(text)
            body = body.strip()
            title = title or fallback_title
        annotations: dict[str, Any] = {
            "extract.engine": engine,
            "extract.text_chars": len(body),
            "extract.html_chars": len(text),
        }
        if not body:
            annotations["extract.rule"] = "no_text"
        captions = figure_captions(text) if "<figcaption" in text.lower() else ()
        return Repaired(body, title=title or None, captions=captions, annotations=annotations, rebase=True)

    def _trafilatura(self, page: str) -> tuple[str | None, str]:
        import trafilatura

        result = trafilatura.bare_extraction(
            page,
            with_metadata=True,
            include_comments=False,
            include_tables=self.include_tables,
            include_formatting=True,
            favor_precision=self.favor == "precision",
            favor_recall=self.favor == "recall",
        )
        if result is None:
            return None, ""
        text = result.text if hasattr(result, "text") else result.get("text")
        title = result.title if hasattr(result, "title") else result.get("title")
        return title, _from_markdown(text or "")

    def _resiliparse(self, page: str) -> tuple[str | None, str]:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        tree = HTMLTree.parse(page)
        title = tree.title.strip() if tree.title else None
        body = extract_plain_text(
            tree, preserve_formatting=True, main_content=True, list_bullets=True, alt_texts=False
        )
        return title, body


@register("filter.empty_text", version=1)
@dataclass(frozen=True)
class RejectEmptyExtraction(Filter):
    """Reject HTML documents whose extraction found no main text."""

    rules = {"empty_after_extraction": "the HTML page has no extractable main text"}

    def judge(self, annotations: Mapping[str, Any], lang: str) -> Rejected | None:
        chars = annotations.get("extract.text_chars")
        if chars is not None and int(chars) == 0:
            return Rejected(self.name, "empty_after_extraction", 0, 1)
        return None
