"""What the machine-translation scripts share: the licensed training text, its held-out part, WMT22 documents.

Only permissively licensed text is used to train the shipped fluency models (see each folder's
LICENSES.md under ../shared/corpora): ELTeC novels (public domain texts, CC BY 4.0 markup),
RusDraCor plays (CC0), KazNERD (CC BY 4.0), and the CC BY-SA UD treebanks. Left out: UD
en-gum.txt and uk.txt (CC BY-NC-SA) and UD fr.txt (it mixes in Sequoia, LGPL-LR).

The last HELD_OUT share of each file's documents is never trained on: ELTeC and RusDraCor
take novels and plays whole and in order, so the tail is whole unseen works, the honest test
for false positives on clean human text.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPORA = SHARED / "corpora"
WMT = SHARED / "mt" / "wmt22_dev.jsonl"
MODEL_DIR = Path(__file__).resolve().parents[1] / "src" / "tamis" / "data" / "mt"

#: language -> (corpus file, kind of text) in training order (modern treebank text first: training
#: stops after bench/mt_train.py's MAX_CHARS)
SOURCES: dict[str, list[tuple[str, str]]] = {
    "de": [("ud/de.txt", "treebank"), ("eltec/de.txt", "novels")],
    "en": [("ud/en.txt", "treebank"), ("eltec/en.txt", "novels")],
    "fr": [("eltec/fr.txt", "novels")],
    "ru": [("ud/ru.txt", "treebank"), ("rusdracor/ru.txt", "plays")],
    "uk": [("eltec/uk.txt", "novels")],
    "kk": [("ud/kk.txt", "treebank"), ("kaznerd/kk.txt", "news")],
}
HELD_OUT = 0.1
#: sentences per pseudo-document, as in the WMT pairs (issue 12)
GROUP = 8


def documents(path: Path) -> list[list[str]]:
    """The blank-line separated documents of a corpus file, as lists of sentences."""
    docs: list[list[str]] = [[]]
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                docs[-1].append(line)
            elif docs[-1]:
                docs.append([])
    return [d for d in docs if d]


def split(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    """(training documents, held-out documents): the held-out part is the file's tail."""
    docs = documents(path)
    cut = len(docs) - max(1, round(len(docs) * HELD_OUT))
    return docs[:cut], docs[cut:]


def pseudo_documents(docs: list[list[str]], group: int = GROUP) -> list[str]:
    """Consecutive sentences, `group` at a time, running on across document boundaries (UD and
    KazNERD documents are often shorter than `group`); the last short chunk is dropped."""
    sentences = [s for doc in docs for s in doc]
    return [" ".join(sentences[i : i + group]) for i in range(0, len(sentences) - group + 1, group)]


def held_out(lang: str, max_docs: int = 600, seed: int = 0) -> dict[str, list[str]]:
    """Held-out clean human pseudo-documents per source kind (a seeded sample of at most max_docs)."""
    out: dict[str, list[str]] = {}
    for rel, kind in SOURCES.get(lang, []):
        docs = pseudo_documents(split(CORPORA / rel)[1])
        random.Random(seed).shuffle(docs)
        out[kind] = docs[:max_docs]
    return out


