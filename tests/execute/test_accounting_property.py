"""Property: every input record ends in exactly one of kept / rejected / duplicate / failed.

Random mixes of good records, copies, short texts and broken lines, over several shards, with
the counts each outcome must have computed independently of tamis.
"""

from __future__ import annotations

import gzip
import tempfile
from collections import Counter
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import foundation_steps
from foundation_helpers import rows, ud_documents
from tamis.execute import LocalExecutor, SerialExecutor
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.repair.unicode import FixUnicode
from tamis.repair.whitespace import NormalizeWhitespace

TEXTS = sorted(set(ud_documents(40)))
MIN_CHARS = 60
assert all(len(t) >= MIN_CHARS for t in TEXTS)

BAD = {
    "malformed": b'{"text": "no closing quote',
    "utf8": b'{"text": "caf\xe9 au lait and more words here"}',
    "missing": b'{"body": "the text is under another key"}',
    "empty": b'{"text": "  "}',
    "array": b"[1, 2, 3]",
}

record = st.one_of(
    st.tuples(st.just("good"), st.integers(0, len(TEXTS) - 1)),
    st.tuples(st.just("short"), st.integers(0, len(TEXTS) - 1)),
    st.tuples(st.sampled_from(sorted(BAD)), st.just(0)),
)
corpus = st.lists(
    st.tuples(st.lists(record, max_size=20), st.sampled_from(["jsonl", "jsonl.gz"])), min_size=1, max_size=4
)


def _pipeline() -> Pipeline:
    return Pipeline(
        [
            FixUnicode(),
            foundation_steps.MeasureLength(),
            foundation_steps.RejectShort(min_chars=MIN_CHARS),
            foundation_steps.MarkIdenticalTexts(),
            NormalizeWhitespace(),
        ]
    )


def _check(shards: list, executor) -> None:
    expected = Counter()
    long_texts: Counter[str] = Counter()
    first_copy: dict[str, str] = {}  # text -> id of its first record, in shard then line order
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "in"
        inp.mkdir()
        for s, (records, fmt) in enumerate(shards):
            lines = []
            for n, (kind, i) in enumerate(records):
                if kind == "good":
                    lines.append(orjson.dumps({"id": f"s{s}-{n}", "text": TEXTS[i]}))
                    long_texts[TEXTS[i]] += 1
                    first_copy.setdefault(TEXTS[i], f"s{s}-{n}")
                elif kind == "short":
                    lines.append(
                        orjson.dumps({"id": f"s{s}-{n}", "text": TEXTS[i][: MIN_CHARS // 2].strip() + "."})
                    )
                    expected["rejected"] += 1
                else:
                    lines.append(BAD[kind])
                    expected["rejected"] += 1
            data = b"\n".join(lines) + b"\n" if lines else b""
            (inp / f"part-{s}.{fmt}").write_bytes(gzip.compress(data) if fmt.endswith("gz") else data)
        expected["kept"] = len(long_texts)
        expected["duplicates"] = sum(n - 1 for n in long_texts.values())
        expected["input"] = sum(len(r) for r, _ in shards)

        out = Path(tmp) / "out"
        stats = run_pipeline(_pipeline(), discover([str(inp)]), RunConfig(output=str(out)), executor).stats
        kept = rows(out / "kept", ["id", "text"])
        rejected = rows(out / "rejected", ["id", "verdict"])

    assert {k: stats[k] for k in ("input", "kept", "rejected", "duplicates", "failed")} == {
        "input": expected["input"],
        "kept": expected["kept"],
        "rejected": expected["rejected"],
        "duplicates": expected["duplicates"],
        "failed": 0,
    }
    assert len(kept) == stats["kept"]
    assert Counter(r["verdict"] for r in rejected) == Counter(
        {"rejected": stats["rejected"], "duplicate": stats["duplicates"]}
    )
    ids = [r["id"] for r in kept] + [r["id"] for r in rejected]
    assert len(ids) == len(set(ids)) == stats["input"]
    assert sorted(r["id"] for r in kept) == sorted(first_copy.values())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus)
def test_accounting_serial(shards: list) -> None:
    _check(shards, SerialExecutor())


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus)
def test_accounting_local(shards: list) -> None:
    _check(shards, LocalExecutor(2))
