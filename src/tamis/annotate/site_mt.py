"""Add up machine-translation evidence per site: farms are sites that publish hundreds of MT pages.

A corpus stage after `annotate.machine_translation`, laid out like the dedup stages' reduces
(docs/dedup.md, "How a stage runs"):

1. `map_shard` writes, per shard, one `_PAGE` record per page with a host (the host's 64-bit
   hash, `mt.probability`, `mt.suspected` and the artifact evidence: 27 bytes a page), grouped
   into hash buckets of the host (`map/`);
2. `reduce` plans partitions of those buckets (`plan.json`) and runs one task per partition:
   each counts, for the hosts of its buckets, the pages, the scored pages, the suspected ones
   and their mean probability, and writes them as a `_SITE` array sorted by host hash
   (`sites/NNNNN.npy`, 56 bytes a host). The driver only schedules the tasks and sums the
   counts they return;
3. `apply_shard` looks each page's host hash up in the partition file that holds its bucket and
   writes the host's figures onto the page: `site.pages`, `site.mt_scored_pages`,
   `site.mt_share` (share of scored pages suspected), `site.mt_mean_probability`, and
   `site.mt_artifact_share` (share of the pages the artifact checks ran on that carry at least
   one artifact: a farm's pages share its traces even where one artifact leaves a page under the
   threshold). A page without a host gets no site signals.

`filter.thresholds` with `mt_farm = "drop_site"` then drops every page of a site where enough
pages are suspected, naming the share and the page count (issue 12).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tamis.dedup import partitions as pt
from tamis.dedup.normalize import h64, host_of
from tamis.dedup.stream import apply_one_list, map_one_list
from tamis.document import Document
from tamis.steps import CorpusStage, register

#: `mt.status` values of pages the artifact checks ran on (not "unknown": no word data)
_ARTIFACTS_CHECKED = frozenset({"scored", "artifacts_only", "no_fluency_model", "too_short"})

#: A page's evidence as map writes it. Hosts are named by the 64-bit xxh3 hash the dedup stages
#: use for hosts and lines (`dedup.normalize.h64`, as `dedup.repeated_lines` keys its host
#: table): two hosts whose hashes collide (odds about hosts² / 2⁶⁵) would be counted as one
#: site. `probability` is NaN on a page without a finite one (not scored).
_PAGE = np.dtype(
    [("host", "<u8"), ("probability", "<f8"), ("suspected", "<i8"), ("checked", "u1"), ("artifact", "u1")]
)
#: A host's figures as a partition task writes them (NaN where the denominator is 0).
_SITE = np.dtype(
    [("host", "<u8"), ("pages", "<i8"), ("scored", "<i8"), ("suspected", "<i8"),
     ("mean_probability", "<f8"), ("artifact_share", "<f8")]
)  # fmt: skip
#: Partitions of the reduce, at least (more when the map output needs them: `plan_partitions`);
#: a task holds its partition's page records, 27 bytes a page.
_MIN_PARTITIONS = 1


@register("annotate.site_mt", version=1)
@dataclass(frozen=True)
class MeasureSiteMachineTranslation(CorpusStage):
    """Write each site's share of suspected machine-translated pages to every page of the site."""

    rules = {}
    requires = ("mt.status",)
    provides = (
        "site.pages", "site.mt_scored_pages", "site.mt_share", "site.mt_mean_probability", "site.mt_artifact_share",
    )  # fmt: skip

    def map_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> None:
        map_one_list(self.mapper(shard, work_dir), docs)

    def mapper(self, shard: int, work_dir: Path) -> _PageRows:
        """Map a batch at a time: one 27-byte record per page with a host (see `tamis.dedup.stream`)."""
        return _PageRows(work_dir, shard)

    def reduce(self, work_dir: Path, executor: pt.TaskRunner | int) -> dict[str, Any]:
        return reduce_sites(work_dir, executor, _MIN_PARTITIONS)

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        return apply_one_list(self.applier(shard, work_dir), docs)

    def applier(self, shard: int, work_dir: Path) -> _SiteSignals:
        return _SiteSignals(work_dir)


def reduce_sites(work_dir: pt.WorkPath, executor: pt.TaskRunner | int, minimum: int) -> dict[str, Any]:
    """The per-host tables, one task per partition of at least `minimum`; returns the summary counts."""
    pt.clear_folder(work_dir / "sites")  # an interrupted reduce may have left a partial answer
    plan = pt.plan_partitions(work_dir / "map", minimum, executor, saved=work_dir / "plan.json")
    tasks = [(work_dir, t, lo, hi) for t, (lo, hi) in enumerate(plan.ranges())]
    hosts = farms = 0
    for n, f in pt.pool_map(_count_sites, tasks, executor, plan.memory()):
        hosts, farms = hosts + n, farms + f
    return {"hosts": hosts, "hosts_half_suspected_3_pages": farms}


