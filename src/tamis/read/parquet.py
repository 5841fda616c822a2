"""Parquet files, read in record batches so memory stays bounded."""

from __future__ import annotations

from collections.abc import Iterator

import fsspec
import pyarrow.parquet as pq

from tamis.document import Document
from tamis.read.base import ReadOptions, Shard, read_failure
from tamis.read.jsonl import mapping_to_document


def read_parquet(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    index = 0
    try:
        with fsspec.open(shard.uri, "rb").open() as fh:
            for batch in pq.ParquetFile(fh).iter_batches(batch_size=2048):
                for record in batch.to_pylist():
                    yield mapping_to_document(record, shard, index, None, f"{shard.name}:{index}", options)
                    index += 1
    except (OSError, ValueError) as err:  # pyarrow raises ArrowInvalid (a ValueError) on corrupt pages
        yield read_failure(shard, index, "unreadable_parquet", f"{type(err).__name__}: {err}")
