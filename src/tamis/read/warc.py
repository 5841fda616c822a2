"""WARC files (.warc, .warc.gz): HTTP responses with an HTML payload, via FastWARC."""

from __future__ import annotations

from collections.abc import Iterator

from tamis.document import Document, Source
from tamis.read.base import ReadOptions, Shard, open_binary, read_failure

HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    index = 0
    try:
        with open_binary(shard.uri) as fh:
            for record in ArchiveIterator(fh, record_types=WarcRecordType.response, parse_http=True):
                http = record.http_headers
                content_type = (http.get("Content-Type") or "").lower() if http else ""
                url = record.headers.get("WARC-Target-URI")
                record_id = record.headers.get("WARC-Record-ID") or f"{shard.name}:{index}"
                source = Source(shard.uri, record.stream_pos, index, url)
                if content_type and not content_type.startswith(HTML_TYPES):
                    index += 1
                    yield read_failure(shard, index - 1, "not_html", content_type).replace(id=record_id, source=source)
                    continue
                payload = record.reader.read()
                text = bytes_to_str(payload, detect_encoding(payload)) if payload else ""
                meta = {"format": "html", "content_type": content_type, "warc_date": record.headers.get("WARC-Date")}
                if not text.strip():
                    doc = read_failure(shard, index, "empty_text", "empty HTTP payload").replace(id=record_id, source=source)
                else:
                    doc = Document(id=record_id, text=text, source=source, meta=meta, original=text)
                index += 1
                yield doc
    except (EOFError, OSError) as err:
        yield read_failure(shard, index, "truncated_stream", f"{type(err).__name__}: {err}")
