"""Language-ID accuracy per language on held-out real sentences (one command).

    .venv/bin/python bench/langid.py [--per-source 2000] [--min-chars 50] [--documents 300]

Samples sentences of at least --min-chars characters from ../shared/corpora (ud, eltec,
rusdracor, kaznerd; one sentence a line), leaves out every sentence shipped in tests/data,
and prints accuracy per language for lid.176 alone and with tamis' letter rules
(`tamis.annotate.language.refine`), plus the commonest confusions.

With --documents N it also labels N real documents per source file (blank-line separated
blocks of 3+ lines) with the `annotate.language` step, and reports how often the document
language is right, the share with language_score >= 0.5 / 0.65 (the `default` and
`fineweb-like` cuts), and the share kept by `filter.thresholds` presets: evidence for the
thresholds in src/tamis/filter/thresholds.toml.
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
    ap.add_argument("--documents", type=int, default=0, help="also judge this many documents per source file")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    skip = shipped_sentences()
    print(f"{'lang':<5}{'n':>7}{'lid.176':>10}{'+rules':>10}   commonest errors (after rules)")
    worst = 1.0
    for lang in SOURCES:
        sents = sample(lang, args.per_source, args.min_chars, rng, skip)
        raw = [predict(s.replace("\n", " "))[0][0] for s in sents]
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
    if args.documents:
        documents(args.documents, rng)


def documents(per_source: int, rng: random.Random) -> None:
    from tamis.annotate.language import IdentifyLanguage
    from tamis.annotate.quality import measure_all
    from tamis.filter.thresholds import RejectByThresholds

    step = IdentifyLanguage()
    presets = {name: RejectByThresholds(preset=name) for name in ("default", "gopher", "fineweb-like")}
    print(
        f"\n{'lang':<5}{'docs':>6}{'right':>8}{'>=0.5':>8}{'>=0.65':>8}"
        + "".join(f"{p:>14}" for p in presets)
        + "   commonest default rejections"
    )
    for lang, files in SOURCES.items():
        docs: list[str] = []
        for rel in files:
            path = CORPORA / rel
            if path.is_file():
                blocks = [b.strip() for b in path.read_text("utf-8").split("\n\n") if b.count("\n") >= 2]
                docs += rng.sample(blocks, min(per_source, len(blocks)))
        right = ok5 = ok65 = 0
        kept: Counter[str] = Counter()
        why: Counter[str] = Counter()
        for text in docs:
            found = step.label(text)
            right += found["language"] == lang
            ok5 += found["language_score"] >= 0.5
            ok65 += found["language_score"] >= 0.65
            sig = {**found, **measure_all(text, found["language"])}
            for name, flt in presets.items():
                verdict = flt.judge(sig, found["language"])
                kept[name] += verdict is None
                if verdict is not None and name == "default":
                    why[verdict.rule] += 1
        n = len(docs)
        print(
            f"{lang:<5}{n:>6}{right / n:>8.3f}{ok5 / n:>8.3f}{ok65 / n:>8.3f}"
            + "".join(f"{kept[p] / n:>14.3f}" for p in presets)
            + "   "
            + ", ".join(f"{k}:{v}" for k, v in why.most_common(3))
        )


if __name__ == "__main__":
    main()
