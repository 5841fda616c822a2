"""report.html: counts, per-step rules, and escaped examples. Crawled text is always escaped."""

from __future__ import annotations

import html
from pathlib import Path

import orjson


def write_report(output: Path) -> Path:
    stats = orjson.loads((output / "stats.json").read_bytes())
    rows = []
    for name, s in stats["steps"].items():
        rules = ", ".join(f"{html.escape(r)} ×{n}" for r, n in sorted(s["rules"].items(), key=lambda kv: -kv[1]))
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td>{s['docs']}</td><td>{s['changed']}</td><td>{s['rejected']}</td>"
            f"<td>{s['duplicates']}</td><td>{s['failed']}</td><td>{s['seconds']:.2f}</td><td>{rules}</td></tr>"
        )
    counts = " · ".join(f"{k} {stats[k]}" for k in ("input", "kept", "rejected", "duplicates", "failed"))
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>tamis report</title></head>
<body><h1>tamis run</h1><p>{counts}</p>
<table><tr><th>step</th><th>docs</th><th>changed</th><th>rejected</th><th>dups</th><th>failed</th><th>s</th><th>rules</th></tr>
{''.join(rows)}</table></body></html>"""
    path = output / "report.html"
    path.write_text(page, "utf-8")
    return path
