"""Test-only steps: a corpus stage marking identical texts as duplicates, and a deliberately slow repair.

Registered under `test.*` names when this module is imported, so TOML configs of subprocess
runs can use them (the subprocess imports this module before running the CLI).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tamis.document import Document, Duplicate, Rejected
from tamis.steps import Annotate, CorpusStage, Filter, Repair, Repaired, register


@register("test.mark_identical", version=1)
@dataclass(frozen=True)
class MarkIdenticalTexts(CorpusStage):
    """Mark every document whose text equals an earlier one's (by shard, then position) as its duplicate."""

    rules = {"identical_text": "the same text as an earlier document"}

    def map_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> None:
        rows = [[shard, i, d.id, hashlib.sha1(d.text.encode()).hexdigest()] for i, d in enumerate(docs)]
        tmp = work_dir / f".tmp-map-{shard:05d}.json"
        tmp.write_bytes(orjson.dumps(rows))
        os.replace(tmp, work_dir / f"map-{shard:05d}.json")

    def reduce(self, work_dir: Path, workers: int) -> dict[str, Any]:
        rows = [r for p in sorted(work_dir.glob("map-*.json")) for r in orjson.loads(p.read_bytes())]
        first: dict[str, str] = {}
        decisions: dict[str, str] = {}
        for _shard, _i, doc_id, digest in sorted(rows):
            if digest in first:
                decisions[doc_id] = first[digest]
            else:
                first[digest] = doc_id
        (work_dir / "decisions.json").write_bytes(orjson.dumps(decisions))
        return {"duplicates": len(decisions)}

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        decisions = orjson.loads((work_dir / "decisions.json").read_bytes())
        return [
            d.replace(verdict=Duplicate(self.name, decisions[d.id], 1.0, "identical_text"))
            if d.id in decisions
            else d
            for d in docs
        ]


@register("test.slow", version=1)
@dataclass(frozen=True)
class SlowDown(Repair):
    """Sleep a little per document, so a run lasts long enough to be killed in the middle."""

    seconds: float = 0.002

    def repair(self, text: str, doc: Document) -> Repaired:
        time.sleep(self.seconds)
        return Repaired(text)


@register("test.length", version=1)
@dataclass(frozen=True)
class MeasureLength(Annotate):
    """Measure the text's length in characters."""

    provides = ("test.chars",)

    def measure(self, doc: Document) -> Mapping[str, Any]:
        return {"test.chars": len(doc.text)}


@register("test.min_length", version=1)
@dataclass(frozen=True)
class RejectShort(Filter):
    """Reject documents shorter than `min_chars` characters."""

    min_chars: int = 200
    requires = ("test.chars",)
    rules = {"too_short": "fewer characters than min_chars"}

    def judge(self, annotations: Mapping[str, Any], lang: str) -> Rejected | None:
        n = annotations["test.chars"]
        return Rejected(self.name, "too_short", n, self.min_chars) if n < self.min_chars else None


@register("test.node", version=1)
@dataclass(frozen=True)
class RecordNode(Repair):
    """Leave an empty file named after the Ray node that repaired a document in `folder`, changing
    nothing: how a cluster test sees which nodes ran its tasks ("local" outside Ray)."""

    folder: str = ""

    def repair(self, text: str, doc: Document) -> Repaired:
        import ray

        node = ray.get_runtime_context().get_node_id() if ray.is_initialized() else "local"
        Path(self.folder, node).touch()
        return Repaired(text)
