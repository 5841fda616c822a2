"""AUC of tamis' machine-translation signals on WMT22 (human_original vs mt), per language.

    .venv/bin/python bench/mt_signals.py [--group 8] [--max-docs 400]

Segments of /work/shared/mt/wmt22_dev.jsonl (never copied into the repository) are grouped
into pseudo-documents of --group consecutive segments of the same label, system and pair;
each pseudo-document is scored with `tamis.annotate.machine_translation`, and the AUC of
each feature and of `mt.score` is printed for human_original vs mt (and for
human_translation vs mt, which is harder: both are translations).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

from tamis.annotate.mt_frequency_signals import mt_features, mt_score

DATA = Path(__file__).resolve().parents[2] / "shared" / "mt" / "wmt22_dev.jsonl"


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    ranked = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        avg = (i + j + 1) / 2
        rank_sum += avg * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--max-docs", type=int, default=400, help="pseudo-documents per language and label")
    ap.add_argument("--data", default=str(DATA))
    args = ap.parse_args()
    groups: defaultdict[tuple[str, str, str, str], list[tuple[int, str]]] = defaultdict(list)
    with open(args.data, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            groups[(r["lang"], r["label"], r["system"], r["pair"])].append((int(r["seg"]), r["text"]))
    docs: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for (lang, label, _, _), segs in sorted(groups.items()):
        segs.sort()
        for i in range(0, len(segs) - args.group + 1, args.group):
            docs[(lang, label)].append("\n".join(t for _, t in segs[i : i + args.group]))
    rng = random.Random(1)
    print(
        f"{'lang':<5}{'pair':<26}{'n+':>5}{'n-':>5}  "
        + "  ".join(
            f"{k:>14}"
            for k in ("mt.score", "mean_zipf", "rare_word", "type_token", "sent_len_cv", "comma_rate")
        )
    )
    for lang in sorted({k[0] for k in docs}):
        for human in ("human_original", "human_translation"):
            feats = {}
            for label in (human, "mt"):
                sample = docs[(lang, label)]
                sample = rng.sample(sample, min(args.max_docs, len(sample)))
                rows = [f for f in (mt_features(t, lang) for t in sample) if f]
                for f in rows:
                    f["mt.score"] = mt_score(f, lang)
                feats[label] = rows
            keys = (
                "mt.score",
                "mt.mean_zipf",
                "mt.rare_word_rate",
                "mt.type_token_ratio",
                "mt.sentence_length_cv",
                "mt.comma_rate",
            )
            aucs = [auc([f[k] for f in feats["mt"]], [f[k] for f in feats[human]]) for k in keys]
            print(
                f"{lang:<5}{human + ' vs mt':<26}{len(feats['mt']):>5}{len(feats[human]):>5}  "
                + "  ".join(f"{a:>14.3f}" for a in aucs)
            )
    print("AUC > 0.5: the signal is higher on MT; < 0.5: lower on MT.")


if __name__ == "__main__":
    main()
