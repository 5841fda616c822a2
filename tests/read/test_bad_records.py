"""Bad records become rejected records with the reader's reason; the run goes on and adds up."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import orjson
import zstandard

from foundation_helpers import rows, ud_documents
from tamis.execute import SerialExecutor
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.repair.whitespace import NormalizeWhitespace

TEXTS = ud_documents(30)


def _good(prefix: str, n: int) -> list[bytes]:
    # Each text differs (own index, rotated sentences), so compressed streams are not one back-reference.
    return [
        orjson.dumps(
            {
                "id": f"{prefix}-{i}",
                "text": f"{i}. " + TEXTS[i % len(TEXTS)][i % 40 :] + TEXTS[(i * 7) % len(TEXTS)],
            }
        )
        for i in range(n)
    ]


def test_each_kind_of_bad_record_is_rejected_with_its_rule(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    lines = _good("ok", 6)
    lines[1:1] = [b'{"id": "cut", "text": "ends in the middle of a str']  # malformed JSON
    lines[3:3] = [b'{"id": "bad-bytes", "text": "Stra\xdfe"}']  # Latin-1 byte in a UTF-8 file
    lines[4:4] = [orjson.dumps({"id": "no-text", "body": TEXTS[0]})]
    lines[5:5] = [orjson.dumps({"id": "empty", "text": " \n\t "})]
    lines[6:6] = [b'["an", "array", "not", "an", "object"]']
    lines[7:7] = [orjson.dumps({"id": "number", "text": 42})]
    (inp / "mixed.jsonl").write_bytes(b"\n".join(lines) + b"\n")

    gz = gzip.compress(b"".join(x + b"\n" for x in _good("gz", 800)))
    (inp / "cut.jsonl.gz").write_bytes(gz[: len(gz) * 3 // 4])
    zst = zstandard.ZstdCompressor().compress(b"".join(x + b"\n" for x in _good("zst", 800)))
    (inp / "cut.jsonl.zst").write_bytes(zst[: len(zst) * 3 // 4])
    # What a reference decoder recovers from each cut stream: every complete line of it must be kept.
    recoverable = {
        "gz": zlib.decompressobj(31).decompress(gz[: len(gz) * 3 // 4]).count(b"\n"),
        "zst": zstandard.ZstdDecompressor().decompressobj().decompress(zst[: len(zst) * 3 // 4]).count(b"\n"),
    }
    (inp / "corrupt.jsonl.gz").write_bytes(gz[:20] + bytes(200) + gz[220:])  # damaged deflate data

    out = tmp_path / "out"
    pipeline = Pipeline([NormalizeWhitespace()])
    summary = run_pipeline(pipeline, discover([str(inp)]), RunConfig(output=str(out)), SerialExecutor())

    rejected = rows(out / "rejected")
    by_id = {r["id"]: r for r in rejected}
    assert by_id["mixed.jsonl:1"]["rule"] == "malformed_json"
    assert by_id["mixed.jsonl:3"]["rule"] == "invalid_utf8"
    assert by_id["no-text"]["rule"] == "missing_text_field" and "body" in by_id["no-text"]["value"]
    assert by_id["empty"]["rule"] == "empty_text"
    assert by_id["mixed.jsonl:6"]["rule"] == "not_an_object"
    assert by_id["number"]["rule"] == "text_not_a_string"
    assert all(r["verdict"] == "rejected" and r["step"] == "read" for r in rejected)
    truncated = [r for r in rejected if r["rule"] == "truncated_stream"]
    assert sorted(r["source"]["uri"].rsplit("/", 1)[1] for r in truncated) == [
        "corrupt.jsonl.gz",
        "cut.jsonl.gz",
        "cut.jsonl.zst",
    ]

    kept = rows(out / "kept", ["id"])
    kept_ids = [r["id"] for r in kept]
    assert len(kept_ids) == len(set(kept_ids))
    assert {f"ok-{i}" for i in range(6)} <= set(kept_ids)
    # The readable part of each truncated stream is kept, in order, up to the damage.
    for prefix in ("gz", "zst"):
        got = [i for i in kept_ids if i.startswith(prefix + "-")]
        assert 0 < recoverable[prefix] < 800
        assert got == [f"{prefix}-{i}" for i in range(recoverable[prefix])]

    counts = summary.counts
    assert counts["input"] == counts["kept"] + counts["rejected"] + counts["duplicates"] + counts["failed"]
    assert counts["kept"] == len(kept) and counts["rejected"] == len(rejected)
    stats = summary.stats
    assert stats["steps"]["read"]["rules"]["truncated_stream"] == 3
    assert stats["verdicts"]["read:malformed_json"] == 1


def test_a_step_that_raises_fails_only_that_record(tmp_path: Path) -> None:
    from dataclasses import dataclass

    from tamis.steps import Repair, Repaired

    @dataclass(frozen=True)
    class Fragile(Repair):
        """Raise on documents that mention a digit (a stand-in for a bug in a step)."""

        name = "test.fragile"

        def repair(self, text, doc):
            if any(ch.isdigit() for ch in text):
                raise RuntimeError("cannot handle digits")
            return Repaired(text)

    inp = tmp_path / "in.jsonl"
    recs = [{"id": f"d{i}", "text": TEXTS[i] + (f" {i}" if i % 3 == 0 else "")} for i in range(12)]
    inp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in recs))
    summary = run_pipeline(
        Pipeline([Fragile()]), discover([str(inp)]), RunConfig(output=str(tmp_path / "out")), SerialExecutor()
    )
    failed = rows(tmp_path / "out" / "rejected")
    assert sorted(r["id"] for r in failed) == sorted(
        f"d{i}" for i in range(12) if i % 3 == 0 or any(c.isdigit() for c in TEXTS[i])
    )
    assert {(r["verdict"], r["step"], r["rule"], r["value"]) for r in failed} == {
        ("failed", "test.fragile", "RuntimeError", "cannot handle digits")
    }
    assert summary.counts["failed"] == len(failed)
    assert summary.counts["kept"] + summary.counts["failed"] == 12
