"""Text normalisation shared by the dedup stages: what two texts must agree on to count as equal."""

from __future__ import annotations

import functools
import unicodedata
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import regex
import xxhash

from tamis.document import Document
from tamis.native import kernel
from tamis.text.chars import code_point_table

#: what `normalize` can do, in the order it does it
NORMALIZATIONS = ("nfkc", "casefold", "punctuation", "digits", "whitespace")

_PUNCT = 1
_DIGIT = 2


@functools.cache
def _char_kinds() -> np.ndarray:
    """uint8 per code point: 1 = punctuation or symbol (\\p{P}, \\p{S}), 2 = decimal digit, else 0."""
    table = code_point_table([(regex.compile(r"[\p{P}\p{S}]"), _PUNCT), (regex.compile(r"\d"), _DIGIT)])
    table.setflags(write=False)
    return table


def _map_chars(text: str, what: tuple[str, ...] | list[str]) -> str:
    """Punctuation and symbols -> space, digits -> 0 (as asked), by one table lookup over the code points."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    kinds = _char_kinds()[cps]
    if "punctuation" in what:
        cps[kinds == _PUNCT] = 0x20
    if "digits" in what:
        cps[kinds == _DIGIT] = 0x30
    return cps.tobytes().decode("utf-32-le", "surrogatepass")


def _fold(text: str, what: tuple[str, ...] | list[str]) -> str:
    # is_normalized is a quick check (~10x cheaper than normalize); 76% of the bench corpus needs no change
    if "nfkc" in what and not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "casefold" in what:
        text = text.casefold()
    return text


def _prepare(text: str, what: tuple[str, ...] | list[str]) -> str:
    text = _fold(text, what)
    if "punctuation" in what or "digits" in what:
        text = _map_chars(text, what)
    return text


def _compiled(what: tuple[str, ...] | list[str]) -> Any:
    """The compiled mapping + whitespace collapse (`tamis.native.dedup_norm`: one pass, about 3x
    cheaper than `_map_chars` and `str.split`), when built and `what` asks for any of it."""
    if "punctuation" in what or "digits" in what or "whitespace" in what:
        return kernel("dedup_norm")
    return None


def _map_collapse(compiled: Any, folded: str, what: tuple[str, ...] | list[str], per_line: bool) -> str:
    return compiled.map_collapse(
        folded, _char_kinds(), "punctuation" in what, "digits" in what, "whitespace" in what, per_line
    )


def normalize(
    text: str, what: tuple[str, ...] | list[str] = ("nfkc", "casefold", "punctuation", "whitespace")
) -> str:
    """Normalise `text` so that copies differing only in form compare equal.

    >>> normalize("  Leave a  Reply! ")
    'leave a reply'
    >>> normalize("Ｐａｇｅ 2023", ("nfkc", "casefold", "digits", "whitespace"))
    'page 0000'
    """
    compiled = _compiled(what)
    if compiled is not None:
        return _map_collapse(compiled, _fold(text, what), what, per_line=False)
    text = _prepare(text, what)
    return " ".join(text.split()) if "whitespace" in what else text


def normalize_lines(text: str, what: tuple[str, ...] | list[str]) -> list[str]:
    """`[normalize(line, what) for line in text.split("\\n")]`, with one pass over the text, not one per line.

    >>> normalize_lines("Home | News\\n\\n  Leave a Reply!", ("casefold", "punctuation", "whitespace"))
    ['home news', '', 'leave a reply']
    """
    raw = text.split("\n")
    compiled = _compiled(what)
    if compiled is not None:
        folded = _fold(text, what)
        if folded.count("\n") != len(raw) - 1:  # a compatibility form held a line break
            return [normalize(line, what) for line in raw]
        return _map_collapse(compiled, folded, what, per_line=True).split("\n")
    lines = _prepare(text, what).split("\n")
    if len(lines) != len(raw):  # a compatibility form held a line break: go line by line
        return [normalize(line, what) for line in raw]
    if "whitespace" in what:
        return [" ".join(line.split()) for line in lines]
    return lines


def h64(text: str) -> int:
    """xxh3 64-bit hash of a string (lone surrogates from broken input pass through)."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


def check_normalizations(what: tuple[str, ...] | list[str]) -> None:
    unknown = sorted(set(what) - set(NORMALIZATIONS))
    if unknown:
        raise ValueError(
            f"unknown normalisation {', '.join(unknown)}; choose from {', '.join(NORMALIZATIONS)}"
        )


def url_of(doc: Document) -> str:
    """The page URL of a document: source.url, else meta url / metadata.url, else ''."""
    if doc.source.url:
        return doc.source.url
    url = doc.meta.get("url")
    if not url and isinstance(doc.meta.get("metadata"), dict):
        url = doc.meta["metadata"].get("url")
    return str(url) if url else ""


def host_of(doc: Document) -> str:
    """The site a document belongs to: its URL's host without `www.`, lower-cased; '' when unknown.

    >>> from tamis.document import Source
    >>> host_of(Document("1", "x", source=Source("f", url="https://www.Example.com/a/b")))
    'example.com'
    """
    url = url_of(doc)
    if not url:  # no URL: a "site" field of the record (or of its metadata) still names the site
        nested = doc.meta.get("metadata")
        site = doc.meta.get("site") or (nested.get("site") if isinstance(nested, dict) else None)
        return str(site).lower() if site else ""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:  # a malformed URL (bad port, stray brackets) names no host
        return ""
    return host.removeprefix("www.")
