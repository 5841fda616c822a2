"""Lines removed by repair.duplicate_title, repair.captions and repair.datelines on real text.

    PYTHONPATH=src .venv/bin/python bench/sentence_removals.py            # dev pages + corpora
    PYTHONPATH=src .venv/bin/python bench/sentence_removals.py --show 20  # and the body lines removed

These steps must never remove a sentence of the article (issue 10). Two measurements:

1. ../shared/realpages/dev.jsonl.gz (real pages as crawlers extract them, every line labelled
   body or debris against the benchmark's gold text): each step runs alone on each page's text;
   a removed *body* line is a false positive, a removed debris line a true one. Per dataset and
   language: body lines removed (with a 95% Wilson interval of the share of body lines), debris
   lines removed. Mixed lines (30-79% gold) are left out. Caveat: Dragnet's gold keeps captions
   and datelines, so there a removed caption counts as a body line removed.
2. The clean corpora in ../shared/corpora (novels, plays, treebank sentences): documents of 8
   consecutive lines, every line an article sentence; removals per 10,000 words.

The page text is never printed unless `--show` asks for it (local inspection only: it is
third-party text and must not be copied into the repository).
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
from collections import Counter, defaultdict
from pathlib import Path

from common import wilson
from tamis.document import Document
from tamis.repair.captions import MoveCaptions
from tamis.repair.datelines import RemoveDatelines
from tamis.repair.duplicate_title import DropDuplicateTitle
from tamis.steps import Repair

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
STEPS: dict[str, Repair] = {
    "duplicate_title": DropDuplicateTitle(),
    "captions": MoveCaptions(),
    "datelines": RemoveDatelines(),
}
CORPUS_FILES = ["eltec/en.txt", "eltec/de.txt", "eltec/fr.txt", "eltec/uk.txt", "rusdracor/ru.txt"]
CORPUS_FILES += ["kaznerd/kk.txt", "ud/en.txt", "ud/en-gum.txt", "ud/de.txt", "ud/fr.txt"]


def removed_lines(step: Repair, text: str) -> list[int]:
    """Indices of `text`'s lines that the step removed (moved out, for captions)."""
    lines = text.split("\n")
    out = step.repair(text, Document(id="page", text=text)).text.split("\n")
    if out == lines:
        return []
    gone = []
    matcher = difflib.SequenceMatcher(None, lines, out, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            gone.extend(range(i1, i2))
    return gone


def is_sentence(line: str) -> bool:
    """Six or more words and a sentence end: what these steps must never remove."""
    return len(line.split()) >= 6 and line.rstrip(" \"'”’»)").endswith((".", "!", "?", "…", "。", "！", "？"))


def realpages(path: Path, show: int) -> None:
    body_lines: Counter[tuple[str, str]] = Counter()
    removed_body: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    removed_debris: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    removed_sentences: Counter[str] = Counter()
    sentence_examples: dict[str, list[str]] = defaultdict(list)
    examples: dict[str, list[str]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for raw in f:
            page = json.loads(raw)
            key = (page["dataset"], page["lang"])
            labels = page["labels"]
            body = set(labels["body_lines"])
            mixed = set(labels.get("mixed_lines", []))
            body_lines[key] += len(body)
            lines = page["text"].split("\n")
            for name, step in STEPS.items():
                for i in removed_lines(step, page["text"]):
                    if i in mixed:
                        continue
                    if i in body:
                        removed_body[name][key] += 1
                        if is_sentence(lines[i]):
                            removed_sentences[name] += 1
                            if len(sentence_examples[name]) < show:
                                sentence_examples[name].append(f"{page['id']} line {i}: {lines[i][:160]}")
                        if len(examples[name]) < show:
                            examples[name].append(f"{page['id']} line {i}: {lines[i][:160]}")
                    else:
                        removed_debris[name][key] += 1
    keys = sorted(body_lines, key=lambda k: (-body_lines[k], k))
    print(f"realpages dev ({path}): body lines removed (false positives) / debris lines removed")
    header = f"  {'dataset':16} {'lang':4} {'body lines':>10}"
    for name in STEPS:
        header += f"  {name + ' body/debris':>26}"
    print(header)
    for key in [*keys, ("all", "")]:
        n = sum(body_lines.values()) if key[0] == "all" else body_lines[key]
        row = f"  {key[0]:16} {key[1]:4} {n:10}"
        for name in STEPS:
            if key[0] == "all":
                fp, tp = sum(removed_body[name].values()), sum(removed_debris[name].values())
            else:
                fp, tp = removed_body[name][key], removed_debris[name][key]
            row += f"  {fp:>10}/{tp:<6}"
            row += f" ≤{wilson(fp, n)[1]:.4f}" if n else " " * 8
        print(row)
    print("  (≤x: upper end of the 95% Wilson interval of the share of body lines removed)")
    print(
        "  body lines removed that are sentences (6+ words, a sentence end): "
        + ", ".join(f"{name} {removed_sentences[name]}" for name in STEPS)
    )
    for name, lines_shown in sentence_examples.items():
        print(f"\n{name}: sentences removed (first {len(lines_shown)})")
        for line in lines_shown:
            print("   ", line)
    for name, lines_shown in examples.items():
        print(f"\n{name}: body lines removed (first {len(lines_shown)})")
        for line in lines_shown:
            print("   ", line)


def corpora(root: Path, max_lines: int) -> None:
    print(f"\nclean corpora ({root}): lines removed per 10,000 words (every line is an article sentence)")
    print(f"  {'file':18} {'words':>9}" + "".join(f"  {name:>16}" for name in STEPS))
    for rel in CORPUS_FILES:
        path = root / rel
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as f:
            lines = [line.strip() for _, line in zip(range(max_lines), f, strict=False) if line.strip()]
        words = sum(len(line.split()) for line in lines)
        counts = Counter()
        for start in range(0, len(lines), 8):
            text = "\n".join(lines[start : start + 8])
            for name, step in STEPS.items():
                counts[name] += len(removed_lines(step, text))
        row = f"  {rel:18} {words:9}"
        row += "".join(f"  {counts[name]:5} ({1e4 * counts[name] / max(words, 1):5.2f})" for name in STEPS)
        print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=SHARED / "realpages" / "dev.jsonl.gz")
    parser.add_argument("--corpora", type=Path, default=SHARED / "corpora")
    parser.add_argument("--max-lines", type=int, default=40_000, help="lines read from each corpus file")
    parser.add_argument("--show", type=int, default=0, help="print up to N removed body lines per step")
    args = parser.parse_args()
    for step in STEPS.values():
        step.setup()
    realpages(args.dev, args.show)
    corpora(args.corpora, args.max_lines)


if __name__ == "__main__":
    main()
