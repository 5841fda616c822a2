"""Data that steps derive from their packaged files at start-up, kept on disk between processes.

Building some steps' patterns from their data files costs more CPU than cleaning a page
(repair.boilerplate_lines: ~0.55 s per process, repair.glued_words' lists up to 1.2 s per language,
line_features' code-point classes 0.5 s; in `tamis clean` and in every worker of every pass). What is built depends only on those files and on the code that builds it, so it is stored
under a key made of both, with the Python, `regex` and Unicode versions, and rebuilt whenever
any of them changes. Only JSON (pattern sources, not compiled patterns) and plain numeric arrays
(.npy without pickles, memory-mapped when read: annotate.fluency's hash tables) are stored:
nothing is unpickled, and a damaged or unwritable cache is ignored (the data is then built as before).

Where: $TAMIS_CACHE_DIR, else $XDG_CACHE_HOME/tamis, else ~/.cache/tamis. TAMIS_CACHE_DIR=""
turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tamis.atomic import atomic_write

if TYPE_CHECKING:
    import numpy as np


def cache_dir() -> Path | None:
    """The folder of the derived-data cache, or None when TAMIS_CACHE_DIR is set empty."""
    configured = os.environ.get("TAMIS_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tamis"


def cached_json(name: str, inputs: Iterable[str | bytes], build: Callable[[], Any]) -> Any:
    """`build()` (a JSON value), or the value stored for the same `name` and `inputs` (the data
    files and code it is built from) by an earlier process with the same Python, `regex` and Unicode."""
    path = _entry(name, inputs, "json")
    if path is not None:
        try:
            return json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            pass  # not built yet, or unreadable: build it
    value = build()
    if path is not None:
        _write(path, json.dumps(value, ensure_ascii=False).encode("utf-8"))
    return value


def cached_array(name: str, inputs: Iterable[str | bytes], build: Callable[[], np.ndarray]) -> np.ndarray:
    """`build()` (a numeric array), or the array stored for the same `name` and `inputs`, memory-mapped
    read-only: the pages are read as they are used and shared by every process that maps them."""
    import numpy as np

    path = _entry(name, inputs, "npy")
    if path is not None:
        try:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError):
            pass  # not built yet, or unreadable: build it
    value = build()
    if path is not None:
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        _write(path, buffer.getvalue())
    return value


def _entry(name: str, inputs: Iterable[str | bytes], suffix: str) -> Path | None:
    """Where the entry for `name` built from `inputs` is stored (None: the cache is off)."""
    import regex  # only its version

    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256()
    for part in [sys.version, regex.__version__, unicodedata.unidata_version, *inputs]:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little") + data)
    return folder / f"{name}-{digest.hexdigest()[:32]}.{suffix}"


def _write(path: Path, data: bytes) -> None:
    """Write atomically (a process reading at the same time sees the whole file or none); several
    processes may build the same entry at once, hence a temporary name per process."""
    with contextlib.suppress(OSError):  # a read-only home or a full disk: the next process builds it again
        atomic_write(path, data, unique=True)
