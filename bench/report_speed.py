"""Time to write report.html for an output holding one big edited document (issue 11, defect 12).

    .venv/bin/python bench/report_speed.py [--mb 48] [--every 40]

Builds a run folder whose kept/ holds one document of MB megabytes with three repair steps'
worth of edits (one edit per EVERY characters per step, as whitespace and unicode repairs give
on messy text), then times `write_report` on it. Before issue 11 the report rebuilt the whole
text after every edit (quadratic): the 48 MB document of the issue did not finish in 250 s.
Figures go to docs/cli.md (safety model).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import orjson

from tamis.document import KEPT_SCHEMA, Document, Edit, Source
from tamis.report.html import write_report
from tamis.write import ShardWriter


def edited_document(megabytes: float, every: int) -> Document:
    original = ("Ein Satz mit  doppelten Leerzeichen und\u00a0harten Leerzeichen. " * 20 + "\n") * max(
        1, int(megabytes * (1 << 20) / 1261)
    )
    text, edits = original, []
    for step, inserted in (("repair.unicode", " "), ("repair.whitespace", ""), ("repair.punctuation", "·")):
        pieces, last, delta = [], 0, 0
        for at in range(every, len(text) - 1, every):
            edits.append(Edit(step, "bench", at + delta, at + delta + 1, text[at], inserted))
            pieces += (text[last:at], inserted)
            last = at + 1
            delta += len(inserted) - 1
        text = "".join(pieces) + text[last:]
    return Document(id="big", text=text, source=Source("bench"), edits=tuple(edits), original=original)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=48)
    parser.add_argument("--every", type=int, default=40)
    args = parser.parse_args()
    doc = edited_document(args.mb, args.every)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        with ShardWriter(str(out / "kept"), "part-00000", KEPT_SCHEMA, max_bytes=1 << 40) as writer:
            writer.write(doc)
        (out / "rejected").mkdir()
        stats = {k: 0 for k in ("input", "kept", "rejected", "duplicates", "failed")} | {"steps": {}}
        stats["input"] = stats["kept"] = 1
        (out / "stats.json").write_bytes(orjson.dumps(stats))
        t0 = time.perf_counter()
        write_report(out)
        seconds = time.perf_counter() - t0
    print(
        f"report.html for one {len(doc.original or '') / (1 << 20):.1f} M-character document with "
        f"{len(doc.edits):,} edits: {seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
