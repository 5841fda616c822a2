"""Language-ID accuracy per language on held-out real sentences (one command).

    .venv/bin/python bench/langid.py [--per-source 2000] [--min-chars 50]

Samples sentences of at least --min-chars characters from ../shared/corpora (ud, eltec,
rusdracor, kaznerd; one sentence a line), leaves out every sentence shipped in tests/data,
and prints accuracy per language for lid.176 alone and with tamis' letter rules
(`tamis.annotate.language.refine`), plus the commonest confusions.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from pathlib import Path

from tamis.annotate.language import predict, refine

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
SOURCES = {  # language -> files (NC-licensed files are read for measurement only)
    "de": ["ud/de.txt", "eltec/de.txt"],
    "en": ["ud/en.txt", "eltec/en.txt"],
    "fr": ["ud/fr.txt", "eltec/fr.txt"],
    "ru": ["ud/ru.txt", "rusdracor/ru.txt"],
    "uk": ["ud/uk.txt", "eltec/uk.txt"],
    "kk": ["ud/kk.txt", "kaznerd/kk.txt"],
}


def shipped_sentences() -> set[str]:
    out: set[str] = set()
    for path in (ROOT / "tests" / "data").glob("*.txt"):
        out.update(line.strip() for line in path.read_text("utf-8").splitlines())
    return out


def sample(lang: str, per_source: int, min_chars: int, rng: random.Random, skip: set[str]) -> list[str]:
    picked: list[str] = []
    for rel in SOURCES[lang]:
        path = CORPORA / rel
        if not path.is_file():
            continue
        lines = sorted({s.strip() for s in path.read_text("utf-8").splitlines()} - skip)
        lines = [s for s in lines if len(s) >= min_chars]
        picked += rng.sample(lines, min(per_source, len(lines)))
    return picked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-source", type=int, default=2000)
    ap.add_argument("--min-chars", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    skip = shipped_sentences()
    print(f"{'lang':<5}{'n':>7}{'lid.176':>10}{'+rules':>10}   commonest errors (after rules)")
    worst = 1.0
    for lang in SOURCES:
        sents = sample(lang, args.per_source, args.min_chars, rng, skip)
        raw = [predict(s.replace("\n", " "))[0] for s in sents]
        fixed = [refine(r, s) for r, s in zip(raw, sents, strict=True)]
        acc_raw = sum(r == lang for r in raw) / len(sents)
        acc = sum(f == lang for f in fixed) / len(sents)
        errors: defaultdict[str, int] = defaultdict(int)
        for f in fixed:
            if f != lang:
                errors[f] += 1
        worst = min(worst, acc)
        top = ", ".join(f"{k}:{v}" for k, v in Counter(errors).most_common(4))
        print(f"{lang:<5}{len(sents):>7}{acc_raw:>10.4f}{acc:>10.4f}   {top}")
    print(f"lowest accuracy: {worst:.4f} (target >= 0.97 on sentences of {args.min_chars}+ characters)")


if __name__ == "__main__":
    main()
