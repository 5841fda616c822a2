"""report.html: what a run did, for a person: counts, funnel, steps and rules, plots, examples.

Built from stats.json and a bounded sample of kept/ and rejected/ rows (at most `MAX_ROWS`
of each, spread over the files), so it costs seconds on any corpus size. This module computes
the numbers (plot geometry, examples); the page is the template `templates/report.html.j2`,
rendered by Jinja2 with autoescaping, so every string that comes from the crawl (text, ids,
URLs, rule values) is escaped without a call at each place it is written. Plots are small
inline SVG: no plotting dependency, one self-contained file.
"""

from __future__ import annotations

import html
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from tamis.atomic import atomic_write
from tamis.document import LoggedEdit, replay_passes
from tamis.inspect import annotations_of, load_stats, sample_rows

if TYPE_CHECKING:
    import jinja2

MAX_ROWS = 3000  # rows read from kept/ and from rejected/ for examples and histograms
EXAMPLES = 3  # examples shown per rule
SNIPPET = 400  # characters of a rejected document shown
CONTEXT = 50  # characters shown either side of an edit
COLORS = {"kept": "#4a7bb7", "rejected": "#c0504d", "duplicate": "#e3a33b", "duplicates": "#e3a33b"}
COLORS["failed"] = "#7f7f7f"


# ---------------------------------------------------------------- the template


@cache
def _template() -> jinja2.Template:
    import jinja2
    import markupsafe

    def escape(value: Any) -> markupsafe.Markup:
        # html.escape (quote=True) rather than markupsafe's: the same entities as the rest of
        # tamis writes ('&#x27;'), applied to every value the template prints
        if isinstance(value, markupsafe.Markup):
            return value
        return markupsafe.Markup(html.escape("" if value is None else str(value), quote=True))

    def visible(value: Any) -> markupsafe.Markup:
        """Escaped, with line breaks and tabs made visible (they are often what an edit removes)."""
        return markupsafe.Markup(
            str(escape(value))
            .replace("\n", "<span class=ws>⏎</span>\n")
            .replace("\t", "<span class=ws>⇥</span>")
        )

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tamis.report", "templates"),
        autoescape=True,
        finalize=escape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(cut=_cut, visible=visible, thousands=lambda n: f"{n:,}")
    return env.get_template("report.html.j2")


# ---------------------------------------------------------------- plot geometry


def bars(
    items: Sequence[tuple[str, float]], *, unit: str = "", width: int = 640, color: str = "#4a7bb7"
) -> dict[str, Any]:
    """Horizontal bars, one per (label, value), values written at the bar's end."""
    label_w, row_h = 230, 20
    top = max((v for _, v in items), default=1) or 1
    bar_w = width - label_w - 80
    rows = []
    for i, (label, value) in enumerate(items):
        shown = f"{value:.3g}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
        w = max(1.0, bar_w * value / top) if value else 0
        rows.append({"label": label, "y": i * row_h + 3, "w": w, "shown": shown})
    return {
        "rows": rows,
        "width": width,
        "height": row_h * len(items) + 6,
        "label_w": label_w,
        "row_h": row_h,
        "color": color,
        "unit": unit,
    }


