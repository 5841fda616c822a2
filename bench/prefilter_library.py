"""Gate words of repair.boilerplate_lines over a corpus: `text.prefilter.any_of` against pyahocorasick.

pyahocorasick is not a dependency: install it beside the project, not into its venv, then

    pip install --target /tmp/aho pyahocorasick
    PYTHONPATH=src:/tmp/aho .venv/bin/python bench/prefilter_library.py bench/out/repair-corpus-10000-s1

(the corpus folder is what bench/repair_quality.py builds). Prints CPU seconds, best of 5, for
finding every hit and for telling whether a document holds one; figures in docs/repair-speed.md.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import ahocorasick

from tamis.repair.boilerplate_lines import load_rules
from tamis.text.prefilter import any_of


def best_of(run: Callable[[], int], times: int = 5) -> tuple[float, int]:
    seconds = []
    for _ in range(times):
        start = time.process_time()
        result = run()
        seconds.append(time.process_time() - start)
    return min(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a make_corpus.py folder (corpus-*.jsonl)")
    args = parser.parse_args()
    words = list(load_rules().gate_words)
    texts = [
        json.loads(line)["text"].lower()
        for path in sorted(args.corpus.glob("corpus-*.jsonl"))
        for line in path.open(encoding="utf-8")
    ]
    pattern = any_of(words)
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    print(f"{len(words)} gate words, {len(texts)} documents, {sum(map(len, texts)) / 1e6:.1f} M characters")
    for label, ours, theirs in [
        (
            "every hit",
            lambda: sum(1 for t in texts for _ in pattern.finditer(t)),
            lambda: sum(1 for t in texts for _ in automaton.iter(t)),
        ),
        (
            "any hit per document",
            lambda: sum(1 for t in texts if pattern.search(t)),
            lambda: sum(1 for t in texts if next(automaton.iter(t), None) is not None),
        ),
    ]:
        (a, n), (b, m) = best_of(ours), best_of(theirs)
        print(f"{label}: prefilter.any_of {a:.3f} s ({n}), pyahocorasick {b:.3f} s ({m})")


if __name__ == "__main__":
    main()
