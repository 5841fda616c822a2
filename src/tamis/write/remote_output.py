"""`--output` on an object store (s3://, gs://, abfs://, memory://, any fsspec URL but a local path).

The run itself writes to a local scratch folder (one per output URL, under the user's cache
folder, so a killed run resumes there on the same machine), and when it ends tamis publishes
the output to the URL through `RunStore`: kept/, rejected/, stats.json, report.html, the
manifest, then the done-marker `_work/done/publish.json` naming every published file, written
last. The object store then holds the same layout, under the same names, as a local --output.

Why fixed names are safe here (`write/run_store.py` gives each attempt's objects their own
names): the scratch folder is finished and fixed before anything is published, so a publish
that is killed and run again uploads the same bytes under the same names; an object appears
whole when its upload completes; and files of an earlier run that the new marker does not name
are deleted after it is written.

With `--executor ray` the run does not stage: every task reads and writes the store itself,
each object under its attempt's own name (`execute/checkpoint.py: StoreRun`), since Ray workers
on other machines cannot reach this machine's scratch folder.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import time
from pathlib import Path

import orjson

from tamis import __version__
from tamis.errors import InputError
from tamis.write.output_folder import MARKER, is_output_part, output_files
from tamis.write.run_store import DONE, RunStore

#: The task name of the publish's done-marker.
PUBLISH = "publish"
#: What is published beside kept/ and rejected/ (when the run wrote it).
_TOP_FILES = ("stats.json", "report.html", "_work/manifest.json")


def is_remote(output: str) -> bool:
    """An fsspec URL other than a local path (`file://` is local)."""
    scheme, sep, _ = output.partition("://")
    return bool(sep) and scheme != "file" and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) is not None


def scratch_folder(url: str) -> Path:
    """The local folder a run for `url` writes before publishing (`TAMIS_SCRATCH`, else the cache folder)."""
    base = os.environ.get("TAMIS_SCRATCH") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tamis", "runs"
    )
    name = re.sub(r"[^A-Za-z0-9]+", "-", url)[:60].strip("-")
    return Path(base) / f"{name}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def open_remote_output(url: str) -> RunStore:
    """The store behind an object-store --output, after refusing what cannot work (one line each)."""
    try:
        store = RunStore(url)
        # A run's prefix may hold millions of objects: list it only when it is not tamis's.
        found = [MARKER] if store.exists(MARKER) else store.list("")
    except InputError:
        raise
    except Exception as err:
        detail = " ".join(str(err).split())[:200] or type(err).__name__
        raise InputError(f"cannot open --output {url!r}: {detail}") from err
    if found and MARKER not in found:
        raise InputError(
            f"--output {url!r} holds objects but no tamis run (no {MARKER}); tamis writes into, resumes "
            "or overwrites only its own folders: choose a new or empty prefix"
        )
    return store


def mark_remote_output(store: RunStore) -> None:
    """Write the marker `_tamis.json` now: a bucket that does not exist or refuses this user's
    writes is refused (one line) before the run, not when its output is ready."""
    try:
        if not store.exists(MARKER):
            store.fs.pipe_file(store.path(MARKER), _marker_body())
    except Exception as err:  # fsspec back ends raise their own kinds
        detail = " ".join(str(err).split())[:200] or type(err).__name__
        raise InputError(f"cannot write to --output {store.url!r}: {detail}") from err


def publish(scratch: Path, store: RunStore) -> list[str]:
    """Upload the finished run in `scratch` to `store` under the same names, write the done-marker
    naming them, then delete what an earlier run left there that it does not name. Returns the names."""
    names = [f"{sub}/{p.name}" for sub in ("kept", "rejected") for p in output_files(scratch / sub)]
    names += [name for name in _TOP_FILES if (scratch / name).is_file()]
    mark_remote_output(store)
    for name in names:
        # A plain upload: the object appears whole when it completes (see the module's note).
        store.fs.put_file(str(scratch / name), store.path(name))
    body = {"task": PUBLISH, "attempt": "", "objects": {n: n for n in names}, "time": time.time()}
    store.fs.pipe_file(store.path(f"{DONE}/{PUBLISH}.json"), orjson.dumps(body, option=orjson.OPT_INDENT_2))
    named = set(names) | {MARKER, f"{DONE}/{PUBLISH}.json"}
    stale = [n for n in store.list("") if n not in named and _ours(n)]
    store.delete(stale)
    return names


def delete_remote_run(store: RunStore) -> None:
    """--overwrite: delete what tamis publishes under the URL, and nothing else."""
    store.delete([n for n in store.list("") if _ours(n)])


def _ours(name: str) -> bool:
    folder, base = posixpath.split(name)
    if folder in ("kept", "rejected"):
        return is_output_part(base)
    return name in _TOP_FILES or name.startswith("_work/")


def _marker_body() -> bytes:
    marker = {
        "written_by": "tamis",
        "version": __version__,
        "created": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "note": "this prefix is the output of `tamis run`; tamis resumes or overwrites only such prefixes",
    }
    return orjson.dumps(marker, option=orjson.OPT_INDENT_2) + b"\n"


#: Parts of kept/ and of rejected/ that a report of a run on an object store takes its examples from.
REPORT_PARTS = 16


def write_remote_report(store: RunStore, parts: list[tuple[str, str]]) -> None:
    """report.html of a run written straight to the store (`--executor ray`): its figures from
    stats.json, its examples from the first `REPORT_PARTS` parts of kept/ and of rejected/
    (downloading every part of a large run to sample it would move the whole corpus)."""
    import tempfile

    from tamis.report.html import write_report

    with tempfile.TemporaryDirectory(prefix="tamis-report-") as tmp:
        local = Path(tmp)
        store.fs.invalidate_cache()  # listings cached before the tasks wrote (s3fs)
        store.fs.get_file(store.path("stats.json"), str(local / "stats.json"))
        for sub in ("kept", "rejected"):
            (local / sub).mkdir()
            for name, stored in [p for p in parts if p[0].startswith(sub + "/")][:REPORT_PARTS]:
                store.fs.get_file(store.path(stored), str(local / name))
        store.fs.put_file(str(write_report(local)), store.path("report.html"))
