"""Datatrove's side of bench/run.py and bench/filters.py: JsonlReader -> Gopher/C4/FineWeb filters -> JsonlWriter.

Run with bench/.venv-datatrove/bin/python (see bench/peers.sh):

    foundation_datatrove.py CORPUS_DIR OUT_DIR WORKERS [gzip|none]

The output is gzip-compressed JSONL (bench/run.py, whose tamis side writes jsonl.gz) or plain
JSONL (`none`: bench/filters.py).

One task per input shard, WORKERS processes (LocalPipelineExecutor). No fastText
LanguageFilter: it downloads a model at run time. Prints one JSON line: input and kept counts.
"""

from __future__ import annotations

import glob
import json
import os
import sys


def main() -> None:
    corpus, out, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    compression = sys.argv[4] if len(sys.argv) > 4 else "gzip"
    if compression not in ("gzip", "none"):
        sys.exit(f"compression must be gzip or none, not {compression!r}")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    tasks = len(glob.glob(os.path.join(corpus, "corpus-*.jsonl")))
    executor = LocalPipelineExecutor(
        pipeline=[
            JsonlReader(corpus, glob_pattern="corpus-*.jsonl"),
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            C4QualityFilter(),
            FineWebQualityFilter(),
            JsonlWriter(os.path.join(out, "kept"), compression=None if compression == "none" else "gzip"),
        ],
        tasks=tasks,
        workers=workers,
        logging_dir=os.path.join(out, "logs"),
    )
    stats = executor.run()
    total = stats.get_repr() if hasattr(stats, "get_repr") else ""
    kept = 0
    for path in glob.glob(os.path.join(out, "kept", "*.jsonl*")):
        import gzip

        with (gzip.open if path.endswith(".gz") else open)(path, "rt", encoding="utf-8") as fh:
            kept += sum(1 for _ in fh)
    print(json.dumps({"kept": kept, "tasks": tasks, "summary_chars": len(total)}))


if __name__ == "__main__":
    main()
