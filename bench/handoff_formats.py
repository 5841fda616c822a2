"""Micro-bench of the pass hand-off (`_work/seg<k>/`): write a shard's documents a batch at a time
and read them back as documents, per file format, in CPU seconds (process_time).

    PYTHONPATH=src python bench/handoff_formats.py /tmp/run/kept   # a run's kept/ Parquet parts

The documents are a finished run's kept documents (all columns, with the original text).
"""

from __future__ import annotations

import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from tamis.document import KEPT_SCHEMA, Document, from_row
from tamis.write.shards import row_of

BATCH = 1000


def parquet_format(compression: str) -> tuple[Callable, Callable]:
    def write(path: Path, batches: list[list[Document]]) -> None:
        with pq.ParquetWriter(path, KEPT_SCHEMA, compression=compression) as w:
            for b in batches:
                w.write_table(pa.Table.from_pylist([row_of(d) for d in b], schema=KEPT_SCHEMA))

    def read(path: Path) -> Iterator[Document]:
        for rb in pq.ParquetFile(path).iter_batches(batch_size=BATCH):
            yield from (from_row(r) for r in rb.to_pylist())

    return write, read


def ipc_format(compression: str | None) -> tuple[Callable, Callable]:
    def write(path: Path, batches: list[list[Document]]) -> None:
        options = ipc.IpcWriteOptions(compression=compression)
        with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, KEPT_SCHEMA, options=options) as w:
            for b in batches:
                w.write_batch(pa.RecordBatch.from_pylist([row_of(d) for d in b], schema=KEPT_SCHEMA))

    def read(path: Path) -> Iterator[Document]:
        with pa.memory_map(str(path)) as source:
            reader = ipc.open_file(source)
            for i in range(reader.num_record_batches):
                yield from (from_row(r) for r in reader.get_batch(i).to_pylist())

    return write, read


def pickle_format(codec: str | None) -> tuple[Callable, Callable]:
    def write(path: Path, batches: list[list[Document]]) -> None:
        with open(path, "wb") as fh:
            for b in batches:
                data = pickle.dumps(b, protocol=5)
                if codec:
                    raw = len(data)
                    data = pa.compress(data, codec=codec, asbytes=True)
                    fh.write(raw.to_bytes(8, "little"))
                fh.write(len(data).to_bytes(8, "little"))
                fh.write(data)

    def read(path: Path) -> Iterator[Document]:
        with open(path, "rb") as fh:
            while True:
                head = fh.read(8)
                if not head:
                    return
                raw = int.from_bytes(head, "little")
                size = int.from_bytes(fh.read(8), "little") if codec else raw
                data = fh.read(size)
                if codec:
                    data = pa.decompress(data, decompressed_size=raw, codec=codec, asbytes=True)
                yield from pickle.loads(data)

    return write, read


FORMATS = {
    "parquet-zstd (main)": parquet_format("zstd"),
    "parquet-lz4": parquet_format("lz4"),
    "parquet-none": parquet_format("none"),
    "arrow-ipc-none": ipc_format(None),
    "arrow-ipc-lz4": ipc_format("lz4"),
    "arrow-ipc-zstd": ipc_format("zstd"),
    "pickle5": pickle_format(None),
    "pickle5-lz4": pickle_format("lz4"),
    "pickle5-zstd": pickle_format("zstd"),
}


def main(kept: str, rounds: int = 3) -> None:
    docs = [from_row(r) for p in sorted(Path(kept).glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    batches = [docs[i : i + BATCH] for i in range(0, len(docs), BATCH)]
    print(
        f"{len(docs)} documents, {sum(len(d.text) + len(d.original or '') for d in docs) / 1e6:.1f} M chars"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, (write, read) in FORMATS.items():
            path = Path(tmp) / name
            best_w = best_r = float("inf")
            for _ in range(rounds):
                t0 = time.process_time()
                write(path, batches)
                t1 = time.process_time()
                back = list(read(path))
                t2 = time.process_time()
                best_w, best_r = min(best_w, t1 - t0), min(best_r, t2 - t1)
            assert back == docs, name
            size = path.stat().st_size / 1e6
            print(
                f"{name:22} write {best_w:5.2f}  read {best_r:5.2f}  total {best_w + best_r:5.2f} CPU s  {size:6.1f} MB"
            )


if __name__ == "__main__":
    main(sys.argv[1])
