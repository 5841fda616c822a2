"""Extraction quality on real HTML pages with gold text: tamis vs plain trafilatura vs resiliparse.

    pip download --no-deps --no-binary :all: --ignore-requires-python \\
        newspaper4k==0.9.6 article-extractor==0.5.9 -d /work/extraction-bench
    PYTHONPATH=src .venv/bin/python bench/extraction.py /work/extraction-bench

The pages are read straight from the two MIT-licensed source distributions (nothing is unpacked
or copied into the repository):

- newspaper4k 0.9.6, `tests/data/html/<name>.html` with the expected article text
  `tests/data/txt/<name>.txt` (news pages in 12 languages; gold = the maintainers' reviewed
  extraction);
- article-extractor 0.5.9, `tests/fixtures/fullpage_to_article_html/<host>/<slug>/raw.html` with
  `expected.html` (blogs and tech news; gold = the text of the expected article fragment).

Pages whose gold text has fewer than 50 tokens are left out (a headline-only or summary gold says
nothing about the body). Scores, per page, then averaged per dataset with a 95% bootstrap interval:
bag-of-words F1 over lower-cased `\\w+` tokens (each CJK/kana/Thai character is a token, as in
shared/realpages), and token-shingle F1 over 4-token shingles, the article-extraction-benchmark's
measure. `Δ vs trafilatura` is the mean paired difference with its own bootstrap interval.
"""

from __future__ import annotations

import argparse
import html as html_lib
import random
import tarfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import regex

