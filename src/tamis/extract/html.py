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

import importlib.util
from dataclasses import dataclass
from typing import Any

import regex

from tamis.document import Document
from tamis.extract.article_text import (
    body_blocks,
    containment,
    crop_to_span,
    element_block,
    new_prose_tokens,
    same_words,
    tokens,
)
from tamis.extract.budget import nesting_depth, within_seconds
from tamis.steps import Repair, Repaired, register

_ENGINES = ("trafilatura", "resiliparse")
#: resiliparse replaces trafilatura when the paragraphs only it found hold this share of
#: trafilatura's tokens: trafilatura then has at most ~57% of the article (issue 10: wired.com pages
#: lost 50-65%); the highest share on the 51 benchmark pages is 0.33 (docs/repair.md)
_FULLER = 0.75
_TITLE_SEPARATOR = regex.compile(r"\s+[|»·–—-]\s+|:\s+")
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


@register("extract.html", version=1)
@dataclass(frozen=True)
class ExtractHtml(Repair):
    """Extract the main text, title and structure of HTML documents; other documents pass unchanged."""

    engine: str = "trafilatura"  # or "resiliparse": faster, keeps less structure (docs/repair.md)
    include_tables: bool = True
    favor: str = "balanced"  # trafilatura: "balanced" | "precision" | "recall"
    fallback: bool = True  # when trafilatura finds nothing, try resiliparse before giving up
    #: per page, keep trafilatura's text only from the first to the last block that its precision
    #: mode also finds, and take resiliparse's text when it holds more new prose than trafilatura's
    #: whole text (bench/extraction.py; docs/repair.md)
    choose: bool = True
    output: str = "plain"  # or "markdown": trafilatura's Markdown (escapes, "# " headings, **bold**)
    drop_title_line: bool = True  # a first body line with the title's words goes (it is in `title`)
    max_html_chars: int = 5_000_000  # larger pages are not extracted: rejected (over_budget)
    max_nesting_depth: int = 1000  # deeper pages skip resiliparse (quadratic in depth)
    max_seconds: float = 20.0  # trafilatura stopped past this; resiliparse takes over (0: no limit)
    rules = {
        "extracted": "HTML page replaced by its extracted main text (the page stays in the source file)",
        "no_text": "HTML page with no extractable main text (text set to empty; filter.empty_text rejects it)",
        "over_budget": "HTML page over the size, depth or time budget with no text from an extractor "
        "that fits it (text set to empty; filter.empty_text rejects it)",
    }
    provides = ("extract.text_chars",)

    def __post_init__(self) -> None:
        if self.engine not in _ENGINES:
            raise ValueError(f"engine must be one of {', '.join(_ENGINES)}; got {self.engine!r}")
        if self.favor not in ("balanced", "precision", "recall"):
            raise ValueError(f"favor must be balanced, precision or recall; got {self.favor!r}")
        if self.output not in ("plain", "markdown"):
            raise ValueError(f"output must be plain or markdown; got {self.output!r}")

    def setup(self) -> None:
        # a missing module should fail when the pipeline is built; it is imported at the first
        # HTML page (0.2 s of CPU that `tamis clean` on a text page never needs)
        for module in ("resiliparse", "trafilatura") if self.engine == "trafilatura" else ("resiliparse",):
            if importlib.util.find_spec(module) is None:
                raise ModuleNotFoundError(f"No module named {module!r}", name=module)

    def repair(self, text: str, doc: Document) -> Repaired:
        if doc.meta.get("format") != "html":
            return Repaired(text)
        annotations: dict[str, Any] = {"extract.html_chars": len(text)}
        title, body, engine, over = self._extract(text, annotations)
        if self.drop_title_line and title and body:
            body = _without_title_line(body, title)
        annotations["extract.engine"] = engine
        annotations["extract.text_chars"] = len(body)
        if over:
            annotations["extract.over_budget"] = over
        if not body:
            annotations["extract.rule"] = "over_budget" if over else "no_text"
        captions = figure_captions(text) if body and "<figcaption" in text.lower() else ()
        return Repaired(body, title=title or None, captions=captions, annotations=annotations, rebase=True)

    def _extract(self, page: str, annotations: dict[str, Any]) -> tuple[str | None, str, str, str]:
        """(title, body, engine, over): `over` names the budget the page exceeded when that cost
        text (the page is too large; trafilatura ran out of time; too deep for resiliparse), else ""."""
        if len(page) > self.max_html_chars:
            return None, "", "none", f"size: {len(page)} chars > {self.max_html_chars}"
        too_deep = nesting_depth(page, self.max_nesting_depth) >= self.max_nesting_depth
        over = f"nesting depth >= {self.max_nesting_depth}" if too_deep else ""
        if self.engine == "resiliparse":
            if too_deep:
                return None, "", "none", over
            title, body = self._resiliparse(page)
            return title, body, "resiliparse", ""
        found, timed_out = within_seconds(lambda: self._trafilatura(page), self.max_seconds)
        if timed_out:
            over = f"time: trafilatura over {self.max_seconds:g} s"
        title, body, choice = found if found is not None else (None, "", "")
        engine = "trafilatura"
        if (self.fallback or self.choose) and not too_deep and (body or self.fallback):
            other_title, other = self._resiliparse(page)
            if not body and self.fallback:
                # trafilatura finds no main text on some short or unusual pages, or ran out of
                # time; resiliparse's simpler heuristics often still do (at ~10% of the time)
                title, body, engine, choice = title or other_title, other, "resiliparse", "fallback"
            elif self.choose and body and self._resiliparse_is_fuller(body, other):
                body, engine, choice = other, "resiliparse", "fuller"
        if choice:
            annotations["extract.choice"] = choice
        return title, body, engine, over if timed_out or not body else ""

    @staticmethod
    def _resiliparse_is_fuller(trafilatura_text: str, resiliparse_text: str) -> bool:
        """The paragraphs resiliparse found and trafilatura missed hold at least `_FULLER` of
        trafilatura's tokens, and trafilatura's text is (nearly) inside resiliparse's: trafilatura
        lost most of the article (issue 10: two wired.com articles, 50-65% lost). Never true on the
        51 benchmark pages,
        where resiliparse's whole text loses 0.11 F1 on average (docs/repair.md)."""
        gained = new_prose_tokens(resiliparse_text, trafilatura_text)
        return (
            gained >= _FULLER * len(tokens(trafilatura_text))
            and containment(trafilatura_text, resiliparse_text) >= 0.8
        )

    def _trafilatura(self, page: str) -> tuple[str | None, str, str]:
        """(title, text, choice) from trafilatura; choice "cropped" when precision mode cut the text."""
        import trafilatura

        markdown = self.output == "markdown"
        common = {
            "include_comments": False,
            "include_tables": self.include_tables,
            "include_formatting": markdown,
        }
        result = trafilatura.bare_extraction(
            page,
            with_metadata=True,
            favor_precision=self.favor == "precision",
            favor_recall=self.favor == "recall",
            **common,
        )
        if result is None or getattr(result, "body", None) is None:
            return None, "", ""
        title = result.title
        blocks = body_blocks(result.body)
        choice = ""
        if self.choose and self.favor == "balanced" and len(blocks) > 1:
            precise = trafilatura.bare_extraction(page, with_metadata=False, favor_precision=True, **common)
            if precise is not None and getattr(precise, "body", None) is not None:
                cropped = crop_to_span(blocks, body_blocks(precise.body))
                if len(cropped) < len(blocks):
                    choice = "cropped"
                    blocks, kept = cropped, set(cropped)
                    _keep_only(result.body, kept)
        if markdown:
            from trafilatura.xml import xmltotxt

            return title, (xmltotxt(result.body, include_formatting=True) or "").strip(), choice
        return title, "\n\n".join(blocks), choice

    def _resiliparse(self, page: str) -> tuple[str | None, str]:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        tree = HTMLTree.parse(page)
        title = tree.title.strip() if tree.title else None
        body = extract_plain_text(
            tree, preserve_formatting=True, main_content=True, list_bullets=True, alt_texts=False
        )
        return title, body.strip()


def _keep_only(body: Any, kept: set[str]) -> None:
    """Remove from trafilatura's XML `body` the elements whose block is not in `kept`."""
    for element in list(body):
        if element_block(element) not in kept:
            body.remove(element)


def _without_title_line(body: str, title: str) -> str:
    """The body without its first line when that line has the title's words, or those of the part
    of the title that a separator sets off from a site or section name ("Headline » Local »
    Noticias", "bliki: Headline"): the headline that opens the article (issue 10: 42 of 181
    benchmark pages). The title stays in `title`.

    >>> _without_title_line("Putin visits Astana\\n\\nThe visit was short.", "Putin visits Astana | Daily")
    'The visit was short.'
    """
    first, _, rest = body.partition("\n")
    parts = [title] + [part for part in _TITLE_SEPARATOR.split(title) if len(tokens(part)) >= 2]
    if any(same_words(first, part) for part in parts):
        return rest.lstrip("\n")
    return body
