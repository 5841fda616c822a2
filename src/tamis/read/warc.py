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

import fsspec

from tamis.document import Document, Source
from tamis.read.base import ReadOptions, Shard, compression_of, open_binary, read_failure, stream_errors

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
    """One Document per response record; damage becomes rejected records, never an exception.

    A file that is not WARC at all, or whose records stop parsing, ends with one `invalid_warc`
    record standing for the unreadable rest (FastWARC raises `OSError: Invalid WARC header`).
    """
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
        records = ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True)
        invalid: BaseException | None = None
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except (OSError, ValueError) as err:  # not a WARC header where one should start
                invalid = err
                break
            doc = _record_to_document(record, shard, index, options)
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
        cut_short = (
            pending is not None and pending.verdict is not None and pending.verdict.rule == "truncated_stream"
        )
        if pending is not None:
            yield pending
        if invalid is None and stream.error is None and not cut_short and _ends_inside_a_record(shard):
            # a plain .warc cut inside the headers of a record: FastWARC ends without a word
            detail = "the file ends inside a WARC record (not with the blank line that ends every record)"
            yield read_failure(shard, index, "truncated_stream", detail, None, f"{shard.name}:{index}")
        if invalid is not None and stream.error is None:
            where = "the file does not start with a WARC record" if index == 0 else f"after record {index}"
            detail = f"{type(invalid).__name__}: {invalid} ({where}; the rest of the file is not read)"
            yield read_failure(shard, index, "invalid_warc", detail, stream.tell(), f"{shard.name}:{index}")


def _ends_inside_a_record(shard: Shard) -> bool:
    """True when an uncompressed WARC file does not end with the CRLF CRLF that ends every record."""
    if compression_of(shard.uri) is not None:
        return False  # a cut compressed stream is reported by its decompressor
    with fsspec.open(shard.uri, "rb") as fh:
        size = fh.seek(0, io.SEEK_END)
        if size == 0:
            return False
        fh.seek(max(0, size - 4))
        return fh.read() != b"\r\n\r\n"


def _record_to_document(record: Any, shard: Shard, index: int, options: ReadOptions) -> Document:
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    http = record.http_headers
    content_type = (http.get("Content-Type") or "").lower() if http else ""
    url = record.headers.get("WARC-Target-URI")
    record_id = record.headers.get("WARC-Record-ID") or f"{shard.name}:{index}"
    source = Source(shard.uri, record.stream_pos, index, url)

    def reject(rule: str, detail: str, threshold: int | None = None) -> Document:
        return read_failure(shard, index, rule, detail, record.stream_pos, record_id, threshold).replace(
            source=source
        )

    if content_type and not content_type.startswith(HTML_TYPES):
        return reject("not_html", content_type)
    declared = record.content_length  # of the payload, once FastWARC has parsed the HTTP headers
    if declared > options.max_record_bytes:
        # not read: FastWARC skips the payload in bounded reads when the iterator moves on
        return reject("record_too_large", str(declared), options.max_record_bytes)
    payload = record.reader.read()
    if len(payload) < declared:
        # a plain .warc cut inside a record: no decompressor complains, the payload is just short
        return reject(
            "truncated_stream", f"payload has {len(payload)} of its {declared} bytes: the file ends inside it"
        )
    text = _decode(payload, record.http_charset, bytes_to_str, detect_encoding) if payload else ""
    if not text.strip():
        return reject("empty_text", "empty HTTP payload")
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
