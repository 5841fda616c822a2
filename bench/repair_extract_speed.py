"""HTML extraction speed and a rough quality check: trafilatura vs resiliparse, one process.

    .venv/bin/python bench/repair_extract_speed.py

Pages are built from real sentences (shared/corpora/ud) inside a typical news-page template
(menu, article with h1/h2/p/ul, figure, related links, comment form, footer), so the article
text is known: recall = share of article sentences extracted, leak = share of furniture lines
that came through. Figures go to docs/repair.md.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from tamis.document import Document
from tamis.extract.html import ExtractHtml

UD = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "ud"
FURNITURE = [
    "Startseite",
    "Politik",
    "Ähnliche Beiträge",
    "Schreibe einen Kommentar",
    "Alle Rechte vorbehalten",
    "Anderer Artikel",
]


def page(rng: random.Random, sents: list[str]) -> tuple[str, list[str]]:
    body = rng.sample(sents, 14)
    paras = "".join(f"<p>{' '.join(body[i : i + 3])}</p>\n" for i in range(0, 9, 3))
    items = "".join(f"<li>{s}</li>" for s in body[9:12])
    html = f"""<!DOCTYPE html><html><head><title>{body[12][:60]}</title><script>var a=1;</script></head><body>
<header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/p">Politik</a></li></ul></nav></header>
<main><article><h1>{body[12][:80]}</h1>{paras}<figure><img src="a.jpg"><figcaption>Foto: dpa</figcaption></figure>
<h2>{body[13][:60]}</h2><ul>{items}</ul></article>
<aside><h3>Ähnliche Beiträge</h3><ul><li><a href="/x">Anderer Artikel</a></li></ul></aside>
<section id="comments"><h3>Schreibe einen Kommentar</h3><form><textarea></textarea></form></section></main>
<footer><p>© 2024 Zeitung. Alle Rechte vorbehalten.</p></footer></body></html>"""
    return html, body[:12]


def main() -> None:
    rng = random.Random(1)
    sents = [s.strip() for s in (UD / "de.txt").read_text("utf-8").splitlines() if len(s.strip()) > 40]
    pages = [page(rng, sents) for _ in range(300)]
    mb = sum(len(h.encode()) for h, _ in pages) / 1e6
    for engine in ("trafilatura", "resiliparse"):
        step = ExtractHtml(engine=engine)
        step.setup()
        found = total = leaked = 0
        t0 = time.process_time()
        outs = [step.repair(h, Document(id="p", text=h, meta={"format": "html"})).text for h, _ in pages]
        cpu = time.process_time() - t0
        for out, (_, body) in zip(outs, pages, strict=True):
            total += len(body)
            found += sum(s in out for s in body)
            leaked += sum(f in out for f in FURNITURE)
        print(
            f"{engine}: {len(pages) / cpu:.0f} pages/s, {mb / cpu:.2f} MB HTML/s per core; "
            f"article sentences recalled {found / total:.3f}; furniture lines leaked "
            f"{leaked / (len(pages) * len(FURNITURE)):.3f}"
        )


if __name__ == "__main__":
    main()