_MARKDOWN = regex.compile(r"\\[_\[\]*()#`>-]|^#{1,6} ", regex.M)  # escapes and heading marks
_TOKEN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}]|[^\W_]+(?:['’][^\W_]+)*", regex.V1)
MIN_GOLD_TOKENS = 50


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; a CJK, kana or Thai character is a token of its own."""
    return _TOKEN.findall(text.lower())


def f1(predicted: list[str], gold: list[str], n: int = 1) -> float:
    """F1 of the multisets of `n`-token shingles."""
    if n > 1:
        predicted = [" ".join(predicted[i : i + n]) for i in range(max(0, len(predicted) - n + 1))]
        gold = [" ".join(gold[i : i + n]) for i in range(max(0, len(gold) - n + 1))]
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    p, r = common / len(predicted), common / len(gold)
    return 2 * p * r / (p + r)


def html_text(fragment: str) -> str:
    """The visible text of an HTML fragment, one block per line (for gold given as HTML)."""
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(fragment, preserve_formatting=True, main_content=False, alt_texts=False)


def pages(folder: Path) -> Iterator[tuple[str, str, str, str]]:
    """(dataset, page name, html, gold text) from the source distributions found in `folder`."""
    for path in sorted(folder.glob("newspaper4k-*.tar.gz")):
        with tarfile.open(path) as tar:
            names = {m.name: m for m in tar.getmembers()}
            for name in sorted(names):
                if "/tests/data/html/" not in name or not name.endswith(".html"):
                    continue
                stem = name.rsplit("/", 1)[1][: -len(".html")]
                gold_name = name.replace("/html/", "/txt/")[: -len(".html")] + ".txt"
                if gold_name not in names:
                    continue
                page = _read(tar, name)
                yield "newspaper4k", stem, page, _read(tar, gold_name)
    for path in sorted(folder.glob("article_extractor-*.tar.gz")):
        with tarfile.open(path) as tar:
            names = {m.name for m in tar.getmembers()}
            for name in sorted(names):
                if "/fullpage_to_article_html/" not in name or not name.endswith("/raw.html"):
                    continue
                gold_name = name[: -len("raw.html")] + "expected.html"
                if gold_name not in names:
                    continue
                stem = "/".join(name.split("/")[-3:-1])
                yield "article-extractor", stem, _read(tar, name), html_text(_read(tar, gold_name))


def _read(tar: tarfile.TarFile, name: str) -> str:
    member = tar.extractfile(name)
    assert member is not None
    return member.read().decode("utf-8", errors="replace")


def plain_trafilatura(page: str) -> str:
    import trafilatura

    return trafilatura.extract(page, include_comments=False) or ""


def plain_resiliparse(page: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(page, main_content=True)


def tamis_extract(page: str) -> str:
    from tamis.document import Document
    from tamis.extract.html import ExtractHtml

    return ExtractHtml().repair(page, Document(id="p", text=page, meta={"format": "html"})).text


def tamis_clean(page: str) -> str:
    """Extraction and the default per-document repair steps (no filters, no corpus stages)."""
    from tamis.clean import clean_document
    from tamis.config import from_dict

    global _REPAIR_PIPELINE
    if _REPAIR_PIPELINE is None:
        text = resources.files("tamis").joinpath("data/default.toml").read_text("utf-8")
        wanted = ("extract.", "repair.", "annotate.language")
        steps = [s for s in tomllib.loads(text)["steps"] if s["use"].startswith(wanted)]
        _REPAIR_PIPELINE = from_dict({"steps": [s for s in steps if s["use"] != "repair.pii"]}).pipeline
    return clean_document(page, _REPAIR_PIPELINE, html=True).text


_REPAIR_PIPELINE = None
SYSTEMS: dict[str, Callable[[str], str]] = {
    "trafilatura": plain_trafilatura,
    "resiliparse": plain_resiliparse,
    "tamis extract": tamis_extract,
    "tamis extract+repair": tamis_clean,
}


def bootstrap(values: list[float], rounds: int = 2000, seed: int = 7) -> tuple[float, float, float]:
    """Mean and 95% percentile-bootstrap interval."""
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(rounds))
    return sum(values) / n, means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="folder holding the source distributions")
    parser.add_argument("--show", action="store_true", help="print each page's scores")
    args = parser.parse_args()
    scores: dict[str, dict[str, list[tuple[float, float]]]] = {}
    seconds: Counter[str] = Counter()
    markdown_pages: Counter[str] = Counter()
    for dataset, name, page, gold in pages(args.folder):
        gold_tokens = tokens(html_lib.unescape(gold))
        if len(gold_tokens) < MIN_GOLD_TOKENS:
            continue
        row = []
        for system, extract in SYSTEMS.items():
            t0 = time.process_time()
            out = extract(page)
            seconds[system] += time.process_time() - t0
            out_tokens = tokens(out)
            markdown_pages[system] += bool(_MARKDOWN.search(out))
            pair = (f1(out_tokens, gold_tokens), f1(out_tokens, gold_tokens, n=4))
            scores.setdefault(dataset, {}).setdefault(system, []).append(pair)
            row.append(f"{pair[1]:.3f}")
        if args.show:
            print(f"{dataset:18} {name[:40]:40} " + " ".join(row))
    for dataset, by_system in [*scores.items(), ("all", _merged(scores))]:
        n = len(next(iter(by_system.values())))
        print(f"\n{dataset}: {n} pages")
        print(
            f"  {'system':22} {'BoW F1 [95% CI]':24} {'4-shingle F1 [95% CI]':24} Δ shingle F1 vs trafilatura"
        )
        base = [s[1] for s in by_system["trafilatura"]]
        for system, pairs in by_system.items():
            bow = bootstrap([p[0] for p in pairs])
            shingle = bootstrap([p[1] for p in pairs])
            delta = bootstrap([p[1] - b for p, b in zip(pairs, base, strict=True)])
            print(
                f"  {system:22} {bow[0]:.3f} [{bow[1]:.3f}, {bow[2]:.3f}]   "
                f"{shingle[0]:.3f} [{shingle[1]:.3f}, {shingle[2]:.3f}]   "
                f"{delta[0]:+.3f} [{delta[1]:+.3f}, {delta[2]:+.3f}]"
            )
    print(
        "\npages with Markdown escapes or heading marks: "
        + ", ".join(f"{k} {v}" for k, v in markdown_pages.items())
    )
    print("CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))


def _merged(scores: dict[str, dict[str, list[tuple[float, float]]]]) -> dict[str, list[tuple[float, float]]]:
    merged: dict[str, list[tuple[float, float]]] = {}
    for by_system in scores.values():
        for system, pairs in by_system.items():
            merged.setdefault(system, []).extend(pairs)
    return merged


if __name__ == "__main__":
    main()
