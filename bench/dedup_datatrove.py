"""Datatrove's MinHash dedup (its four stages, LocalPipelineExecutor), for bench/dedup.py.

Run with bench/.venv-datatrove/bin/python:

    dedup_datatrove.py CORPUS_DIR WORK_DIR WORKERS

Prints one JSON line: seconds for the four stages and, per document id, its MinHash cluster
id (documents in no cluster are left out) and whether it was removed.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import time


def main() -> None:
    corpus, work, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    config = MinhashConfig()  # 5-grams, 14 buckets x 8 hashes: datatrove's defaults
    tasks = len(glob.glob(os.path.join(corpus, "corpus-*.jsonl")))

    def reader() -> JsonlReader:
        return JsonlReader(corpus, glob_pattern="corpus-*.jsonl")

    stages = [
        LocalPipelineExecutor(
            [reader(), MinhashDedupSignature(f"{work}/sigs", config=config)],
            tasks=tasks,
            workers=workers,
            logging_dir=f"{work}/logs/1",
        ),
        LocalPipelineExecutor(
            [MinhashDedupBuckets(f"{work}/sigs", f"{work}/buckets", config=config)],
            tasks=config.num_buckets,
            workers=workers,
            logging_dir=f"{work}/logs/2",
        ),
        LocalPipelineExecutor(
            [MinhashDedupCluster(f"{work}/buckets", f"{work}/remove", config=config, save_cluster_id=True)],
            tasks=1,
            workers=1,
            logging_dir=f"{work}/logs/3",
        ),
        LocalPipelineExecutor(
            [
                reader(),
                MinhashDedupFilter(
                    f"{work}/remove", load_cluster_ids=True, exclusion_writer=JsonlWriter(f"{work}/removed")
                ),
                JsonlWriter(f"{work}/kept"),
            ],
            tasks=tasks,
            workers=workers,
            logging_dir=f"{work}/logs/4",
        ),
    ]
    t0 = time.perf_counter()
    for stage in stages:
        stage.run()
    seconds = time.perf_counter() - t0
    clusters: dict[str, int] = {}
    removed: list[str] = []
    for sub in ("kept", "removed"):
        for path in sorted(glob.glob(f"{work}/{sub}/*.jsonl*")):
            import gzip

            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as fh:
                for line in fh:
                    rec = json.loads(line)
                    cid = rec.get("metadata", {}).get("minhash_cluster_id", -1)
                    if cid != -1:
                        clusters[rec["id"]] = cid
                    if sub == "removed":
                        removed.append(rec["id"])
    print(json.dumps({"seconds": seconds, "clusters": clusters, "removed": removed}))


if __name__ == "__main__":
    main()
