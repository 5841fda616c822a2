"""report.html: what a run did, for a person: counts, funnel, steps and rules, plots, examples.

Built from stats.json and a bounded sample of kept/ and rejected/ rows (at most `MAX_ROWS`
of each, spread over the files), so it costs seconds on any corpus size. Plots are small
hand-drawn inline SVG: no plotting dependency, one self-contained file. Every string that
comes from the crawl (text, ids, URLs, rule values) goes through `html.escape`.
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tamis.document import Edit, replay_passes
from tamis.inspect import annotations_of, load_stats, sample_rows

MAX_ROWS = 3000  # rows read from kept/ and from rejected/ for examples and histograms
EXAMPLES = 3  # examples shown per rule
SNIPPET = 400  # characters of a rejected document shown
CONTEXT = 50  # characters shown either side of an edit


# A second wall behind escaping: the page needs nothing but its own inline style and SVG, so a
# crawled string that ever slipped through could run no script and fetch nothing (no network).
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------- inline SVG plots


def bars_svg(
    items: Sequence[tuple[str, float]], *, unit: str = "", width: int = 640, color: str = "#4a7bb7"
) -> str:
    """Horizontal bars, one per (label, value), values written at the bar's end."""
    if not items:
        return "<p class=muted>nothing to plot</p>"
    label_w, row_h = 230, 20
    top = max(v for _, v in items) or 1
    bar_w = width - label_w - 80
    parts = [f'<svg class=plot width="{width}" height="{row_h * len(items) + 6}" role="img">']
    for i, (label, value) in enumerate(items):
        y = i * row_h + 3
        w = max(1.0, bar_w * value / top) if value else 0
        shown = f"{value:.3g}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{esc(_cut(label, 34))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row_h - 5}" fill="{color}"><title>{esc(label)}: '
            f"{esc(shown)}{esc(unit)}</title></rect>"
            f'<text x="{label_w + w + 5:.1f}" y="{y + 13}">{esc(shown)}{esc(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(
    series: dict[str, list[int]], colors: dict[str, str], width: int = 640, height: int = 180
) -> str:
    """Document lengths on log-spaced bins (powers of two), one bar per series in each bin."""
    values = [v for vs in series.values() for v in vs if v > 0]
    if not values:
        return "<p class=muted>nothing to plot</p>"
    lo, hi = int(math.log2(max(1, min(values)))), int(math.log2(max(values))) + 1
    edges = [2**k for k in range(lo, hi + 1)]
    counts = {
        name: Counter(min(len(edges) - 2, max(0, int(math.log2(max(1, v))) - lo)) for v in vs if v > 0)
        for name, vs in series.items()
    }
    n_bins = len(edges) - 1
    top = max((c for cs in counts.values() for c in cs.values()), default=1)
    plot_h, left = height - 40, 40
    slot = (width - left - 10) / n_bins
    bar = slot / (len(series) + 1)
    parts = [f'<svg class=plot width="{width}" height="{height}" role="img">']
    for b in range(n_bins):
        x0 = left + b * slot
        for k, name in enumerate(series):
            n = counts[name].get(b, 0)
            h = plot_h * n / top
            parts.append(
                f'<rect x="{x0 + k * bar:.1f}" y="{10 + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colors[name]}"><title>{esc(name)} {edges[b]}–{edges[b + 1]} chars: {n}</title></rect>'
            )
        if b % max(1, n_bins // 8) == 0:
            parts.append(f'<text x="{x0:.1f}" y="{height - 14}">{edges[b]:,}</text>')
    parts.append(f'<text x="{left}" y="{height - 1}" class=muted>characters (log scale)</text>')
    for k, name in enumerate(series):
        parts.append(
            f'<rect x="{width - 150}" y="{6 + k * 16}" width="10" height="10" fill="{colors[name]}"/>'
            f'<text x="{width - 135}" y="{15 + k * 16}">{esc(name)} ({len(series[name]):,})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- examples


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rejected_examples(rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    by_rule: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = (str(row.get("step")), str(row.get("rule")))
        if len(by_rule[key]) < EXAMPLES:
            by_rule[key].append(row)
    return by_rule


#: Characters an edit-log replay may rebuild for one report: a log that keeps jumping back (each
#: jump costs a pass over the text) stops being replayed here, so the report stays bounded.
MAX_REPLAY_CHARS = 200_000_000
#: Edits replayed for one report, at most (about 2 µs each): 3.5 million edits of one 48 MB
#: document took 10 s (bench/report_speed.py); examples of later edits come from other documents.
MAX_REPLAY_EDITS = 2_000_000

EditExample = tuple[str, str, str, str, str]  # doc id, left context, removed, inserted, right context


def edit_examples(rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[EditExample]]:
    """Per (step, rule): up to EXAMPLES edits in context, found by replaying each document's log.

    Linear in the text (`replay_passes` applies each run of forward edits in one pass and shows
    each edit in its context); rebuilding the text per edit was quadratic: a 48 MB document held
    a finished run for minutes (issue 11). A row is replayed only up to its last edit whose rule
    still wants an example, and a log that does not replay gives the examples found before the
    edit that does not match (never wrong context).
    """
    found: dict[tuple[str, str], list[EditExample]] = {}
    budget, edits_left = MAX_REPLAY_CHARS, MAX_REPLAY_EDITS
    for row in rows:
        edits = (row.get("edits") or [])[:edits_left]
        text = row.get("original")
        wanted = [i for i, e in enumerate(edits) if len(found.get((e["step"], e["rule"]), ())) < EXAMPLES]
        if text is None or not wanted or budget <= 0:
            continue
        edits_left -= wanted[-1] + 1
        doc_id = str(row["id"])

        def add_example(e: Edit, left: str, right: str, doc_id: str = doc_id) -> None:
            examples = found.setdefault((e.step, e.rule), [])
            if len(examples) < EXAMPLES:
                examples.append((doc_id, left, e.removed, e.inserted, right))

        log = (Edit(**e) for e in edits[: wanted[-1] + 1])
        try:
            for passed in replay_passes(text, log, on_edit=add_example, context=CONTEXT):
                budget -= len(passed)
                if budget <= 0:
                    break
        except ValueError:
            continue
    return found


def _visible(s: str) -> str:
    """Escaped, with line breaks and tabs made visible (they are often what an edit removes)."""
    return esc(s).replace("\n", "<span class=ws>⏎</span>\n").replace("\t", "<span class=ws>⇥</span>")


# ---------------------------------------------------------------- the page


def write_report(output: Path) -> Path:
    stats = load_stats(output)
    rejected = sample_rows(
        output / "rejected",
        [
            "id",
            "text",
            "verdict",
            "step",
            "rule",
            "value",
            "threshold",
            "duplicate_of",
            "similarity",
            "source",
            "original",
            "edits",
        ],
        MAX_ROWS,
    )
    kept = sample_rows(output / "kept", ["id", "text", "original", "edits", "annotations"], MAX_ROWS)
    page = render(stats, kept, rejected)
    path = output / "report.html"
    tmp = output / ".tmp-report.html"
    tmp.write_text(page, "utf-8")
    tmp.replace(path)
    return path


def render(stats: dict[str, Any], kept: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> str:
    total = stats["input"] or 1
    sections = [_summary(stats, total), _steps_table(stats)]

    verdicts = list(stats.get("verdicts", {}).items())[:25]
    sections.append("<h2>Rejections and duplicates per rule</h2>" + bars_svg(verdicts, color="#c0504d"))

    lengths = {
        "kept": [len(r["text"] or "") for r in kept],
        "rejected": [len(r["text"] or "") for r in rejected if r.get("verdict") == "rejected"],
        "duplicate": [len(r["text"] or "") for r in rejected if r.get("verdict") == "duplicate"],
    }
    lengths = {k: v for k, v in lengths.items() if v}
    sections.append(
        f"<h2>Document length</h2><p class=muted>{_sample_note(stats, kept, rejected)}</p>"
        + histogram_svg(lengths, {"kept": "#4a7bb7", "rejected": "#c0504d", "duplicate": "#e3a33b"})
    )

    languages = Counter(
        str(annotations_of(r).get("language")) for r in kept if "language" in annotations_of(r)
    )
    if languages:
        sections.append("<h2>Languages of kept documents (sample)</h2>" + bars_svg(languages.most_common(15)))

    timings = [(name, float(s["seconds"])) for name, s in stats["steps"].items() if s["seconds"] > 0]
    timings += [(name, float(sec)) for name, sec in (stats.get("reduce_seconds") or {}).items() if sec]
    sections.append(
        "<h2>Time per step (CPU seconds, all workers)</h2>" + bars_svg(timings, unit=" s", color="#6b8e23")
    )

    sections.append(_mt_section(kept))
    sections.append(_rejected_section(rejected))
    sections.append(_edits_section(kept + rejected))  # documents rejected late were repaired first
    body = "\n".join(sections)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>tamis report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}}
table{{border-collapse:collapse;margin:.5em 0}} td,th{{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}}
td.n,th.n{{text-align:right;font-variant-numeric:tabular-nums}} .muted{{color:#777}}
svg.plot text{{font:12px system-ui,sans-serif;fill:#333}} .doc{{white-space:pre-wrap;background:#f7f7f7;padding:6px;border-radius:4px;max-height:14em;overflow:auto}}
del{{background:#fbd3d3;text-decoration:line-through}} ins{{background:#cdeccd;text-decoration:none}} .ws{{color:#aaa}}
code{{background:#f2f2f2;padding:0 3px}} details{{margin:.3em 0}}
</style></head><body>
<h1>tamis run</h1>
{body}
<p class=muted>tamis {esc(stats.get("tamis_version", ""))} · pipeline fingerprint {esc(stats.get("fingerprint", ""))}
· {esc(stats.get("shards", ""))} input shards · {esc(stats.get("seconds", ""))} s wall time</p>
</body></html>
"""


def _mt_section(kept: list[dict[str, Any]], limit: int = 20) -> str:
    """Kept documents that annotate.machine_translation suspects, with its reasons (issue 12)."""
    from tamis.annotate.machine_translation import describe_reason

    suspected = [r for r in kept if annotations_of(r).get("mt.suspected") == 1]
    if not suspected:
        return ""
    rows = []
    for r in sorted(suspected, key=lambda r: -float(annotations_of(r).get("mt.probability", 0)))[:limit]:
        a = annotations_of(r)
        reasons = "<br>".join(esc(describe_reason(x)) for x in a.get("mt.reasons") or [])
        site = f"{a['site.mt_share']:.0%} of {a.get('site.mt_scored_pages')}" if "site.mt_share" in a else "-"
        rows.append(
            f"<tr><td>{esc(r['id'])}</td><td class=n>{a.get('mt.probability')}</td><td class=n>{esc(site)}</td><td>{reasons}</td></tr>"
        )
    return (
        f"<h2>Suspected machine translation, kept (sample: {len(suspected)} documents)</h2>"
        "<table><tr><th>id</th><th class=n>mt.probability</th><th class=n>site share</th><th>reasons</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _summary(stats: dict[str, Any], total: int) -> str:
    rows = []
    colors = {"kept": "#4a7bb7", "rejected": "#c0504d", "duplicates": "#e3a33b", "failed": "#7f7f7f"}
    for key in ("input", "kept", "rejected", "duplicates", "failed"):
        n = stats[key]
        pct = f"{100 * n / total:.1f} %" if key != "input" else ""
        rows.append(f"<tr><th>{key}</th><td class=n>{n:,}</td><td class=n>{pct}</td></tr>")
    funnel = "".join(
        f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="22" fill="{colors[k]}"><title>{k}: {stats[k]:,}</title></rect>'
        for k, x, w in _segments(stats, total, 640)
    )
    accounted = stats["kept"] + stats["rejected"] + stats["duplicates"] + stats["failed"]
    check = (
        "input = kept + rejected + duplicates + failed ✓"
        if accounted == stats["input"]
        else f"<b>accounting mismatch: {accounted:,} accounted for {stats['input']:,} input records</b>"
    )
    return (
        f"<h2>Where the input went</h2><table>{''.join(rows)}</table>"
        f'<svg class=plot width="640" height="24" role="img">{funnel}</svg><p class=muted>{check}</p>'
    )


def _segments(stats: dict[str, Any], total: int, width: int) -> Iterator[tuple[str, float, float]]:
    x = 0.0
    for key in ("kept", "rejected", "duplicates", "failed"):
        w = width * stats[key] / total
        yield key, x, w
        x += w


def _steps_table(stats: dict[str, Any]) -> str:
    rows = []
    for name, s in stats["steps"].items():
        rules = ", ".join(
            f"<code>{esc(r)}</code> {n:,}" for r, n in sorted(s["rules"].items(), key=lambda kv: -kv[1])
        )
        rows.append(
            f"<tr><td>{esc(name)}</td><td class=n>{s['docs']:,}</td><td class=n>{s['changed']:,}</td>"
            f"<td class=n>{s['rejected']:,}</td><td class=n>{s['duplicates']:,}</td><td class=n>{s['failed']:,}</td>"
            f"<td class=n>{s['seconds']:.2f}</td><td>{rules}</td></tr>"
        )
    return (
        "<h2>Steps</h2><p class=muted>docs: documents the step saw; changed: documents it edited; "
        "rules: edits or verdicts per rule code.</p><table><tr><th>step</th><th class=n>docs</th>"
        "<th class=n>changed</th><th class=n>rejected</th><th class=n>dups</th><th class=n>failed</th>"
        f"<th class=n>s</th><th>rules</th></tr>{''.join(rows)}</table>"
    )


def _sample_note(stats: dict[str, Any], kept: list[Any], rejected: list[Any]) -> str:
    return (
        f"from a sample of {len(kept):,} kept of {stats['kept']:,} and {len(rejected):,} rejected/duplicate/failed "
        f"of {stats['rejected'] + stats['duplicates'] + stats['failed']:,} documents"
    )


def _rejected_section(rejected: list[dict[str, Any]]) -> str:
    examples = rejected_examples(rejected)
    if not examples:
        return "<h2>Rejected documents</h2><p class=muted>none</p>"
    parts = ["<h2>Rejected documents, by rule</h2>"]
    for (step, rule), rows in sorted(examples.items()):
        parts.append(
            f"<details><summary><code>{esc(step)}</code> · <code>{esc(rule)}</code> "
            f"<span class=muted>({len(rows)} example{'s' if len(rows) > 1 else ''})</span></summary>"
        )
        for row in rows:
            why = []
            if row.get("value") is not None:
                why.append(f"value {esc(_cut(str(row['value']), 200))}")
            if row.get("threshold") is not None:
                why.append(f"threshold {esc(row['threshold'])}")
            if row.get("duplicate_of"):
                why.append(
                    f"duplicate of <code>{esc(row['duplicate_of'])}</code> (similarity {esc(row.get('similarity'))})"
                )
            url = (row.get("source") or {}).get("url") if isinstance(row.get("source"), dict) else None
            parts.append(
                f"<p><code>{esc(row['id'])}</code> {esc(url) if url else ''} — {'; '.join(why)}</p>"
                f"<div class=doc>{_visible(_cut(row.get('text') or '', SNIPPET))}</div>"
            )
        parts.append("</details>")
    return "".join(parts)


def _edits_section(kept: list[dict[str, Any]]) -> str:
    examples = edit_examples(kept)
    if not examples:
        return "<h2>Edits</h2><p class=muted>no edits in the sample</p>"
    parts = ["<h2>Edits, by repair rule (before → after, in context)</h2>"]
    for (step, rule), items in sorted(examples.items()):
        parts.append(
            f"<details><summary><code>{esc(step)}</code> · <code>{esc(rule)}</code></summary><table>"
        )
        for doc_id, left, removed, inserted, right in items:
            parts.append(
                f"<tr><td><code>{esc(_cut(doc_id, 40))}</code></td><td class=doc>{_visible(left)}"
                f"<del>{_visible(removed)}</del><ins>{_visible(inserted)}</ins>{_visible(right)}</td></tr>"
            )
        parts.append("</table></details>")
    return "".join(parts)