def _count_sites(args: tuple[pt.WorkPath, int, int, int]) -> tuple[int, int]:
    """One partition's hosts and their figures (`sites/NNNNN.npy`); returns (hosts, farm-like hosts)."""
    work_dir, task, first, stop = args
    rec = pt.read_buckets(work_dir / "map", first, stop, _PAGE)
    hosts, inverse = np.unique(rec["host"], return_inverse=True)
    scored = np.isfinite(rec["probability"])
    n = len(hosts)
    table = np.empty(n, dtype=_SITE)
    table["host"] = hosts
    table["pages"] = np.bincount(inverse, minlength=n)
    table["scored"] = np.bincount(inverse[scored], minlength=n)
    table["suspected"] = np.bincount(inverse[scored], weights=rec["suspected"][scored], minlength=n)
    # bincount adds a host's probabilities one by one in record order, which is shard order then
    # page order (read_buckets keeps both): the same float sum as adding them page by page
    total = np.bincount(inverse[scored], weights=rec["probability"][scored], minlength=n)
    checked = np.bincount(inverse, weights=rec["checked"], minlength=n)
    artifact = np.bincount(inverse, weights=rec["artifact"], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["mean_probability"] = np.where(table["scored"] > 0, total / table["scored"], np.nan)
        table["artifact_share"] = np.where(checked > 0, artifact / checked, np.nan)
        half = table["suspected"] / table["scored"] >= 0.5
    pt.save_npy(work_dir / "sites" / f"{task:05d}.npy", table)
    farms = int(np.count_nonzero((table["scored"] > 0) & half & (table["pages"] >= 3)))
    return n, farms


class _PageRows:
    """Each page's host hash, probability, suspicion and artifact evidence, collected batch by batch."""

    def __init__(self, work_dir: pt.WorkPath, shard: int) -> None:
        self.work_dir, self.shard = work_dir, shard
        self.rows: list[tuple[int, float, int, int, int]] = []

    def add(self, docs: Sequence[Document]) -> None:
        for doc in docs:
            host = host_of(doc)
            if host:
                p = doc.annotations.get("mt.probability")
                self.rows.append(
                    (
                        h64(host),
                        float(p) if isinstance(p, int | float) else np.nan,  # inf, NaN: not scored
                        int(doc.annotations.get("mt.suspected", 0) or 0),
                        int(doc.annotations.get("mt.status") in _ARTIFACTS_CHECKED),
                        int(any(r.get("rule") != "fluency" for r in doc.annotations.get("mt.reasons") or ())),
                    )
                )

    def close(self) -> None:
        rec = np.array(self.rows, dtype=_PAGE) if self.rows else np.zeros(0, _PAGE)
        buckets = pt.map_buckets(_MIN_PARTITIONS)
        pt.write_partitioned(
            self.work_dir / "map", self.shard, rec, pt.partition_of(rec["host"], buckets), buckets
        )


class _SiteSignals:
    """The reduce's per-host figures written onto each page of a batch, read from the partition
    file of each host's bucket (loaded the first time a page needs it)."""

    def __init__(self, work_dir: pt.WorkPath) -> None:
        self.work_dir = work_dir
        self.bounds = np.array(pt.load_json(work_dir / "plan.json", {"bounds": [0]})["bounds"], np.int64)
        self.tables: dict[int, np.ndarray] = {}

    def apply(self, docs: Sequence[Document]) -> list[Document]:
        out = []
        for doc in docs:
            row = self._site(host_of(doc))
            if row is None:
                out.append(doc)
                continue
            _host, n, scored, suspected, mean, artifact_share = row.item()
            signals: dict[str, Any] = {"site.pages": n, "site.mt_scored_pages": scored}
            if scored:
                signals["site.mt_share"] = round(suspected / scored, 4)
                signals["site.mt_mean_probability"] = round(mean, 4)
            if artifact_share == artifact_share:  # not NaN: the checks ran on some page
                signals["site.mt_artifact_share"] = round(artifact_share, 4)
            out.append(doc.replace(annotations={**doc.annotations, **signals}))
        return out

    def _site(self, host: str | None) -> np.void | None:
        if not host or len(self.bounds) < 2:
            return None
        key = np.array([h64(host)], np.uint64)
        bucket = int(pt.partition_of(key, pt.map_buckets(_MIN_PARTITIONS))[0])
        task = int(np.searchsorted(self.bounds, bucket, side="right")) - 1
        if task not in self.tables:
            self.tables[task] = pt.load_npy(self.work_dir / "sites" / f"{task:05d}.npy")
        table = self.tables[task]
        pos = int(np.searchsorted(table["host"], key[0]))
        return table[pos] if pos < len(table) and table["host"][pos] == key[0] else None

    def close(self) -> None:
        pass
