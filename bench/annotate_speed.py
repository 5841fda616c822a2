"""CPU seconds of the annotate-and-filter chain's steps, one step at a time, in one process, and a
digest of what they produced (to check that a speed-up changed nothing).

    PYTHONPATH=src python bench/annotate_speed.py                       # 10k bench corpus
    PYTHONPATH=src python bench/annotate_speed.py --write /tmp/a.json   # keep the digests
    PYTHONPATH=/other/src python bench/annotate_speed.py --check /tmp/a.json
    PYTHONPATH=src python bench/annotate_speed.py --parts               # also annotate.quality's parts
    PYTHONPATH=src python bench/annotate_speed.py --realpages --write /tmp/r.json   # real pages instead

Runs annotate.language, annotate.quality and filter.thresholds over every document of the
make_corpus.py corpus (bench/common.py's, built once), each step over all documents before the
next (CPU seconds from `time.process_time`, models loaded and tables built before timing), and
prints the seconds per step, best of `--repeat`. The digest hashes every annotation's repr
(floats bit for bit) and every rejection, in document order. To compare two versions of the code,
run the command with one `PYTHONPATH` then the other, alternately, in the same minutes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, corpus_files, ensure_corpus
from tamis.annotate import quality
from tamis.annotate.language import IdentifyLanguage, declared_language
from tamis.annotate.quality import measure_all
from tamis.filter.thresholds import RejectByThresholds
from tamis.native import kernel
from tamis.text.segmentation import Segmentation

#: real pages in several languages (raw page text and its gold text), ../shared/realpages
REALPAGES = REPO.parent / "shared" / "realpages" / "dev.jsonl.gz"


def realpage_records() -> list[dict[str, Any]]:
    """Each page of REALPAGES twice: its text and its gold text, as records with a text."""
    with gzip.open(REALPAGES, "rt", encoding="utf-8") as fh:
        pages = [json.loads(line) for line in fh]
    return [{"text": p[key]} for p in pages for key in ("text", "gold") if isinstance(p.get(key), str)]


def digest(items: list[Any]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(repr(sorted(item.items()) if isinstance(item, dict) else item).encode("utf-8"))
    return h.hexdigest()[:16]


def quality_parts(texts: list[str], langs: list[str]) -> dict[str, float]:
    """CPU seconds of each part of `measure_all`, each over every document before the next (the
    segmentation's lazy fields in the order the step reads them)."""
    seconds: dict[str, float] = {}

    def timed(name: str, run: Any) -> Any:
        t0 = time.process_time()
        out = run()
        seconds[name] = round(time.process_time() - t0, 3)
        return out

    units = timed("segmentation: tokens, words", lambda: [Segmentation(t) for t in texts])
    timed("segmentation: letter words", lambda: [u.letter_words for u in units])
    timed("segmentation: word chars", lambda: [u.word_chars for u in units])
    timed("segmentation: lowered words", lambda: [u.lowered for u in units])
    timed("segmentation: lines", lambda: [u.lines for u in units])
    if kernel("quality") is None:  # the compiled repetition counts hash the tokens themselves
        timed("segmentation: token keys", lambda: [u.token_keys for u in units])
    pairs = list(zip(units, langs, strict=True))
    stops = timed("stop words", lambda: [quality.stop_word_counts(u, lang) for u, lang in pairs])
    with_stops = list(zip(units, stops, strict=True))
    timed(
        "text signals",
        lambda: [quality.text_signals(u, u.letter_words, u.word_chars, s[0]) for u, s in with_stops],
    )
    timed(
        "gopher quality",
        lambda: [
            quality.gopher_quality_signals(u, u.letter_words, u.word_chars, s[1]) for u, s in with_stops
        ],
    )
    repeats = timed("line repeats", lambda: [quality.line_repeats(u.text) for u in units])
    timed(
        "gopher repetition",
        lambda: [quality.gopher_repetition_signals(u, r[:2]) for u, r in zip(units, repeats, strict=True)],
    )
    timed("c4", lambda: [quality.c4_signals(u) for u in units])
    timed(
        "fineweb",
        lambda: [quality.fineweb_signals(u, r[2], r[3]) for u, r in zip(units, repeats, strict=True)],
    )
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-docs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many passes per step")
    ap.add_argument("--write", help="write the digests to this JSON file")
    ap.add_argument("--check", help="compare the digests with this JSON file (exit 1 if they differ)")
    ap.add_argument("--parts", action="store_true", help="also time each part of annotate.quality")
    ap.add_argument(
        "--realpages",
        action="store_true",
        help=f"the pages of {REALPAGES} (text and gold) instead of the bench corpus",
    )
    args = ap.parse_args()
    if args.realpages:
        corpus, records = REALPAGES, realpage_records()
    else:
        corpus = ensure_corpus(args.n_docs)
        records = [json.loads(line) for f in corpus_files(corpus) for line in f.open("rb")]
    texts = [r["text"] for r in records]
    declared = [declared_language(r.get("meta") or {}) for r in records]
    language, thresholds = IdentifyLanguage(), RejectByThresholds()
    language.setup()
    measure_all("Tables and lists are loaded before timing.", "en")
    seconds: dict[str, float] = {}

    def timed(name: str, run: Any) -> Any:
        best, out = float("inf"), None
        for _ in range(args.repeat):
            t0 = time.process_time()
            out = run()
            best = min(best, time.process_time() - t0)
        seconds[name] = round(best, 3)
        return out

    labels = timed(
        "annotate.language", lambda: [language.label(t, d) for t, d in zip(texts, declared, strict=True)]
    )
    signals = timed(
        "annotate.quality",
        lambda: [measure_all(t, lab["language"]) for t, lab in zip(texts, labels, strict=True)],
    )
    merged = [{**lab, **sig} for lab, sig in zip(labels, signals, strict=True)]
    verdicts = timed("filter.thresholds", lambda: [thresholds.judge(m, m["language"]) for m in merged])
    digests = {
        "annotate.language": digest(labels),
        "annotate.quality": digest(signals),
        "filter.thresholds": digest([repr(v) for v in verdicts]),
    }
    path = "compiled kernels" if kernel("quality") and kernel("segment") else "pure Python"
    print(f"{len(texts):,} documents of {corpus} ({path}); CPU seconds, best of {args.repeat}:")
    for name, s in seconds.items():
        print(f"  {name:20s} {s:7.2f}   digest {digests[name]}")
    if args.parts:
        print("annotate.quality by part, CPU seconds (one pass):")
        for name, s in quality_parts(texts, [lab["language"] for lab in labels]).items():
            print(f"  {name:32s} {s:7.2f}")
    if args.write:
        Path(args.write).write_text(json.dumps({"seconds": seconds, "digests": digests}, indent=2))
    if args.check:
        expected = json.loads(Path(args.check).read_text())["digests"]
        differ = [k for k in digests if digests[k] != expected.get(k)]
        print("identical" if not differ else f"DIFFERENT: {', '.join(differ)}")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
