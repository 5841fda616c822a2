"""Helpers for the foundation tests (tests/ is on sys.path through tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "src" / "tamis" / "data" / "samples"


def ud_documents(n: int = 20, sentences: int = 4) -> list[str]:
    """`n` documents of real sentences, cut from the bundled sample (UD text, CC BY-SA)."""
    texts = []
    for path in sorted(SAMPLES.glob("web-*.jsonl")):
        for line in path.read_bytes().splitlines():
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            text = record.get("text")
            if isinstance(text, str) and text.strip() and not text.startswith("<"):
                texts.append(text)
    sents = [" ".join(s.split()) for t in texts for s in t.split(". ") if len(s) > 20]
    return [
        ". ".join(sents[(i * sentences + k) % len(sents)] for k in range(sentences)) + "." for i in range(n)
    ]


def rows(folder: Path, columns: list[str] | None = None) -> list[dict]:
    """All rows of a kept/ or rejected/ folder of Parquet files, in file order."""
    out: list[dict] = []
    for path in sorted(folder.glob("*.parquet")):
        out.extend(pq.read_table(path, columns=columns).to_pylist())
    return out


def write_fallback_corpus(out: Path, n_docs: int = 600, shards: int = 6) -> None:
    """`n_docs` records of real sentences in `shards` files named like make_corpus.py's, with
    varied lengths and 4 % exact copies (for when ../shared/bench/make_corpus.py is absent)."""
    texts = ud_documents(n_docs, sentences=3)
    records = []
    for i in range(n_docs):
        text = " ".join(texts[(i * k) % len(texts)] for k in range(1, 2 + i % 4)) + f" ({i})"
        if i % 25 == 24:
            text = records[i // 2]["text"]  # an exact copy of an earlier document
        records.append({"id": f"doc-{i:05d}", "text": text})
    for s in range(shards):
        part = records[s::shards]
        (out / f"corpus-{s:05d}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in part))


def progress_bars() -> tuple[dict[str, list[int]], Any]:
    """A progress factory for `run_pipeline` and what it was told: label -> [total, docs, bytes]."""
    bars: dict[str, list[int]] = {}

    def factory(label: str, total: int, unit: str) -> Any:
        bars[label] = [total, 0, 0]

        def tick(docs: int, nbytes: int) -> None:
            bars[label][1] += docs
            bars[label][2] += nbytes

        return tick

    return bars, factory
