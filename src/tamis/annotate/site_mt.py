"""Add up machine-translation evidence per site: farms are sites that publish hundreds of MT pages.

A corpus stage after `annotate.machine_translation`:

1. `map_shard` writes, per shard, each page's host, `mt.probability` and `mt.suspected`;
2. `reduce` counts per host the pages, the scored pages, the suspected ones and their mean
   probability;
3. `apply_shard` writes the host's figures back to every page of it: `site.pages`,
   `site.mt_scored_pages`, `site.mt_share` (share of scored pages suspected),
   `site.mt_mean_probability`, and `site.mt_artifact_share` (share of the pages the artifact
   checks ran on that carry at least one artifact: a farm's pages share its traces even where
   one artifact leaves a page under the threshold). A page without a host gets no site signals.

`filter.thresholds` with `mt_farm = "drop_site"` then drops every page of a site where enough
pages are suspected, naming the share and the page count (issue 12).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tamis.dedup import partitions as pt
from tamis.dedup.normalize import host_of
from tamis.dedup.stream import apply_one_list, map_one_list
from tamis.document import Document
from tamis.steps import CorpusStage, register

#: `mt.status` values of pages the artifact checks ran on (not "unknown": no word data)
_ARTIFACTS_CHECKED = frozenset({"scored", "artifacts_only", "no_fluency_model", "too_short"})


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
        """Map a batch at a time: five numbers and the host per page (see `tamis.dedup.stream`)."""
        return _PageRows(work_dir / "pages" / f"{shard:05d}.json")

    def reduce(self, work_dir: Path, executor: object) -> dict[str, Any]:
        pages: defaultdict[str, int] = defaultdict(int)
        scored: defaultdict[str, int] = defaultdict(int)
        suspected: defaultdict[str, int] = defaultdict(int)
        total: defaultdict[str, float] = defaultdict(float)
        checked: defaultdict[str, int] = defaultdict(int)
        with_artifact: defaultdict[str, int] = defaultdict(int)
        for path in sorted((work_dir / "pages").glob("*.json")):
            for host, p, flag, was_checked, has_artifact in pt.load_json(path, []):
                pages[host] += 1
                checked[host] += was_checked
                with_artifact[host] += has_artifact
                if p is not None:
                    scored[host] += 1
                    total[host] += p
                    suspected[host] += flag
        table = {
            host: [
                n,
                scored[host],
                suspected[host],
                total[host] / scored[host] if scored[host] else None,
                with_artifact[host] / checked[host] if checked[host] else None,
            ]
            for host, n in pages.items()
        }
        pt.save_json(work_dir / "sites.json", table)
        farms = sum(1 for n, s, k, _, _ in table.values() if s and k / s >= 0.5 and n >= 3)
        return {"hosts": len(table), "hosts_half_suspected_3_pages": farms}

    def apply_shard(self, docs: Sequence[Document], shard: int, work_dir: Path) -> list[Document]:
        return apply_one_list(self.applier(shard, work_dir), docs)

    def applier(self, shard: int, work_dir: Path) -> _SiteSignals:
        return _SiteSignals(pt.load_json(work_dir / "sites.json", {}))


class _PageRows:
    """Each page's host, probability, suspicion and artifact evidence, collected batch by batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[list[Any]] = []

    def add(self, docs: Sequence[Document]) -> None:
        for doc in docs:
            host = host_of(doc)
            if host:
                p = doc.annotations.get("mt.probability")
                self.rows.append(
                    [
                        host,
                        p if isinstance(p, int | float) else None,
                        int(doc.annotations.get("mt.suspected", 0) or 0),
                        int(doc.annotations.get("mt.status") in _ARTIFACTS_CHECKED),
                        int(any(r.get("rule") != "fluency" for r in doc.annotations.get("mt.reasons") or ())),
                    ]
                )

    def close(self) -> None:
        pt.save_json(self.path, self.rows)


class _SiteSignals:
    """The reduce's per-host figures written onto each page of a batch."""

    def __init__(self, table: dict[str, list[Any]]) -> None:
        self.table = table

    def apply(self, docs: Sequence[Document]) -> list[Document]:
        out = []
        for doc in docs:
            row = self.table.get(host_of(doc))
            if row is None:
                out.append(doc)
                continue
            n, scored, suspected, mean, artifact_share = row
            signals: dict[str, Any] = {"site.pages": n, "site.mt_scored_pages": scored}
            if scored:
                signals["site.mt_share"] = round(suspected / scored, 4)
                signals["site.mt_mean_probability"] = round(mean, 4)
            if artifact_share is not None:
                signals["site.mt_artifact_share"] = round(artifact_share, 4)
            out.append(doc.replace(annotations={**doc.annotations, **signals}))
        return out

    def close(self) -> None:
        pass
