"""Glued-word splits on real text: precision (Wilson 95% interval), recall and false splits per
10,000 words, per dataset and language, for the old step and the new one in the same run.

One command (about 4 minutes on one core):

    PYTHONPATH=src .venv/bin/python bench/glued_real.py                 # old = git revision 8d903c6
    PYTHONPATH=src .venv/bin/python bench/glued_real.py --old-rev ecaefa6 --max-corpus-mb 2 --json out.json

Three kinds of real text, none written by the project:

- `gold`: the gold text of every page of ../shared/realpages/dev.jsonl.gz as the input. CleanEval's
  annotators joined lines without a space ("knowledgeof"), so its gold holds real glued words, and the
  page text they came from is the truth: a split is right when every pair of words it makes stands
  spaced in the page text and the page never writes the token closed. Labelled glues (the recall's
  denominator): letter runs of the gold that the page text never writes, with a split into two words
  that the page text writes side by side.
- `body`: the body lines of every page (text as extraction gives it, debris left out) as the input,
  the gold text as the truth, by the same rule.
- `clean`: the sentences of ../shared/corpora (UD, ELTeC, RusDraCor, KazNERD; documents split at
  blank lines): every split there is wrong.

A split that the truth neither confirms nor writes closed counts as wrong; one whose token the truth
writes both closed and apart is left out and counted as unclear (CleanEval's gold glues the same
words as the page: "atthe"). Variants: `old` (the step
at `--old-rev`), `new` (the step as checked out, evidence from the page itself), `new+corpus` (the
same with the spaced-pair counts of its whole data set, as the `repair.glued_words_corpus` stage
counts them over a corpus), `new+content` (the new step with `min_pair_part_zipf=3.5`: two content
words split when the text writes them apart, off by default).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import itertools
import json
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import tamis.steps
from common import wilson
from tamis.document import Document, Edit
from tamis.repair.glued_words import SplitGluedWords

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REALPAGES = SHARED / "realpages" / "dev.jsonl.gz"
CORPORA = SHARED / "corpora"
RUN = re.compile(r"[^\W\d_]+")
PAIR = re.compile(r"(?<![^\W\d_])([^\W\d_]+)\s+(?=([^\W\d_]+))")
FLOOR = 0.97
COUNTER = SplitGluedWords()  # counts as the corpus stage's map phase does

Splitter = Callable[[str, str], tuple[Edit, ...]]


def load_old_step(rev: str) -> type:
    """SplitGluedWords as it was at git revision `rev`, loaded beside the current one (not registered).
    Only revisions where the step is one file (before glue_splitting.py) load this way: a later
    glued_words.py would run the current decision logic and word tables, not its own."""
    split_later = subprocess.run(
        ["git", "cat-file", "-e", f"{rev}:src/tamis/repair/glue_splitting.py"], cwd=ROOT, capture_output=True
    )
    if split_later.returncode == 0:
        sys.exit(
            f"glued_real: at {rev} the step is split into glued_words.py and glue_splitting.py; compare "
            "with a revision before the split (the default), or run this bench in a checkout of that revision"
        )
    source = subprocess.run(
        ["git", "show", f"{rev}:src/tamis/repair/glued_words.py"], cwd=ROOT, capture_output=True, text=True
    )
    if source.returncode != 0:
        sys.exit(f"glued_real: git show {rev} failed: {source.stderr.strip()}")
    spec = importlib.util.spec_from_loader("_glued_words_old", loader=None)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[module.__name__] = module  # dataclasses look their module up
    register = tamis.steps.register
    tamis.steps.register = lambda name, version=1: lambda cls: setattr(cls, "name", name) or cls  # type: ignore[assignment]
    try:
        exec(compile(source.stdout, f"{rev}:glued_words.py", "exec"), module.__dict__)
    finally:
        tamis.steps.register = register
    return module.SplitGluedWords


def vocabulary(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Lower-case letter runs of `text`, and the pairs of runs it writes separated by whitespace only."""
    low = text.lower()
    return set(RUN.findall(low)), set(PAIR.findall(low))


def labelled_glues(text: str, tokens: set[str], pairs: set[tuple[str, str]]) -> Counter[str]:
    """Letter runs (lower-case) of `text` that the truth never writes, but writes split in two."""
    out: Counter[str] = Counter()
    for run in RUN.findall(text):
        low = run.lower()
        if (
            len(low) >= 3
            and low not in tokens
            and any((low[:i], low[i:]) in pairs for i in range(1, len(low)))
        ):
            out[low] += 1
    return out


