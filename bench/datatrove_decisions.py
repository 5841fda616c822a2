"""Datatrove's Gopher / C4 / FineWeb decisions per document (run with bench/.venv-datatrove/bin/python).

Each filter is applied to the document as read (not chained), so every decision can be
compared with tamis' decision for the same rule group. Writes one JSON object per line:
{"id", "lang", "gopher_repetition", "gopher_quality", "c4", "fineweb"} where each value is
"pass" or datatrove's reason string.

    bench/.venv-datatrove/bin/python bench/datatrove_decisions.py OUT.jsonl CORPUS.jsonl...
"""

from __future__ import annotations

import json
import sys

from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)


def main() -> None:
    out_path, *inputs = sys.argv[1:]
    filters = {
        "gopher_repetition": GopherRepetitionFilter(),
        "gopher_quality": GopherQualityFilter(),
        "c4": C4QualityFilter(),
        "fineweb": FineWebQualityFilter(),
    }
    with open(out_path, "w", encoding="utf-8") as out:
        for path in inputs:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    rec = json.loads(line)
                    row = {"id": rec["id"]}
                    for name, flt in filters.items():
                        doc = Document(text=rec["text"], id=rec["id"])
                        try:
                            res = flt.filter(doc)
                        except Exception as err:  # datatrove raises on e.g. zero words
                            res = (False, f"error:{type(err).__name__}")
                        row[name] = "pass" if res is True else res[1]
                    out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
