"""WARC files (.warc, .warc.gz): HTTP responses with an HTML payload, via FastWARC.

Only `response` records are documents (request, metadata and warcinfo records describe the
crawl, not pages). A response whose Content-Type is not HTML is rejected as `not_html`, so
it is counted rather than dropped.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import IO, Any

from tamis.document import Document, Source
from tamis.read.base import ReadOptions, Shard, open_binary, read_failure, stream_errors

HTML_TYPES = ("text/html", "application/xhtml+xml")


class _StopAtDamage(io.RawIOBase):
    """Reads a stream until it fails, then reports a clean end and remembers the error.

    FastWARC reads in large blocks; letting a truncated-gzip error through would lose every
    record of the block, including the complete ones before the damage.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._read = getattr(raw, "read1", raw.read)
        self._pos = 0
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # forward only: FastWARC seeks past the records it skips

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset if whence == io.SEEK_SET else self._pos + offset if whence == io.SEEK_CUR else -1
        if target < self._pos:
            raise io.UnsupportedOperation("the WARC stream can only seek forward")
        while self._pos < target and self.read(min(target - self._pos, 1 << 20)):
            pass
        return self._pos

    def readinto(self, b: Any) -> int:
        if self.error is not None:
            return 0
        try:
            # read1: one decompressed block at a time, so a failing call loses no earlier data
            data = self._read(min(len(b), 1 << 16))
        except stream_errors() as err:
            self.error = err
            return 0
        b[: len(data)] = data
        self._pos += len(data)
        return len(data)


def read_warc(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    index = 0
    pending: Document | None = None  # held back one record: the last one before damage may be cut off
    try:
        fh = open_binary(shard.uri)
    except stream_errors() as err:
        yield read_failure(shard, 0, "truncated_stream", f"{type(err).__name__}: {err}", 0, f"{shard.name}:0")
        return
    with fh:
        stream = _StopAtDamage(fh)
        for record in ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True):
            doc = _record_to_document(record, shard, index)
            index += 1
            if pending is not None:
                yield pending
            pending = doc
        if stream.error is not None:
            if pending is not None:
                yield read_failure(
                    shard,
                    pending.source.index or 0,
                    "truncated_stream",
                    "last record before the damage in the stream; it may be cut off",
                    pending.source.offset,
                    pending.id,
                ).replace(source=pending.source)
                pending = None
            detail = f"{type(stream.error).__name__}: {stream.error}"
            yield read_failure(shard, index, "truncated_stream", detail, None, f"{shard.name}:{index}")
        if pending is not None:
            yield pending


def _record_to_document(record: Any, shard: Shard, index: int) -> Document:
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    http = record.http_headers
    content_type = (http.get("Content-Type") or "").lower() if http else ""
    url = record.headers.get("WARC-Target-URI")
    record_id = record.headers.get("WARC-Record-ID") or f"{shard.name}:{index}"
    source = Source(shard.uri, record.stream_pos, index, url)
    if content_type and not content_type.startswith(HTML_TYPES):
        return read_failure(shard, index, "not_html", content_type, record.stream_pos, record_id).replace(
            source=source
        )
    payload = record.reader.read()
    text = _decode(payload, record.http_charset, bytes_to_str, detect_encoding) if payload else ""
    if not text.strip():
        return read_failure(
            shard, index, "empty_text", "empty HTTP payload", record.stream_pos, record_id
        ).replace(source=source)
    meta = {
        "format": "html",
        "content_type": content_type,
        "http_status": http.status_code if http else None,
        "warc_date": record.headers.get("WARC-Date"),
    }
    return Document(id=record_id, text=text, source=source, meta=meta, original=text)


def _decode(payload: bytes, declared: str | None, bytes_to_str: Any, detect_encoding: Any) -> str:
    """Decode with the declared charset when Python knows it and it fits; otherwise detect one."""
    if declared:
        try:
            codecs.lookup(declared)
            return payload.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration is common on the web: fall back to detection
    return bytes_to_str(payload, detect_encoding(payload))
