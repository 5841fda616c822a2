"""Trafilatura's extracted XML body as blocks of plain text, and the measured choices between them.

Trafilatura's own Markdown output escapes text (`Choreographer\\_Jeong`, `\\[again\\]`, `1\\) Lego`)
and marks headings (`### `): on a public benchmark of 181 news pages, 48 kept such escapes in
tamis' plain text (issue 10). Rendering the XML body ourselves gives the same words as plain
`trafilatura.extract`, with the structure the repair steps need: one block per heading, paragraph,
list or table, blocks separated by a blank line, list items as "• item", table rows one line with
cells joined by " | ".
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import regex

_SPACES = regex.compile(r"[^\S\n]+")
_TOKEN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}]|[^\W_]+", regex.V1)
_SENTENCE_END = (".", "!", "?", "…", '"', "”", "»", "。", "！", "？", ")")


def _inline(element: Any, skip: str = "") -> str:
    """The text of an element and its descendants (but `skip` elements); a <lb/> is a line break."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != skip:
            parts.append("\n" if child.tag == "lb" else _inline(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


def _clean(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _items(element: Any) -> list[str]:
    """List items as "• item" lines; a nested list's items follow their parent's own text."""
    out = []
    for item in element:
        if item.tag != "item":
            continue
        own = _clean(_inline(item, skip="list"))
        if own:
            out.append("• " + own.replace("\n", " "))
        for nested in item:
            if nested.tag == "list":
                out.extend(_items(nested))
    return out


def _rows(element: Any) -> list[str]:
    rows = []
    for row in element.iter("row"):
        cells = [_clean(_inline(cell)).replace("\n", " ") for cell in row if cell.tag == "cell"]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def element_block(element: Any) -> str:
    """One child of trafilatura's XML body as a block of plain text ("" for none)."""
    if element.tag == "list":
        return "\n".join(_items(element))
    if element.tag == "table":
        return "\n".join(_rows(element))
    if element.tag == "graphic":
        return ""
    return _clean(_inline(element))  # head, p, quote, code and anything new: their text


def body_blocks(body: Any) -> list[str]:
    """The non-empty blocks of trafilatura's XML `body`, in order."""
    return [block for block in map(element_block, body) if block]


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (each CJK, kana or Thai character is one), for comparing texts."""
    return _TOKEN.findall(text.lower())


def crop_to_span(blocks: list[str], kept: list[str]) -> list[str]:
    """`blocks` from the first to the last one that is also in `kept`; all of them when none is.

    Trafilatura's precision mode (`kept`) drops comment threads, sign-up and cookie boxes and
    related-article lists around an article, but also headings and short paragraphs inside it;
    its default mode keeps both. Cropping the default text to the span that precision mode
    confirms keeps the inner structure and drops the periphery (bench/extraction.py: 4-shingle F1
    0.925 -> 0.946 on 51 pages; docs/repair.md).

    >>> crop_to_span(["Menu", "Title", "Body.", "Sub", "More.", "Comment 1"], ["Title", "Body.", "More."])
    ['Title', 'Body.', 'Sub', 'More.']
    """
    confirmed = set(kept)
    inside = [i for i, block in enumerate(blocks) if block in confirmed]
    if not inside:
        return blocks
    first, last = inside[0], inside[-1]
    while first > 0 and _is_paragraph(blocks[first - 1]):
        first -= 1
    while last + 1 < len(blocks) and _is_paragraph(blocks[last + 1]):
        last += 1
    return blocks[first : last + 1]


def _is_paragraph(block: str, min_tokens: int = 12) -> bool:
    """A block of running text: one line, `min_tokens`+ tokens, a sentence end."""
    return "\n" not in block and block.rstrip().endswith(_SENTENCE_END) and len(tokens(block)) >= min_tokens


def new_prose_tokens(candidate: str, reference: str, min_tokens: int = 12) -> int:
    """Tokens in `candidate`'s prose lines (`min_tokens`+ tokens, a sentence end) that are mostly
    (over half) absent from `reference`: paragraphs that one extractor found and the other missed.

    >>> new_prose_tokens("One two three four five six seven eight nine ten eleven twelve.", "")
    12
    """
    known = Counter(tokens(reference))
    count = 0
    for line in candidate.split("\n"):
        stripped = line.rstrip()
        if not stripped.endswith(_SENTENCE_END):
            continue
        words = tokens(stripped)
        if len(words) < min_tokens:
            continue
        shared = sum((Counter(words) & known).values())
        if shared * 2 < len(words):
            count += len(words)
    return count


def containment(part: str, whole: str) -> float:
    """Share of `part`'s tokens (as a multiset) found in `whole`; 1.0 for an empty `part`."""
    part_tokens = tokens(part)
    if not part_tokens:
        return 1.0
    return sum((Counter(part_tokens) & Counter(tokens(whole))).values()) / len(part_tokens)


def same_words(a: str, b: str) -> bool:
    """Whether two lines have the same words, ignoring case, punctuation and spacing.

    >>> same_words("Putin visits Kazakhstan", "PUTIN visits Kazakhstan!")
    True
    """
    ta = tokens(a)
    return bool(ta) and ta == tokens(b)
