"""Clean one document with the per-document steps of a pipeline: the engine of `tamis clean`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tamis.blocks import to_blocks
from tamis.document import Document, Source, edit_record
from tamis.pipeline import Pipeline, RunStats, process
from tamis.steps import CorpusStage


def clean_document(
    text: str, pipeline: Pipeline, *, doc_id: str = "stdin", html: bool | None = None
) -> Document:
    """Run the per-document steps (corpus stages need a corpus and are skipped) over one text."""
    pipeline.setup()
    meta: dict[str, Any] = {}
    if html or (html is None and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))):
        meta["format"] = "html"
    doc = Document(id=doc_id, text=text, source=Source(uri=doc_id), meta=meta, original=text)
    steps = [s for s in pipeline.steps if not isinstance(s, CorpusStage)]
    return process(doc, steps, RunStats(), strict=pipeline.strict)


def structured(doc: Document) -> dict[str, Any]:
    """The JSON result of `tamis clean --format json` (a documented contract: see docs/cli.md)."""
    verdict = None
    if doc.verdict is not None:
        verdict = {"kind": doc.verdict.kind, **asdict(doc.verdict)}
    return {
        "id": doc.id,
        "title": doc.title,
        "text": doc.text,
        "blocks": to_blocks(doc.text),
        "captions": list(doc.captions),
        "language": doc.annotations.get("language"),
        "annotations": dict(doc.annotations),
        "edits": [edit_record(e) for e in doc.edits],
        "verdict": verdict,
    }


def explain(doc: Document) -> str:
    """A readable account of every decision: edits step by step, signals, verdict."""
    lines = [f"document {doc.id}"]
    if doc.title:
        lines.append(f"title: {doc.title}")
    current = None
    for e in doc.edits:
        if e.step != current:
            current = e.step
            lines.append(f"\n[{e.step}]")
        before = _short(e.removed)
        after = _short(e.inserted)
        evidence = f"  ({e.evidence})" if e.evidence else ""
        lines.append(f"  {e.rule}: {before} -> {after}{evidence}")
    if doc.captions:
        lines.append("\ncaptions moved out of the body:")
        lines.extend(f"  - {c}" for c in doc.captions)
    if doc.annotations:
        lines.append("\nsignals:")
        for key, value in sorted(doc.annotations.items()):
            if key == "mt.reasons":  # one line per piece of evidence (annotate.machine_translation)
                from tamis.annotate.machine_translation import describe_reason

                lines.append(f"  {key}:")
                lines.extend(f"    - {describe_reason(r)}" for r in value)
                continue
            shown = f"{value:.4g}" if isinstance(value, float) else value
            lines.append(f"  {key} = {shown}")
    if doc.verdict is None:
        lines.append("\nverdict: kept")
    else:
        lines.append(f"\nverdict: {doc.verdict.kind} by {doc.verdict.step}: {asdict(doc.verdict)}")
    return "\n".join(lines)


def _short(s: str, limit: int = 80) -> str:
    s = s.replace("\n", "⏎")
    if not s:
        return "∅"
    return repr(s if len(s) <= limit else s[: limit - 1] + "…")