def judge(edit: Edit, tokens: set[str], pairs: set[tuple[str, str]]) -> bool | None:
    """True (the truth writes the words apart, never closed), False (it writes the token closed, or
    not the pair), None (it writes both: the truth cannot tell)."""
    words = edit.inserted.lower().split()
    spaced = all(pair in pairs for pair in itertools.pairwise(words))
    closed = edit.removed.lower() in tokens
    return None if spaced and closed else spaced


def realpages() -> Iterator[dict]:
    with gzip.open(REALPAGES, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def corpus_documents(max_mb: float) -> Iterator[tuple[str, str, str]]:
    """(dataset, language, text) of the clean corpora, at most `max_mb` MB of each file."""
    for path in sorted(CORPORA.glob("*/*.txt")):
        lang = path.stem.split("-")[0]
        budget = int(max_mb * 1e6)
        for doc in path.read_text(encoding="utf-8")[:budget].split("\n\n"):
            if doc.strip():
                yield path.parent.name, lang, doc


class Tally:
    def __init__(self) -> None:
        self.right: Counter[tuple] = Counter()
        self.fired: Counter[tuple] = Counter()
        self.unclear: Counter[tuple] = Counter()
        self.hits: Counter[tuple] = Counter()
        self.glues: Counter[tuple] = Counter()
        self.words: Counter[tuple] = Counter()
        self.wrong_examples: dict[tuple, list[str]] = defaultdict(list)


def run(variants: dict[str, Splitter], max_mb: float) -> tuple[dict[str, Tally], dict[str, float]]:
    tallies = {name: Tally() for name in variants}
    seconds: Counter[str] = Counter()
    size = 0
    pages = list(realpages())
    for kind in ("gold", "body"):
        inputs = []
        for page in pages:
            lines = page["text"].split("\n")
            body = "\n".join(lines[i] for i in sorted(page["labels"]["body_lines"]))
            text, truth = (page["gold"], page["text"]) if kind == "gold" else (body, page["gold"])
            inputs.append(((kind, page["dataset"], page["lang"]), text, truth))
        score(variants, inputs, tallies, seconds)
    clean = [(("clean", ds, lang), text, None) for ds, lang, text in corpus_documents(max_mb)]
    size = sum(len(text.encode()) for _, text, _ in clean)
    t = Counter(seconds)
    score(variants, clean, tallies, seconds)
    speed = {name: size / 1e6 / max(seconds[name] - t[name], 1e-9) for name in variants}
    return tallies, speed


def score(
    variants: dict[str, Splitter],
    inputs: list[tuple[tuple, str, str | None]],
    tallies: dict[str, Tally],
    seconds: Counter[str],
) -> None:
    groups: dict[tuple, list[int]] = defaultdict(list)
    for n, (key, _, _) in enumerate(inputs):
        groups[key].append(n)
    for name, splitter in variants.items():
        for lang in sorted({key[2] for key, _, _ in inputs}):
            for _, text, _ in inputs[:100]:  # word lists load once per process: not timed
                splitter(text, lang)  # type: ignore[call-arg]
        tally = tallies[name]
        corpus_pairs: dict[tuple, Counter[str]] = {}
        if name.endswith("+corpus"):
            for key, members in groups.items():
                corpus_pairs[key] = COUNTER.corpus_counts((inputs[n][1] for n in members), key[2])
        t0 = time.process_time()
        for key, text, truth in inputs:
            edits = splitter(text, key[2], corpus_pairs.get(key))  # type: ignore[call-arg]
            tally.words[key] += len(text.split())
            if truth is None:
                tally.fired[key] += len(edits)
                for e in edits[:3]:
                    tally.wrong_examples[key].append(f"{e.removed}->{e.inserted}")
                continue
            tokens, pairs = vocabulary(truth)
            glues = labelled_glues(text, tokens, pairs)
            tally.glues[key] += sum(glues.values())
            for e in edits:
                verdict = judge(e, tokens, pairs)
                if verdict is None:
                    tally.unclear[key] += 1
                    continue
                tally.fired[key] += 1
                if verdict:
                    tally.right[key] += 1
                    tally.hits[key] += e.removed.lower() in glues
                else:
                    tally.wrong_examples[key].append(f"{e.removed}->{e.inserted}")
        seconds[name] += time.process_time() - t0


def report(tallies: dict[str, Tally], speed: dict[str, float]) -> dict:
    out: dict = {}
    keys = sorted({k for t in tallies.values() for k in t.words})
    rollups: dict[tuple, list[tuple]] = defaultdict(list)
    for k in keys:
        rollups[k].append(k)
        rollups[(k[0], "all", k[2])].append(k)
        rollups[(k[0], "all", "all")].append(k)
    print(
        "kind   dataset          lang  variant      fired  right  precision [95% CI]     recall (hits/glues)   false/10k words"
    )
    for group in sorted(rollups):
        members = rollups[group]
        if group[1] == "all" and len(members) == 1:
            continue
        for name, t in tallies.items():
            fired = sum(t.fired[k] for k in members)
            right = sum(t.right[k] for k in members)
            hits = sum(t.hits[k] for k in members)
            glues = sum(t.glues[k] for k in members)
            words = sum(t.words[k] for k in members)
            unclear = sum(t.unclear[k] for k in members)
            if group[0] != "clean" and fired == 0 and glues == 0:
                continue
            lo, hi = wilson(right, fired)
            row = {
                "fired": fired,
                "right": right,
                "unclear": unclear,
                "glues": glues,
                "hits": hits,
                "words": words,
            }
            if group[0] == "clean":
                per10k = 1e4 * fired / max(words, 1)
                row["false_per_10k"] = per10k
                line = f"{'':6} {'':5}{'':24} {'':21} {per10k:8.3f} ({words} words)"
            else:
                prec = right / fired if fired else float("nan")
                row.update(precision=prec, ci=[lo, hi], recall=hits / glues if glues else None)
                recall = f"{hits / glues:.3f} ({hits}/{glues})" if glues else "-"
                line = f"{prec:6.3f} [{lo:.3f}, {hi:.3f}]  {recall:20}  (unclear {unclear})"
            print(f"{group[0]:6} {group[1]:16} {group[2]:5} {name:11} {fired:6} {right:6}  {line}")
            out[f"{'/'.join(group)}/{name}"] = row
    for name, t in tallies.items():
        wrong = [x for k in keys for x in t.wrong_examples[k] if k[0] != "clean"]
        print(f"\n{name}: wrong splits on real pages ({len(wrong)}), first 40: {wrong[:40]}")
        clean = [x for k in keys for x in t.wrong_examples[k][:3] if k[0] == "clean"]
        print(f"{name}: splits in clean corpora, first three of each file: {clean[:40]}")
    print(
        "\nspeed of the step alone on the clean corpora (MB per CPU second): "
        + ", ".join(f"{n} {v:.1f}" for n, v in speed.items())
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--old-rev", default="8d903c6", help="git revision of the old step (default: before issue 10)"
    )
    ap.add_argument("--max-corpus-mb", type=float, default=3.0, help="MB read from each clean corpus file")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    old, new = load_old_step(args.old_rev)(), SplitGluedWords()
    content = SplitGluedWords(min_pair_part_zipf=3.5)

    def doc(text: str, lang: str) -> Document:
        return Document(id="bench", text=text, annotations={"language": lang})

    variants: dict[str, Splitter] = {
        "old": lambda text, lang, pairs=None: old.repair(text, doc(text, lang)).edits,
        "new": lambda text, lang, pairs=None: new.split_glues(text, lang).edits,
        "new+corpus": lambda text, lang, pairs=None: new.split_glues(text, lang, pairs).edits,
        "new+content": lambda text, lang, pairs=None: content.split_glues(text, lang).edits,
    }
    tallies, speed = run(variants, args.max_corpus_mb)
    out = report(tallies, speed)
    ok = True
    for name in ("new", "new+corpus"):
        row = out.get(f"gold/all/all/{name}", {})
        passed = row.get("precision", 0.0) >= FLOOR
        ok &= passed or name != "new"
        print(
            f"{'PASS' if passed else 'FAIL'} {name}: precision on real glued text {row.get('precision', 0):.3f} (floor {FLOOR})"
        )
    if args.json:
        args.json.write_text(json.dumps({"figures": out, "speed_mb_s": speed}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
