"""Folders of .txt and .html files: one file, one document."""

from __future__ import annotations

from collections.abc import Iterator

from tamis.document import Document, Source
from tamis.read.base import ReadOptions, Shard, open_binary, read_failure, too_large
from tamis.read.jsonl import make_document


def read_text_file(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    limit = options.max_record_bytes
    try:
        with open_binary(shard.uri) as fh:
            data = fh.read(limit + 1)
            if len(data) > limit:
                size = len(data)
                del data  # count the rest in pieces: the file is never held whole
                while piece := fh.read(1 << 20):
                    size += len(piece)
                yield too_large(shard, 0, size, options, 0, shard.name)
                return
    except (EOFError, OSError) as err:
        yield read_failure(shard, 0, "unreadable_file", f"{type(err).__name__}: {err}")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        if shard.format != "html":
            yield read_failure(shard, 0, "invalid_utf8", str(err))
            return
        from resiliparse.parse.encoding import bytes_to_str, detect_encoding

        text = bytes_to_str(data, detect_encoding(data))
    if not text.strip():
        yield read_failure(shard, 0, "empty_text", "file is empty or whitespace", 0, shard.name)
        return
    meta = {"format": "html"} if shard.format == "html" else {}
    yield make_document(shard.name, text, Source(shard.uri, 0, 0), meta, options)
