"""Parquet files, read row group by row group in record batches, so memory stays bounded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tamis.document import Document
from tamis.read.base import ReadOptions, Shard, read_failure, too_large
from tamis.read.jsonl import mapping_to_document

# pyarrow raises OSError (a damaged page header) or ArrowInvalid, a ValueError (a corrupt page)
_DAMAGE = (OSError, ValueError)


def read_parquet(shard: Shard, options: ReadOptions) -> Iterator[Document]:
    """One Document per row. A damaged row group costs only its own rows, each rejected as
    `unreadable_parquet` with the row group and its row count (one bad row group used to lose
    the whole file); a file whose footer cannot be read is one such record."""
    try:
        fh = fsspec.open(shard.uri, "rb").open()
    except _DAMAGE as err:
        yield read_failure(shard, 0, "unreadable_parquet", f"{type(err).__name__}: {err}")
        return
    with fh:
        try:
            parquet = pq.ParquetFile(fh)
        except _DAMAGE as err:
            yield read_failure(shard, 0, "unreadable_parquet", f"{type(err).__name__}: {err}")
            return
        groups = parquet.metadata.num_row_groups
        index = 0
        for group in range(groups):
            rows = parquet.metadata.row_group(group).num_rows
            read = 0
            batches = parquet.iter_batches(batch_size=2048, row_groups=[group])
            while True:
                try:
                    batch = next(batches, None)
                except _DAMAGE as err:
                    lost = rows - read
                    detail = (
                        f"row group {group + 1} of {groups} ({rows} rows, {lost} unreadable): "
                        f"{type(err).__name__}: {err}"
                    )
                    for _ in range(lost):  # one rejected record per lost row keeps the count exact
                        yield read_failure(shard, index, "unreadable_parquet", detail)
                        index += 1
                    break
                if batch is None:
                    break
                for record, size in _records(batch, options.max_record_bytes):
                    key = f"{shard.name}:{index}"
                    if isinstance(record, UnicodeDecodeError):
                        yield read_failure(shard, index, "invalid_utf8", str(record), None, key)
                    elif size is not None:
                        raw_id = record.get(options.id_field)
                        doc_id = str(raw_id) if raw_id not in (None, "") else key
                        yield too_large(shard, index, size, options, None, doc_id)
                    else:
                        yield mapping_to_document(record, shard, index, None, key, options)
                    index += 1
                read += batch.num_rows


def _records(
    batch: pa.RecordBatch, limit: int
) -> Iterator[tuple[dict[str, Any] | UnicodeDecodeError, int | None]]:
    """The rows of `batch` as dicts, with the size of the largest cell when it is over `limit`.

    Oversized cells are measured in Arrow and emptied before the rows become Python objects.
    A row with a string that is not UTF-8 (Parquet does not check its pages' strings) comes as
    the decoding error instead of a dict.
    """
    largest = None
    for i, column in enumerate(batch.columns):
        if (
            pa.types.is_string(column.type)
            or pa.types.is_binary(column.type)
            or pa.types.is_large_string(column.type)
            or pa.types.is_large_binary(column.type)
        ):
            lengths = pc.binary_length(column)
            if (pc.max(lengths).as_py() or 0) <= limit:
                continue
            largest = lengths if largest is None else pc.max_element_wise(largest, lengths)
            batch = batch.set_column(
                i, batch.schema.field(i), pc.if_else(pc.greater(lengths, limit), None, column)
            )
    sizes = largest.to_pylist() if largest is not None else None
    try:
        records: list[dict[str, Any] | UnicodeDecodeError] = batch.to_pylist()
    except UnicodeDecodeError:
        records = [_row(batch, row) for row in range(batch.num_rows)]
    for row, record in enumerate(records):
        size = sizes[row] if sizes is not None else None
        yield record, size if size is not None and size > limit else None


def _row(batch: pa.RecordBatch, row: int) -> dict[str, Any] | UnicodeDecodeError:
    try:
        return batch.slice(row, 1).to_pylist()[0]
    except UnicodeDecodeError as err:
        return err
