"""Remove lines that many documents repeat (menus, footers, cookie banners, share buttons), CCNet-style.

A line is boilerplate when its normalised form appears in at least `min_site_docs` distinct
documents of the same site (host), or in at least `min_corpus_docs` distinct documents of the
whole corpus. Documents are counted by the hash of their normalised text, so exact copies of a
page (which the default pipeline removes later, in dedup.exact) count once and do not turn
their own body lines into "repeated" lines.

Short lines that read like a sentence ("Yes.", "Он ушёл.", dialogue in novels and plays) are
legitimately repeated across a corpus. A line shorter than `short_line_chars` that ends in
sentence punctuation is therefore never removed by the corpus-wide count, and removed by the
site count only when it appears in at least `min_site_share_short` of that site's documents
(a footer "All rights reserved." does; a reply in a play does not).

Evidence for the defaults (bench/dedup_quality.py, 10k make_corpus documents, seed 1): no
line outside the injected boilerplate appears in more than 5 distinct documents (near-duplicate
chains and re-drawn sentences), while footer lines shared by a language's sites appear in
hundreds; 18% of boilerplate lines sit on sites with fewer than 3 documents, so the site rule
alone cannot reach them and the corpus rule is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import regex

from tamis.dedup import partitions as pt
from tamis.dedup import stream
from tamis.dedup.minhash import fmix64
from tamis.dedup.normalize import check_normalizations, host_of, normalize_lines
from tamis.dedup.normalize import h64 as _h64
from tamis.document import Document, Rejected
from tamis.steps import CorpusStage, Repaired, register

_RECORD = np.dtype([("line", "<u8"), ("doc", "<u8"), ("host", "<u8"), ("short", "u1")])
_LINE = np.dtype([("hash", "<u8"), ("short", "u1"), ("row", "<i4"), ("line", "<i4")])
_DOC = np.dtype([("text", "<u8"), ("norm", "<u8"), ("host", "<u8")])
_HOSTDOC = np.dtype([("host", "<u8"), ("doc", "<u8")])
_HOSTS = np.dtype([("host", "<u8"), ("docs", "<i8")])
_SHORT_KEY = np.uint64(0xD6E8FEB86659FD93)
_HOST_KEY = np.uint64(0x9E3779B97F4A7C15)
# ends like a sentence: terminal punctuation, optionally followed by closing quotes/brackets
_SENTENCE_END = regex.compile(r"[.!?…。！？]+[\"'»«”’)\]]*\s*$")


def site_key(line: np.ndarray, host: np.ndarray, short: np.ndarray) -> np.ndarray:
    """One uint64 per (line, host, is-short-sentence) triple."""
    return fmix64(line ^ (host * _HOST_KEY) ^ (short.astype(np.uint64) * _SHORT_KEY))


def _count_distinct(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) and the number of distinct docs for each.

    >>> k, n = _count_distinct(np.array([5, 3, 5, 5], np.uint64), np.array([1, 1, 2, 1], np.uint64))
    >>> k.tolist(), n.tolist()
    ([3, 5], [1, 2])
    """
    if not len(keys):
        return keys, np.zeros(0, np.int64)
    order = np.lexsort((docs, keys))
    k, d = keys[order], docs[order]
    pair_start = np.ones(len(k), dtype=bool)
    pair_start[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
    k = k[pair_start]
    key_start = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    return k[key_start], np.diff(np.append(key_start, len(k)))


@dataclass(frozen=True)
class _Thresholds:
    min_site_docs: int
    min_corpus_docs: int
    min_site_share_short: float


def _reduce_partition(args: tuple[Path, int, int, int, _Thresholds]) -> tuple[int, int]:
    """One partition's repeated lines, written sorted as `repeated/NNNNN.corpus.npy` (line hashes)
    and `.site.npy` (`site_key`s); returns how many of each."""
    folder, task, first, stop, th = args
    rec = pt.read_buckets(folder / "map", first, stop, _RECORD)
    long = rec[rec["short"] == 0]
    lines, counts = _count_distinct(long["line"], long["doc"])
    corpus = lines[counts >= th.min_corpus_docs]
    sited = rec[rec["host"] != 0]
    all_keys = site_key(sited["line"], sited["host"], sited["short"])
    keys, counts = _count_distinct(all_keys, sited["doc"])
    # a key's host and shortness: read back from one record carrying it
    rep = sited[np.unique(all_keys, return_index=True)[1]]
    need = np.full(len(keys), th.min_site_docs, dtype=np.float64)
    short = rep["short"] == 1
    if short.any():
        hosts = _host_table(folder)
        pos = np.clip(np.searchsorted(hosts["host"], rep["host"][short]), 0, max(len(hosts) - 1, 0))
        need[short] = np.maximum(th.min_site_docs, th.min_site_share_short * hosts["docs"][pos])
    site = keys[counts >= need]  # sorted: `_count_distinct` returns its keys sorted
    pt.save_npy(folder / "repeated" / f"{task:05d}.corpus.npy", corpus)
    pt.save_npy(folder / "repeated" / f"{task:05d}.site.npy", site)
    return len(corpus), len(site)


def _count_hosts(args: tuple[Path, int, int, int]) -> int:
    """Distinct documents per host of one run of host buckets (`host_docs/`); returns how many hosts."""
    folder, task, first, stop = args
    hostdocs = pt.read_buckets(folder / "hosts", first, stop, _HOSTDOC)
    hosts, counts = _count_distinct(hostdocs["host"], hostdocs["doc"])
    table = np.empty(len(hosts), dtype=_HOSTS)
    table["host"], table["docs"] = hosts, counts
    pt.save_npy(folder / "host_docs" / f"{task:05d}.npy", table)
    return len(hosts)


def _host_table(folder: Path) -> np.ndarray:
    """Every host's distinct documents, sorted by host (16 bytes a host)."""
    table = np.concatenate(
        [np.zeros(0, _HOSTS)] + [pt.load_npy(p) for p in sorted((folder / "host_docs").glob("*.npy"))]
    )
    return table[np.argsort(table["host"], kind="stable")]


@register("dedup.repeated_lines", version=1)
@dataclass(frozen=True)
class RemoveRepeatedLines(CorpusStage):
    """Remove lines repeated across many documents of a site or of the corpus (menus, footers, banners)."""

    #: distinct documents of one host that must contain a line for it to be site boilerplate
    min_site_docs: int = 3
    #: distinct documents of the corpus that must contain a line for it to be boilerplate anywhere
    min_corpus_docs: int = 10
    #: lines shorter than this that end like a sentence get the stricter test below
    short_line_chars: int = 30
    #: share of a host's documents a short sentence must appear in to be site boilerplate
    min_site_share_short: float = 0.5
    #: normalisations applied to a line before counting (digits: "© 2019" and "© 2021" match)
    normalize: tuple[str, ...] = ("nfkc", "casefold", "punctuation", "digits", "whitespace")
    #: hash partitions of the reduce, at least (more when the map output needs them: see
    #: `partitions.plan_partitions`); a task holds one partition's (line, document, host) records
    partitions: int = 64

    rules = {
        "repeated_line_site": "line found in many documents of the same site (menu, footer, share buttons)",
        "repeated_line_corpus": "line found in many documents across the corpus (cookie banner, 'Leave a Reply')",
        "only_repeated_lines": "every line of the document is repeated boilerplate: nothing is left",
    }

    def __post_init__(self) -> None:
        check_normalizations(self.normalize)
        if self.min_site_docs < 2 or self.min_corpus_docs < 2:
            raise ValueError(
                "min_site_docs and min_corpus_docs must be at least 2 (one document repeats nothing)"
            )

    def shard_lines(self, docs: Sequence[Document], first_row: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Every non-empty line of the documents as a `_LINE` record (rows counted from `first_row`),
        and per document its `_DOC` record."""
        lines: list[tuple[int, bool, int, int]] = []
        meta = np.empty(len(docs), dtype=_DOC)
        for i, doc in enumerate(docs):
            row = first_row + i
            norms = []
            for no, (raw, norm) in enumerate(
                zip(doc.text.split("\n"), normalize_lines(doc.text, self.normalize), strict=True)
            ):
                if norm:
                    stripped = raw.strip()
                    short = len(stripped) < self.short_line_chars and bool(_SENTENCE_END.search(stripped))
                    lines.append((_h64(norm), short, row, no))
                    norms.append(norm)
            host = host_of(doc)
            meta[i] = (_h64(doc.text), _h64("\n".join(norms)), _h64(host) if host else 0)
        return np.array(lines, dtype=_LINE) if lines else np.zeros(0, _LINE), meta

    def map_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> None:
        stream.map_one_list(self.mapper(shard, work_dir), docs)

    def mapper(self, shard: int, work_dir: Path) -> _LinesMapper:
        return _LinesMapper(self, shard, work_dir)

    def write_map(
        self, lines: np.ndarray, meta: np.ndarray, ids: list[str], shard: int, work_dir: Path
    ) -> None:
        """A shard's line and document records (apply reuses them) and the reduce's partitioned records."""
        # a line repeated inside one page counts once for that page
        lines_once = (
            lines[
                np.unique(
                    np.stack((lines["row"].astype(np.uint64), lines["hash"]), axis=1),
                    axis=0,
                    return_index=True,
                )[1]
            ]
            if len(lines)
            else lines
        )
        rec = np.empty(len(lines_once), dtype=_RECORD)
        rec["line"], rec["short"] = lines_once["hash"], lines_once["short"]
        rec["doc"], rec["host"] = meta["norm"][lines_once["row"]], meta["host"][lines_once["row"]]
        hostdocs = np.empty(len(meta), dtype=_HOSTDOC)
        hostdocs["host"], hostdocs["doc"] = meta["host"], meta["norm"]
        stream.write_ids(work_dir, shard, ids)
        pt.save_npy(work_dir / "lines" / f"{shard:05d}.npy", lines)  # apply reuses these hashes
        pt.save_npy(work_dir / "lines" / f"{shard:05d}.docs.npy", meta)
        buckets = pt.map_buckets(self.partitions)
        pt.write_partitioned(
            work_dir / "hosts", shard, hostdocs, pt.partition_of(hostdocs["host"], buckets), buckets
        )
        pt.write_partitioned(work_dir / "map", shard, rec, pt.partition_of(rec["line"], buckets), buckets)

    def reduce(self, work_dir: Path, executor: pt.TaskRunner | int) -> dict[str, Any]:
        pt.clear_folder(work_dir / "host_docs")
        by_host = pt.plan_partitions(work_dir / "hosts", 1, executor)
        tasks = [(work_dir, t, lo, hi) for t, (lo, hi) in enumerate(by_host.ranges())]
        hosts = sum(pt.pool_map(_count_hosts, tasks, executor, by_host.memory()))
        th = _Thresholds(self.min_site_docs, self.min_corpus_docs, self.min_site_share_short)
        pt.clear_folder(work_dir / "repeated")  # an interrupted reduce may have left a partial answer
        plan = pt.plan_partitions(work_dir / "map", self.partitions, executor, saved=work_dir / "plan.json")
        tasks = [(work_dir, t, lo, hi, th) for t, (lo, hi) in enumerate(plan.ranges())]
        corpus = site = 0
        for c, s in pt.pool_map(_reduce_partition, tasks, executor, plan.memory()):
            corpus, site = corpus + c, site + s
        return {"repeated_lines_corpus": corpus, "repeated_lines_site": site, "hosts": hosts}

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        return stream.apply_one_list(self.applier(shard, work_dir), docs)

    def applier(self, shard: int, work_dir: Path) -> _LinesApplier:
        return _LinesApplier(self, shard, work_dir)

    def remove_lines(
        self,
        docs: Sequence[Document],
        lines: np.ndarray,
        meta: np.ndarray,
        repeated: _RepeatedLines,
    ) -> list[Document]:
        """The documents without their repeated lines (`lines` rows count from the first of `docs`)."""
        host = meta["host"][lines["row"]]
        in_corpus, in_site = repeated.lookup(lines["hash"], site_key(lines["hash"], host, lines["short"]))
        in_site &= host != 0
        in_corpus &= lines["short"] == 0
        hit = in_site | in_corpus
        bounds = np.searchsorted(lines["row"], np.arange(len(docs) + 1))
        out = []
        for row, doc in enumerate(docs):
            lo, hi = bounds[row], bounds[row + 1]
            if not hit[lo:hi].any():
                out.append(doc)
                continue
            if hit[lo:hi].all():
                out.append(doc.replace(verdict=Rejected(self.name, "only_repeated_lines", int(hi - lo))))
                continue
            starts = np.cumsum([0] + [len(x) + 1 for x in doc.text.split("\n")])
            chosen = lo + np.flatnonzero(hit[lo:hi])
            spans = [(int(starts[n]), int(starts[n + 1] - 1)) for n in lines["line"][chosen]]
            rules = ["repeated_line_site" if s else "repeated_line_corpus" for s in in_site[chosen]]
            result = _remove_lines(doc.text, spans, rules, self.name)
            out.append(doc.replace(text=result.text, edits=doc.edits + result.edits))
        return out


class _LinesMapper:
    """A shard's lines a batch at a time: 24 bytes per non-empty line and 24 per document, and its id."""

    def __init__(self, stage: RemoveRepeatedLines, shard: int, work_dir: Path) -> None:
        self.stage, self.shard, self.work_dir = stage, shard, work_dir
        self.lines: list[np.ndarray] = []
        self.meta: list[np.ndarray] = []
        self.ids: list[str] = []

    def add(self, docs: Sequence[Document]) -> None:
        lines, meta = self.stage.shard_lines(docs, first_row=len(self.ids))
        self.lines.append(lines)
        self.meta.append(meta)
        self.ids.extend(d.id for d in docs)

    def close(self) -> None:
        lines = np.concatenate([np.zeros(0, _LINE), *self.lines])
        meta = np.concatenate([np.zeros(0, _DOC), *self.meta])
        self.lines, self.meta = [], []
        self.stage.write_map(lines, meta, self.ids, self.shard, self.work_dir)


class _LinesApplier:
    """Apply a batch at a time, on the line records map saved when they belong to exactly these
    documents (same ids, same texts), else on lines found afresh."""

    def __init__(self, stage: RemoveRepeatedLines, shard: int, work_dir: Path) -> None:
        self.stage = stage
        self.repeated = _RepeatedLines(work_dir, stage.partitions)
        self.ids = stream.MappedIds(work_dir, shard)
        try:
            self.lines = pt.load_npy(work_dir / "lines" / f"{shard:05d}.npy")
            self.meta = pt.load_npy(work_dir / "lines" / f"{shard:05d}.docs.npy")
        except FileNotFoundError:
            self.lines = self.meta = None

    def apply(self, docs: Sequence[Document]) -> list[Document]:
        first = self.ids.seen
        lines, meta = self._saved(docs, first) if self.ids.matches(docs) else (None, None)
        if lines is None or meta is None:
            lines, meta = self.stage.shard_lines(docs)
        return self.stage.remove_lines(docs, lines, meta, self.repeated)

    def _saved(self, docs: Sequence[Document], first: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        if self.lines is None or self.meta is None or self.ids.mapped is None:
            return None, None
        meta = self.meta[first : first + len(docs)]
        if any(_h64(d.text) != int(h) for d, h in zip(docs, meta["text"], strict=True)):
            return None, None
        lo, hi = np.searchsorted(self.lines["row"], [first, first + len(docs)])
        lines = self.lines[lo:hi].copy()
        lines["row"] -= first
        return lines, meta

    def close(self) -> None:
        """Nothing to check: documents map did not see get their lines found afresh."""


class _RepeatedLines:
    """The reduce's repeated lines, looked up in the partition file of each line hash's bucket
    (the bucket map gave the line's records; `plan.json` maps buckets to partitions). A
    partition's files are loaded the first time a line needs them, and kept."""

    def __init__(self, work_dir: pt.WorkPath, partitions: int) -> None:
        self.work_dir = work_dir
        self.buckets = pt.map_buckets(partitions)
        self.bounds = np.array(pt.load_json(work_dir / "plan.json", {"bounds": [0]})["bounds"], np.int64)
        self.tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def lookup(self, line_hash: np.ndarray, site_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per line: is its hash a corpus-repeated line, is its site key a site-repeated line."""
        in_corpus = np.zeros(len(line_hash), dtype=bool)
        in_site = np.zeros(len(line_hash), dtype=bool)
        if len(self.bounds) < 2 or not len(line_hash):
            return in_corpus, in_site
        bucket = pt.partition_of(line_hash, self.buckets)
        task = np.searchsorted(self.bounds, bucket, side="right") - 1
        for t in np.unique(task).tolist():
            sel = task == t
            corpus, site = self._table(t)
            in_corpus[sel] = _member(corpus, line_hash[sel])
            in_site[sel] = _member(site, site_keys[sel])
        return in_corpus, in_site

    def _table(self, task: int) -> tuple[np.ndarray, np.ndarray]:
        if task not in self.tables:
            folder = self.work_dir / "repeated"
            self.tables[task] = (
                pt.load_npy(folder / f"{task:05d}.corpus.npy"),
                pt.load_npy(folder / f"{task:05d}.site.npy"),
            )
        return self.tables[task]


def _member(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    pos = np.clip(np.searchsorted(sorted_keys, keys), 0, len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def _remove_lines(text: str, spans: list[tuple[int, int]], rules: list[str], step: str) -> Repaired:
    """Remove whole lines with their line break: the one after, or for the text's last lines the one before.

    A run of removed lines between two blank lines takes one of them along, so the paragraphs
    around it stay one blank line apart instead of two.

    >>> _remove_lines("menu\\nbody\\nfooter", [(0, 4), (10, 16)], ["a", "b"], "s").text
    'body'
    >>> _remove_lines("one\\n\\nshare this\\n\\ntwo\\n\\nshare this", [(5, 15), (22, 32)], ["a", "a"], "s").text
    'one\\n\\ntwo'
    """
    n = len(text)
    # lines at the very end have no break after them: take the break before instead
    tail = n
    for (start, end), _rule in zip(reversed(spans), reversed(rules), strict=True):
        if end == tail and start > 0:
            tail = start - 1
        else:
            break
    cuts: list[tuple[int, int, str, str]] = []
    run_first = 0  # index of the first line of the current run of adjacent removed lines
    for k, ((start, end), rule) in enumerate(zip(spans, rules, strict=True)):
        if k and spans[k - 1][1] + 1 != start:
            run_first = k
        run_start = spans[run_first][0]
        blank_before = run_start >= 2 and text[run_start - 2] == "\n"
        if start > tail:
            # the text's last lines: after a blank line, take that line's break too
            first = start - 2 if k == run_first and blank_before else start - 1
            cuts.append((max(first, cuts[-1][1] if cuts else 0), end, "", rule))
            continue
        stop = min(end + 1, n)
        last_of_run = k + 1 == len(spans) or spans[k + 1][0] != stop
        if last_of_run and (blank_before or run_start == 0) and stop < n and text[stop] == "\n":
            stop += 1  # blank lines on both sides (or a blank line opening the text): drop one
        cuts.append((start, stop, "", rule))
    return Repaired.from_spans(text, cuts, step=step)
