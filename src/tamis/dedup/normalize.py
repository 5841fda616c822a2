"""Text normalisation shared by the dedup stages: what two texts must agree on to count as equal."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

import regex
import xxhash

from tamis.document import Document

#: what `normalize` can do, in the order it does it
NORMALIZATIONS = ("nfkc", "casefold", "punctuation", "digits", "whitespace")

_PUNCT = regex.compile(r"[\p{P}\p{S}]+")
_DIGITS = regex.compile(r"\d")
_SPACES = regex.compile(r"\s+")


def normalize(text: str, what: tuple[str, ...] | list[str] = ("nfkc", "casefold", "punctuation", "whitespace")) -> str:
    """Normalise `text` so that copies differing only in form compare equal.

    >>> normalize("  Leave a  Reply! ")
    'leave a reply'
    >>> normalize("Ｐａｇｅ 2023", ("nfkc", "casefold", "digits", "whitespace"))
    'page 0000'
    """
    if "nfkc" in what and not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "casefold" in what:
        text = text.casefold()
    if "punctuation" in what:
        text = _PUNCT.sub(" ", text)
    if "digits" in what:
        text = _DIGITS.sub("0", text)
    if "whitespace" in what:
        text = _SPACES.sub(" ", text).strip()
    return text


def h64(text: str) -> int:
    """xxh3 64-bit hash of a string (lone surrogates from broken input pass through)."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


def check_normalizations(what: tuple[str, ...] | list[str]) -> None:
    unknown = sorted(set(what) - set(NORMALIZATIONS))
    if unknown:
        raise ValueError(f"unknown normalisation {', '.join(unknown)}; choose from {', '.join(NORMALIZATIONS)}")


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
    if not url:
        site = doc.meta.get("site") or (doc.meta.get("metadata") or {}).get("site") if isinstance(
            doc.meta.get("metadata", {}), dict) else None
        return str(site).lower() if site else ""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:  # a malformed URL (bad port, stray brackets) names no host
        return ""
    return host.removeprefix("www.")