def histogram(series: dict[str, list[int]], width: int = 640, height: int = 180) -> dict[str, Any]:
    """Document lengths on log-spaced bins (powers of two), one bar per series in each bin."""
    values = [v for vs in series.values() for v in vs if v > 0]
    plot: dict[str, Any] = {"bins": [], "width": width, "height": height, "left": 40, "bar": 0.0}
    if not values:
        return plot
    lo, hi = int(math.log2(max(1, min(values)))), int(math.log2(max(values))) + 1
    edges = [2**k for k in range(lo, hi + 1)]
    counts = {
        name: Counter(min(len(edges) - 2, max(0, int(math.log2(max(1, v))) - lo)) for v in vs if v > 0)
        for name, vs in series.items()
    }
    n_bins = len(edges) - 1
    top = max((c for cs in counts.values() for c in cs.values()), default=1)
    plot_h = height - 40
    slot = (width - plot["left"] - 10) / n_bins
    plot["bar"] = bar = slot / (len(series) + 1)
    for b in range(n_bins):
        x0 = plot["left"] + b * slot
        rects = []
        for k, name in enumerate(series):
            n = counts[name].get(b, 0)
            h = plot_h * n / top
            rects.append(
                {"x": x0 + k * bar, "y": 10 + plot_h - h, "h": h, "n": n, "name": name, "color": COLORS[name]}
            )
        plot["bins"].append(
            {
                "x": x0,
                "low": edges[b],
                "high": edges[b + 1],
                "tick": b % max(1, n_bins // 8) == 0,
                "rects": rects,
            }
        )
    plot["legend"] = [{"name": name, "n": len(vs), "color": COLORS[name]} for name, vs in series.items()]
    return plot


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
#: Edits replayed for one report, at most, so its time stays bounded (figures: docs/cli.md,
#: bench/report_speed.py); examples of later edits come from other documents.
MAX_REPLAY_EDITS = 2_000_000

EditExample = tuple[str, str, str, str, str]  # doc id, left context, removed, inserted, right context


def edit_examples(rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[EditExample]]:
    """Per (step, rule): up to EXAMPLES edits in context, found by replaying each document's log.

    Linear in the text: `replay_passes` applies each run of forward edits in one pass and shows
    each edit in its context (rebuilding the text per edit would be quadratic, issue 11). A row
    is replayed only up to its last edit whose rule
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

        def add_example(e: LoggedEdit, left: str, right: str, doc_id: str = doc_id) -> None:
            examples = found.setdefault((e.step, e.rule), [])
            if len(examples) < EXAMPLES:
                examples.append((doc_id, left, e.removed, e.inserted, right))

        log = (SimpleNamespace(**e) for e in edits[: wanted[-1] + 1])
        try:
            for passed in replay_passes(text, log, on_edit=add_example, context=CONTEXT):
                budget -= len(passed)
                if budget <= 0:
                    break
        except ValueError:
            continue
    return found


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
    atomic_write(path, page.encode("utf-8"))
    return path


def render(stats: dict[str, Any], kept: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> str:
    total = stats["input"] or 1
    lengths = {
        "kept": [len(r["text"] or "") for r in kept],
        "rejected": [len(r["text"] or "") for r in rejected if r.get("verdict") == "rejected"],
        "duplicate": [len(r["text"] or "") for r in rejected if r.get("verdict") == "duplicate"],
    }
    languages = Counter(
        str(annotations_of(r).get("language")) for r in kept if "language" in annotations_of(r)
    )
    timings = [(name, float(s["seconds"])) for name, s in stats["steps"].items() if s["seconds"] > 0]
    timings += [(name, float(sec)) for name, sec in (stats.get("reduce_seconds") or {}).items() if sec]
    return _template().render(
        stats=stats,
        summary=_summary(stats, total),
        steps=[
            (name, s, sorted(s["rules"].items(), key=lambda kv: -kv[1])) for name, s in stats["steps"].items()
        ],
        verdicts=bars(list(stats.get("verdicts", {}).items())[:25], color=COLORS["rejected"]),
        sample_note=_sample_note(stats, kept, rejected),
        lengths=histogram({k: v for k, v in lengths.items() if v}),
        languages=bars(languages.most_common(15)),
        timings=bars(timings, unit=" s", color="#6b8e23"),
        mt=_suspected_mt(kept),
        rejected=[
            (key, [_rejected_example(row) for row in rows])
            for key, rows in sorted(rejected_examples(rejected).items())
        ],
        # documents rejected late were repaired first: their edits are examples too
        edits=sorted(edit_examples(kept + rejected).items()),
        snippet=SNIPPET,
    )


def _summary(stats: dict[str, Any], total: int) -> dict[str, Any]:
    rows = [
        (key, stats[key], f"{100 * stats[key] / total:.1f} %" if key != "input" else "")
        for key in ("input", "kept", "rejected", "duplicates", "failed")
    ]
    funnel, x = [], 0.0
    for key in ("kept", "rejected", "duplicates", "failed"):
        w = 640 * stats[key] / total
        funnel.append((key, x, w, COLORS[key], stats[key]))
        x += w
    accounted = stats["kept"] + stats["rejected"] + stats["duplicates"] + stats["failed"]
    return {"rows": rows, "funnel": funnel, "accounted": accounted}


def _sample_note(stats: dict[str, Any], kept: list[Any], rejected: list[Any]) -> str:
    return (
        f"from a sample of {len(kept):,} kept of {stats['kept']:,} and {len(rejected):,} rejected/duplicate/failed "
        f"of {stats['rejected'] + stats['duplicates'] + stats['failed']:,} documents"
    )


def _suspected_mt(kept: list[dict[str, Any]], limit: int = 20) -> dict[str, Any]:
    """Kept documents that annotate.machine_translation suspects, with its reasons (issue 12)."""
    from tamis.annotate.machine_translation import describe_reason

    suspected = [r for r in kept if annotations_of(r).get("mt.suspected") == 1]
    rows = []
    for r in sorted(suspected, key=lambda r: -float(annotations_of(r).get("mt.probability", 0)))[:limit]:
        a = annotations_of(r)
        site = f"{a['site.mt_share']:.0%} of {a.get('site.mt_scored_pages')}" if "site.mt_share" in a else "-"
        rows.append(
            {
                "id": r["id"],
                "probability": a.get("mt.probability"),
                "site": site,
                "reasons": [describe_reason(x) for x in a.get("mt.reasons") or []],
            }
        )
    return {"suspected": len(suspected), "rows": rows}


def _rejected_example(row: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of one rejected document: id, URL, why (value, threshold, duplicate of), text."""
    why: list[tuple[str, Any, Any]] = []
    if row.get("value") is not None:
        why.append(("value", str(row["value"]), None))
    if row.get("threshold") is not None:
        why.append(("threshold", row["threshold"], None))
    if row.get("duplicate_of"):
        why.append(("duplicate_of", row["duplicate_of"], row.get("similarity")))
    source = row.get("source")
    url = source.get("url") if isinstance(source, dict) else None
    return {"id": row["id"], "url": url, "why": why, "text": row.get("text") or ""}
