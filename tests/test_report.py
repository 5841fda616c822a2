"""report.html escapes crawled content; edit logs in the outputs replay to the output text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from foundation_helpers import rows, ud_documents
from foundation_steps import MarkIdenticalTexts
from tamis.document import Document, Edit, Rejected, replay
from tamis.execute import SerialExecutor
from tamis.execute.runner import RunConfig, run
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.repair.whitespace import NormalizeWhitespace
from tamis.report.html import write_report
from tamis.steps import Annotate, Filter

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


@dataclass(frozen=True)
class FindMarkup(Annotate):
    """Record the first tag-like string of the text (to carry crawled markup into a rule value)."""

    name = "test.find_markup"
    provides = ("test.markup",)

    def measure(self, doc: Document) -> Mapping[str, Any]:
        m = re.search(r"<[^>]+>[^<]*(?:</[^>]+>)?", doc.text)
        return {"test.markup": m.group(0) if m else "", "language": "de"}


@dataclass(frozen=True)
class RejectMarkup(Filter):
    """Reject documents holding a script tag; the value is the markup found."""

    name = "test.reject_markup"
    requires = ("test.markup",)
    rules = {"script_tag": "the text holds a script element"}

    def judge(self, annotations: Mapping[str, Any], lang: str) -> Rejected | None:
        found = annotations["test.markup"]
        return Rejected(self.name, "script_tag", found, None) if "script" in found else None


def test_report_escapes_crawled_content(tmp_path: Path) -> None:
    texts = ud_documents(6)
    records = [
        {"id": f"evil-{SCRIPT}", "text": f"{texts[0]} {SCRIPT} {texts[1]}"},
        {
            "id": f"img-{IMG}",
            "text": f"{texts[2]}   {IMG}  {texts[3]}",
        },  # kept, with whitespace edits near the tag
        {"id": "plain", "text": texts[4]},
        {"id": IMG, "text": texts[4]},  # an exact copy, so a duplicate_of column names an id
        {"id": "broken", "body": SCRIPT},  # rejected by the reader; the field list is the value
    ]
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(
        b"".join(orjson.dumps(r) + b"\n" for r in records) + b'{"id": "<b>cut</b>", "text": "x' + b"\n"
    )
    pipeline = Pipeline([NormalizeWhitespace(), FindMarkup(), RejectMarkup(), MarkIdenticalTexts()])
    out = tmp_path / "out"
    stats = run(pipeline, discover([str(inp)]), RunConfig(output=str(out)), SerialExecutor()).stats
    assert (stats["kept"], stats["rejected"], stats["duplicates"]) == (2, 3, 1)
    page = write_report(out).read_text("utf-8")

    for raw in (SCRIPT, IMG, "<b>cut</b>", 'onerror="alert'):
        assert raw not in page, raw
    assert page.count("<script") == 0 and "<img" not in page
    escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f"evil-{escaped_script}" in page  # the id of the rejected document
    assert f"value {escaped_script}" in page  # the rule's measured value
    assert "onerror=&quot;alert(2)&quot;" in page  # the kept document's edit context and the duplicate's id
    assert "<code>test.reject_markup</code> · <code>script_tag</code>" in page
    assert "<code>repair.whitespace</code> · <code>space_run</code>" in page  # an edit example
    assert "input = kept + rejected + duplicates + failed ✓" in page


def test_report_of_the_demo_shows_counts_plots_and_examples(demo_output: Path) -> None:
    page = (demo_output / "report.html").read_text("utf-8")
    stats = orjson.loads((demo_output / "stats.json").read_bytes())
    assert f"<th>input</th><td class=n>{stats['input']:,}</td>" in page
    assert page.count("<svg") >= 4  # funnel, rules, lengths, timings
    for step, rule in (("read", "malformed_json"), ("read", "missing_text_field")):
        assert f"<code>{step}</code> · <code>{rule}</code>" in page
    assert "Edits, by repair rule" in page


def test_edit_logs_of_the_demo_replay(demo_output: Path) -> None:
    """replay(original, edits) == text for every document the demo wrote, kept or rejected."""
    kept = rows(demo_output / "kept", ["id", "text", "original", "edits"])
    rejected = rows(demo_output / "rejected", ["id", "text", "original", "edits", "verdict"])
    edited = 0
    for row in kept + rejected:
        if row["original"] is None:
            assert not row["edits"]
            continue
        edits = [Edit(**e) for e in row["edits"]]
        assert replay(row["original"], edits) == row["text"], row["id"]
        edited += bool(edits)
    assert edited >= 3  # the sample has documents every repair touches