def wmt_documents(group: int = GROUP) -> list[dict[str, str]]:
    """WMT22 pseudo-documents: `group` consecutive segments of one label, system and pair.

    Each record: lang, label (mt / human_original / human_translation), system, pair, doc
    (the source document id used to split train/test: the pair and the block of segments, so
    the MT outputs and the reference of the same source block share an id), text.
    """
    segs: defaultdict[tuple[str, str, str, str], list[tuple[int, str]]] = defaultdict(list)
    with open(WMT, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            segs[(r["lang"], r["label"], r["system"], r["pair"])].append((int(r["seg"]), r["text"]))
    out = []
    for (lang, label, system, pair), rows in sorted(segs.items()):
        rows.sort()
        for i in range(0, len(rows) - group + 1, group):
            block = rows[i : i + group]
            out.append(
                {
                    "lang": lang,
                    "label": label,
                    "system": system,
                    "pair": pair,
                    "doc": f"{pair}:{block[0][0] // 64}",
                    "text": "\n".join(t for _, t in block),
                }
            )
    return out


def is_test_doc(doc_id: str) -> bool:
    """A stable half split by source document id (train on one half, measure on the other)."""
    import zlib

    return zlib.crc32(doc_id.encode()) % 2 == 1


REALPAGES = SHARED / "realpages" / "dev.jsonl.gz"


def annotate_chain(with_mt: bool = True) -> list:
    """The default pipeline's per-document steps up to the annotate steps (no corpus stage, no filter)."""
    from tamis.config import default_pipeline
    from tamis.steps import CorpusStage, Filter

    steps = [
        s
        for s in default_pipeline().steps
        if not isinstance(s, CorpusStage | Filter) and s.name not in ("extract.html", "repair.pii")
    ]
    if not with_mt:
        steps = [s for s in steps if s.name != "annotate.machine_translation"]
    for s in steps:
        s.setup()
    return steps


def realpages() -> list[dict]:
    """The pages of ../shared/realpages/dev.jsonl.gz after the default repairs and language ID.

    Each record: id, site, lang (as annotate.language labels the repaired text), text, and the
    lines earlier steps removed (the MT step looks at those too). Cached under bench/out/
    (git-ignored: page text never enters the repository) while `inputs_key` is the same.
    """
    cache = Path(__file__).resolve().parent / "out" / "mt_realpages.jsonl"
    return cached_rows(cache, inputs_key(REALPAGES), _repaired_realpages)


def _repaired_realpages() -> list[dict]:
    import gzip

    from tamis.document import Document, Source
    from tamis.pipeline import RunStats, process

    steps = [s for s in annotate_chain(with_mt=False) if s.name != "annotate.quality"]
    out = []
    with gzip.open(REALPAGES, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            doc = Document(r["id"], r["text"], source=Source("realpages", url=r.get("url")))
            doc = process(doc, steps, RunStats())
            if doc.verdict is None:
                out.append(
                    {
                        "id": r["id"],
                        "site": r["site"],
                        "lang": doc.language,
                        "text": doc.text,
                        "edits": [[e.step, e.removed] for e in doc.edits],
                    }
                )
    return out


def inputs_key(*data: Path) -> str:
    """A digest of everything cached MT features depend on: the tamis package's files (code,
    models, language data: the repairs change the real pages' text), the bench scripts that
    compute them, the installed distributions, and the data files read.

    The shipped calibration was once fitted on a cache that outlived a change to the repairs
    (repair.debris_lines joined the default chain): a cache is used only under the same key.
    """
    import hashlib
    import importlib.metadata

    import tamis

    digest = hashlib.blake2b(digest_size=16)
    package = Path(tamis.__file__).resolve().parent
    bench = Path(__file__).resolve().parent
    fitted = package / "data" / "mt" / "calibration.toml"  # the fit's output, not an input
    files = sorted(
        p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p != fitted
    )
    files += [bench / "mt_common.py", bench / "mt_calibrate.py", *data]
    for path in files:
        digest.update(str(path.relative_to(package) if path.is_relative_to(package) else path.name).encode())
        digest.update(path.read_bytes())
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    digest.update("\n".join(dists).encode())
    return digest.hexdigest()


def cached_rows(path: Path, key: str, build: Callable[[], list[dict]]) -> list[dict]:
    """`build()`'s rows, kept in `path` (JSON lines after a {"inputs_key": key} line) and read
    back only while `key` is the same."""
    if path.is_file():
        with path.open(encoding="utf-8") as f:
            if json.loads(f.readline() or "{}").get("inputs_key") == key:
                return [json.loads(line) for line in f]
    rows = build()
    path.parent.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"inputs_key": key}) + "\n")
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


def as_document(rec: dict):
    """A cached realpages record as the Document the MT step sees (text, language, removed lines)."""
    from tamis.document import Document, Edit

    edits = tuple(Edit(step, "cached", 0, 0, removed, "") for step, removed in rec["edits"])
    return Document(rec["id"], rec["text"], annotations={"language": rec["lang"]}, edits=edits)
