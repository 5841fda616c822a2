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
from tamis.document import Document, Edit, Rejected, edit_record, replay
from tamis.execute import SerialExecutor
from tamis.execute.runner import RunConfig, run_pipeline
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
    stats = run_pipeline(pipeline, discover([str(inp)]), RunConfig(output=str(out)), SerialExecutor()).stats
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


def _examples_by_rebuilding_per_edit(rows: list[dict]) -> dict:
    """The definition edit_examples must meet: rebuild the whole text after every edit."""
    from tamis.report.html import CONTEXT, EXAMPLES

    found: dict = {}
    for row in rows:
        text = row["original"]
        for e in row["edits"]:
            start, end = e["start"], e["end"]
            if text[start:end] != e["removed"]:
                break
            examples = found.setdefault((e["step"], e["rule"]), [])
            if len(examples) < EXAMPLES:
                left, right = text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT]
                examples.append((row["id"], left, e["removed"], e["inserted"], right))
            text = text[:start] + e["inserted"] + text[end:]
    return found


def _edit_rows(rng, n_rows: int, length: int, spans_per_step: int) -> list[dict]:
    """Rows whose logs chain three steps of forward edits, some logs with backward jumps or a broken edit."""
    from tamis.steps import Repaired

    rows_out = []
    for r in range(n_rows):
        original = "".join(rng.choices("ab c\n", k=length))
        text, edits = original, []
        for step in ("s1", "s2", "s3"):
            spans = []
            for _ in range(spans_per_step):
                a = rng.randrange(len(text) + 1)
                b = min(len(text), a + rng.randrange(4))
                spans.append(
                    (a, b, "".join(rng.choice("XY\n") for _ in range(rng.randrange(3))), f"r{a % 3}")
                )
            repaired = Repaired.from_spans(text, spans, step=step)
            text, edits = repaired.text, edits + list(repaired.edits)
        if r % 4 == 1 and edits:  # an edit at the very start after the rest: a backward jump
            edits.append(Edit("s4", "back", 0, 1, text[:1], "Z"))
        if r % 5 == 2 and len(edits) > 3:  # a log that stops replaying part-way
            bad = edits[len(edits) // 2]
            edits[len(edits) // 2] = Edit(bad.step, bad.rule, bad.start, bad.end, bad.removed + "?", "")
        log = [edit_record(e) for e in edits]
        rows_out.append({"id": f"doc{r}", "original": original, "edits": log})
    return rows_out


def test_edit_examples_are_those_of_a_rebuild_per_edit() -> None:
    import random

    from tamis.report.html import edit_examples

    for seed in range(30):
        rows_in = _edit_rows(random.Random(seed), n_rows=6, length=300, spans_per_step=40)
        assert edit_examples(rows_in) == _examples_by_rebuilding_per_edit(rows_in), seed


def _apply_forward(text: str, edits: list[dict]) -> str:
    """Apply one step's left-to-right edits in a single pass."""
    pieces, last, delta = [], 0, 0
    for e in edits:
        start = e["start"] - delta
        pieces += (text[last:start], e["inserted"])
        last = start + len(e["removed"])
        delta += len(e["inserted"]) - len(e["removed"])
    return "".join(pieces) + text[last:]


def test_edit_examples_of_a_long_document_with_many_edits() -> None:
    # Issue 11: rebuilding the text per edit is quadratic (a 48 MB document held a finished run
    # for minutes); 3 x 40,000 edits over 1 MB is about 120 GB of copying that way, 3 passes now.
    from tamis.report.html import CONTEXT, edit_examples

    texts, steps = ["abc de\nfg " * 100_000], []
    for step, inserted in (("s1", "X"), ("s2", "YY"), ("s3", "")):
        text, delta, edits = texts[-1], 0, []
        for k, at in enumerate(range(5, len(text) - 5, 25)):
            edits.append(
                {"step": step, "rule": f"r{k % 4}", "start": at + delta, "end": at + delta + 1}
                | {"removed": text[at], "inserted": inserted}
            )
            delta += len(inserted) - 1
        steps.append(edits)
        texts.append(_apply_forward(text, edits))
    log = [e for edits in steps for e in edits]
    assert len(log) > 120_000
    examples = edit_examples([{"id": "long", "original": texts[0], "edits": log}])
    assert sorted(examples) == [(s, f"r{k}") for s in ("s1", "s2", "s3") for k in range(4)]
    for i, edits in enumerate(steps):
        for n, e in enumerate(edits[4:12:4]):  # the 2nd and 3rd examples of rule r0: after 4 and 8 edits
            current = _apply_forward(texts[i], edits[: 4 * (n + 1)])
            start, end = e["start"], e["end"]
            expected = (
                current[start - CONTEXT : start],
                e["removed"],
                e["inserted"],
                current[end : end + CONTEXT],
            )
            assert examples[(e["step"], "r0")][n + 1] == ("long", *expected)
