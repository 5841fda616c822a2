"""Remove HTML left behind by a bad extractor: tags, half tags, attribute fragments, entities.

Only things that are unmistakably markup go: a tag needs a known HTML element name, and an
attribute run needs `name="value"` or a framework marker (`_ngcontent-…`, `data-v-…`). So
prose that merely contains angle brackets ("a < b", "x<y and y>z", "<john@example.org>")
stays as it is; see tests/cases/repair/markup_residue.toml for the negative cases.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import regex

from tamis.document import Document
from tamis.steps import Repair, Repaired, register

# Element names that appear as residue in crawled text. Unknown names ("<y and y>") never match.
_BLOCK = (
    "p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|table|thead|tbody|tfoot|tr|td|th|blockquote|section|article|"
    "header|footer|nav|aside|main|figure|figcaption|form|fieldset|pre|address|details|summary|caption"
)
_INLINE = (
    "a|span|b|strong|em|i|u|s|small|big|sup|sub|font|center|mark|abbr|cite|q|time|label|button|input|"
    "img|picture|source|video|audio|iframe|noscript|script|style|link|meta|svg|path|g|use|ins|del|wbr|"
    "select|option|textarea|object|embed|param|body|html|head|title"
)
_NAME = rf"(?:{_BLOCK}|{_INLINE})"
# one attribute: name="v" | name='v' | name=bare | framework marker without value
_ATTR = r"""(?:[\w:.@-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=]+)|_ng[\w-]+|data-v-[\w-]+|data-react[\w-]*|ng-[\w-]+|(?:disabled|checked|hidden|async|defer|controls|autoplay|loop|muted|selected|required|readonly|itemscope|allowfullscreen|novalidate)(?![\w=-]))"""

_TAG = regex.compile(
    rf"""<\s*(?P<close>/)?\s*(?P<name>{_NAME})(?P<attrs>(?:\s+{_ATTR})*)\s*/?\s*>""",
    regex.I,
)
# an opening tag cut off before its ">" with an attribute whose value was lost:
# `<p _ngcontent-sc94 class=Wladimir Putin …` -> keep "Wladimir Putin …"
_OPEN_CUT = regex.compile(
    rf"""<\s*{_NAME}(?:\s+(?:[\w:.-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*')|_ng[\w-]+|data-v-[\w-]+|ng-[\w-]+))*"""
    rf"""\s+(?:class|style|id|href|src|alt|title|lang|dir|role|rel|target|width|height|data-[\w-]+)\s*=\s*(?=[^\s="'<>])""",
    regex.I,
)
# an opening tag cut off at the end of a line: `… text <div class="x"`
_OPEN_TAIL = regex.compile(
    rf"""<\s*{_NAME}(?:\s+(?:[\w:.-]+\s*=\s*(?:"[^"<>\n]*"|'[^'<>\n]*')|_ng[\w-]+|data-v-[\w-]+))+\s*$""",
    regex.I | regex.M,
)
# attribute runs whose "<tag" was lost: `class="entry-content">Text`, `" rel="nofollow">`
_ATTR_RUN = regex.compile(
    r"""(?:(?<=^|\s)|(?<=["'“”>]))(?:[\w:.-]+\s*=\s*(?:"[^"<>\n]*"|'[^'<>\n]*')\s*)+/?>""",
    regex.M,
)
# every attribute run holds a quoted value after its "=" (`re`'s \s takes every character
# `regex`'s does, and more): pages without one skip the costly run scan
_QUOTED_VALUE = re.compile(r"""=\s*["']""")
# framework attributes that leak as bare words: Angular, Vue, React
_FRAMEWORK = regex.compile(
    r"""(?<![\w-])(?:_ng(?:content|host)-[\w-]+|data-v-[0-9a-f]{6,8}|data-reactroot|data-reactid)(?:=(?:"[^"]*"|'[^']*'))?(?![\w-])"""
)
# the tail of a tag whose start was lost: `Vorteil“ /></p>` -> `Vorteil`
_HALF_CLOSE = regex.compile(r"""\s*["“”']?\s*/>""")
# HTML comments and conditional comments, kept within one screen of text
_COMMENT = regex.compile(r"<!--.{0,2000}?-->|<!\[CDATA\[|\]\]>", regex.S)
# page-builder and WordPress shortcodes, BBCode links/images/quotes: never prose
_SHORTCODE = regex.compile(
    r"\[/?(?:caption|embed|gallery|audio|video|playlist|wp_[a-z_]+|vc_[a-z_]+|et_pb_[a-z_]+|fusion_[a-z_]+|"
    r"av_[a-z_]+|su_[a-z_]+|tdc_[a-z_]+|mk_[a-z_]+|cs_[a-z_]+|elementor[a-z_-]*|contact-form-7|ninja_form)"
    r"(?:\s[^\[\]\n]{0,300})?\]|\[(?:url|img|quote)(?:=[^\]\n]{1,300})?\]|\[/(?:url|img|quote)\]",
    regex.I,
)
_ENTITY = regex.compile(
    r"&(?:amp;)?(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};|nbsp(?![A-Za-z0-9;]))"
)
# a whole script/style/noscript element left in the text: its content is code, never prose
# (a stray CSS rule left behind also trips C4's curly-bracket rule and loses the document)
_CODE_BLOCK = regex.compile(
    r"<\s*(script|style|noscript)\b[^<>]{0,500}>.{0,20000}?<\s*/\s*\1\s*>", regex.I | regex.S
)
_QUOTES = frozenset("`\"'“”„«»‘’")
#: a text without these characters holds no markup (single-character `in` checks run at memchr
#: speed: bench/repair_quality.py corpus, 0.012 s where one `[<>&=\[]` search takes 0.08 s)
_MARKUP_CHARS = ("<", ">", "&", "=", "[")


def _entity(match: regex.Match[str]) -> str:
    raw = match.group(0)
    if raw.startswith("&amp;"):
        raw = "&" + raw[5:]  # double-escaped: "&amp;quot;" was meant as "&quot;"
    if raw == "&nbsp":
        raw = "&nbsp;"
    decoded = html.unescape(raw)
    if decoded == raw:
        return raw  # not an entity html knows ("&foo;"): leave it
    # a non-breaking space becomes a plain one: it is formatting, not text
    return decoded.replace("\xa0", " ")


@register("repair.markup_residue", version=1)
@dataclass(frozen=True)
class RemoveMarkupResidue(Repair):
    """Remove leftover HTML tags, half tags, attribute fragments and entities, keeping adjacent words."""

    rules = {
        "list_item_tag": "an <li> tag (also `< li>`) turned into a '• ' list marker",
        "block_tag": "a block tag (<p>, <div>, <br>, …) turned into a line break or removed at a line edge",
        "inline_tag": "an inline tag (<a …>, <span>, <b>, …) removed",
        "cut_tag": "an opening tag cut off inside its attributes (`<p _ngcontent-sc94 class=`) removed",
        "attribute_fragment": 'attributes left without their tag (`class="x">`) removed',
        "framework_attribute": "a framework attribute (Angular _ngcontent-*, Vue data-v-*, React data-react*) removed",
        "half_tag": "the end of a tag whose start was lost (`“ /></p>`) removed",
        "html_entity": "an HTML entity (&amp; &#39; &nbsp; …) decoded",
        "html_comment": "an HTML comment (<!-- … -->) or CDATA marker removed",
        "code_block": "a whole <script>, <style> or <noscript> element, code included, removed",
        "shortcode": "a WordPress/page-builder shortcode or BBCode tag ([caption …], [vc_row], [url=…]) removed",
    }

    def repair(self, text: str, doc: Document) -> Repaired:
        for c in _MARKUP_CHARS:  # a plain loop: cheaper than any() over a generator
            if c in text:
                break
        else:
            return Repaired(text)  # most documents: nothing that could be markup
        result = Repaired(text)
        # attribute runs once more after entities: `class=&quot;x&quot;>` is only visible then
        for fix in (
            self._comments,
            self._code_blocks,
            self._shortcodes,
            self._tags,
            self._cut_tags,
            self._attribute_runs,
            self._framework,
            self._half_close,
            self._entities,
            self._attribute_runs,
        ):
            result = result.then(fix(result.text))
        return result

    def _comments(self, text: str) -> Repaired:
        # each substring test behind a test of one of its characters: a one-character `in` runs
        # at memchr speed, a longer one ~10x slower (most pages hold "&" or "[" but no "<")
        if ("<" not in text or "<!" not in text) and ("]" not in text or "]]>" not in text):
            return Repaired(text)
        return Repaired.substitute(text, _COMMENT, "", step=self.name, rule="html_comment")

    def _code_blocks(self, text: str) -> Repaired:
        if "<" not in text or "</" not in text:
            return Repaired(text)
        return Repaired.substitute(text, _CODE_BLOCK, "", step=self.name, rule="code_block")

    def _shortcodes(self, text: str) -> Repaired:
        if "[" not in text:
            return Repaired(text)
        return Repaired.substitute(text, _SHORTCODE, "", step=self.name, rule="shortcode")

    def _cut_tags(self, text: str) -> Repaired:
        if "<" not in text:
            return Repaired(text)  # both patterns start with "<"
        spans = [(m.start(), m.end(), "", "cut_tag") for m in _OPEN_CUT.finditer(text)]
        spans += [(m.start(), m.end(), "", "cut_tag") for m in _OPEN_TAIL.finditer(text)]
        return Repaired.from_spans(text, spans, step=self.name)

    def _tags(self, text: str) -> Repaired:
        if "<" not in text:
            return Repaired(text)
        spans = []
        for m in _TAG.finditer(text):
            name = m.group("name").lower()
            start, end = m.start(), m.end()
            if start > 0 and end < len(text) and text[start - 1] in _QUOTES and text[end] in _QUOTES:
                continue  # a tag quoted in prose or code ("use the `<p>` element") is content
            at_line_start = _line_start(text, start)
            at_line_end = _line_end(text, end)
            if name == "li":
                if m.group("close"):
                    spans.append((start, end, "" if at_line_end else "\n", "list_item_tag"))
                else:
                    spans.append((start, end, "• " if at_line_start else "\n• ", "list_item_tag"))
            elif regex.fullmatch(_BLOCK, name, regex.I):
                spans.append((start, end, "" if at_line_start or at_line_end else "\n", "block_tag"))
            else:
                spans.append((start, end, "", "inline_tag"))
        return _apply_runs(text, spans, self.name)

    def _attribute_runs(self, text: str) -> Repaired:
        if "=" not in text or ">" not in text:
            return Repaired(text)
        spans = [(m.start(), m.end(), "", "attribute_fragment") for m in attribute_runs(text)]
        return Repaired.from_spans(text, spans, step=self.name)

    def _framework(self, text: str) -> Repaired:
        if ("_" not in text or "_ng" not in text) and "data-" not in text:
            return Repaired(text)
        return Repaired.substitute(text, _FRAMEWORK, "", step=self.name, rule="framework_attribute")

    def _half_close(self, text: str) -> Repaired:
        if ">" not in text or "/>" not in text:
            return Repaired(text)
        return Repaired.substitute(text, _HALF_CLOSE, "", step=self.name, rule="half_tag")

    def _entities(self, text: str) -> Repaired:
        if "&" not in text:
            return Repaired(text)
        return Repaired.substitute(text, _ENTITY, _entity, step=self.name, rule="html_entity")


_NAME_CHAR = regex.compile(r"[\w:.-]")  # what an attribute name of `_ATTR_RUN` is made of
_SPACE = regex.compile(r"\s")


def attribute_runs(text: str) -> Iterator[regex.Match[str]]:
    """The matches of `_ATTR_RUN.finditer(text)`, the pattern tried only where one can begin.

    A run opens with an attribute whose value is quoted, so its first "=" is one that
    `_QUOTED_VALUE` finds; it begins where the name before that "=" (and the white space after
    the name) begins: a name character cannot come before it, as the look-behinds allow only
    white space, a quote, ">" or a line start there. The pattern tried at every character cost
    ~0.14 s on the bench corpus and on the real pages (docs/speed.md), these few tries ~0.01 s.

    >>> [m.group() for m in attribute_runs('Text class="entry" rel="x">Body and a=b')]
    ['class="entry" rel="x">']
    """
    starts = set()
    for value in _QUOTED_VALUE.finditer(text):
        end = value.start()  # the "="
        while end > 0 and _SPACE.match(text, end - 1):
            end -= 1
        start = end
        while start > 0 and _NAME_CHAR.match(text, start - 1):
            start -= 1
        if start < end:
            starts.add(start)
    done = 0  # as finditer: each try after the end of the last match
    for start in sorted(starts):
        if start >= done and (m := _ATTR_RUN.match(text, start)) is not None:
            done = m.end()
            yield m


def _line_start(text: str, i: int) -> bool:
    j = i
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    return j == 0 or text[j - 1] == "\n"


def _line_end(text: str, i: int) -> bool:
    j = i
    while j < len(text) and text[j] in " \t":
        j += 1
    return j == len(text) or text[j] == "\n"


def _apply_runs(text: str, spans: list[tuple[int, int, str, str]], step: str) -> Repaired:
    """Apply tag spans; a run of adjacent tags (`</p><p>`) yields at most one line break or marker."""
    merged: list[tuple[int, int, str, str]] = []
    for start, end, inserted, rule in spans:
        if merged and merged[-1][1] == start:
            p_start, _p_end, p_ins, p_rule = merged[-1]
            # keep the strongest replacement: a list marker beats a line break beats nothing
            best = max((p_ins, p_rule), (inserted, rule), key=lambda x: ("•" in x[0], "\n" in x[0]))
            # at the edges of a line the run needs no line break of its own
            ins = best[0]
            if ins == "\n" and (_line_start(text, p_start) or _line_end(text, end)):
                ins = ""
            merged[-1] = (p_start, end, ins, best[1])
        else:
            merged.append((start, end, inserted, rule))
    return Repaired.from_spans(text, merged, step=step)
