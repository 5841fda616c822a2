"""JSON Lines, plain or compressed (.gz, .zst, .bz2, .xz); plain files split into byte ranges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from tamis.document import Document, Source
from tamis.read.base import (
    ReadOptions,
    Shard,
    bounded_lines,
    open_binary,
    open_raw,
    read_failure,
    stream_errors,
    too_large,
)


def read_jsonl(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    """One Document per non-blank line; a line that is not a usable record becomes a rejected one.

    Records of a byte-range shard are keyed `<file>@<byte offset>` (offsets are global, so keys
    do not depend on how the file was split); records of a whole file `<file>:<line index>`.
    """
    split = shard.start > 0 or shard.end is not None
    limit = options.max_record_bytes
    lines = _lines_in_range(shard, limit) if split else _all_lines(shard, limit)
    index = 0
    try:
        for offset, line, size in lines:
            key = f"{shard.name}@{offset}" if split else f"{shard.name}:{index}"
            if line is None:
                yield too_large(shard, index, size, options, offset, key)
                index += 1
            elif line.strip():
                yield record_to_document(line, shard, index, offset, key, options)
                index += 1
    except stream_errors() as err:
        # Everything after the damage is unreadable: one rejected record stands for it, so the
        # loss is counted and reported instead of silently shortening the shard.
        key = f"{shard.name}@truncated" if split else f"{shard.name}:{index}"
        yield read_failure(shard, index, "truncated_stream", f"{type(err).__name__}: {err}", None, key)


def _all_lines(shard: Shard, limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(byte offset, line or None when over `limit`, line length) of every line of the file."""
    offset = 0
    with open_binary(shard.uri) as fh:
        for line, size in bounded_lines(fh, limit):
            yield offset, line, size
            offset += size


def _lines_in_range(shard: Shard, limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """Lines that *start* inside [start, end): a line straddling the boundary belongs to the earlier range."""
    with open_raw(shard.uri) as fh:
        pos = shard.start
        lines = bounded_lines(fh, limit)
        if pos > 0:
            fh.seek(pos - 1)
            pos += next(lines, (None, 1))[1] - 1  # finish the line the previous range owns
        end = shard.end if shard.end is not None else float("inf")
        while pos < end:
            item = next(lines, None)
            if item is None:
                break
            line, size = item
            yield pos, line, size
            pos += size


def record_to_document(
    line: bytes, shard: Shard, index: int, offset: int, key: str, options: ReadOptions
) -> Document:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as err:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as uerr:
            return read_failure(shard, index, "invalid_utf8", str(uerr), offset, key)
        return read_failure(shard, index, "malformed_json", str(err), offset, key)
    if not isinstance(record, dict):
        found = type(record).__name__
        return read_failure(
            shard, index, "not_an_object", f"expected a JSON object, found {found}", offset, key
        )
    return mapping_to_document(record, shard, index, offset, key, options)


def mapping_to_document(
    record: dict[str, Any], shard: Shard, index: int, offset: int | None, key: str, options: ReadOptions
) -> Document:
    """Turn one input record into a Document, or a rejected one saying what was wrong with it."""
    raw_id = record.get(options.id_field)
    doc_id = str(raw_id) if raw_id not in (None, "") else key
    if options.text_field not in record:
        found = ", ".join(sorted(map(str, record))[:10])
        detail = f"no field {options.text_field!r}; fields: {found}"
        return read_failure(shard, index, "missing_text_field", detail, offset, doc_id)
    text = record[options.text_field]
    if not isinstance(text, str):
        detail = f"{options.text_field!r} is {type(text).__name__}"
        return read_failure(shard, index, "text_not_a_string", detail, offset, doc_id)
    if not text.strip():
        return read_failure(shard, index, "empty_text", "text is empty or whitespace", offset, doc_id)
    meta = {k: v for k, v in record.items() if k not in (options.id_field, options.text_field)}
    url = record.get(options.url_field)
    if url is None and isinstance(meta.get("metadata"), dict):
        url = meta["metadata"].get("url")
    return make_document(
        doc_id, text, Source(shard.uri, offset, index, str(url) if url else None), meta, options
    )


def make_document(
    doc_id: str, text: str, source: Source, meta: dict[str, Any], options: ReadOptions
) -> Document:
    if "\x00" in text:
        text = text.replace("\x00", "")
    if looks_like_html(text, options, meta):
        meta = {**meta, "format": "html"}
    return Document(id=doc_id, text=text, source=source, meta=meta, original=text)


def looks_like_html(text: str, options: ReadOptions, meta: dict[str, Any]) -> bool:
    if options.html == "yes":
        return True
    if options.html == "no":
        return False
    if meta.get("format") == "html":
        return True
    head = text[:512].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) and "<body" in text[:200_000].lower()
