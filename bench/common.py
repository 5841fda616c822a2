"""What the bench scripts share: the corpus they run on, the peer's venv, worker counts, timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"  # git-ignored
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"
DATATROVE_PY = HERE / ".venv-datatrove" / "bin" / "python"
TAMIS = Path(sys.executable).with_name("tamis")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def build_corpus(
    folder: Path, n_docs: int, seed: int = 1, *, shards: int | None = None, no_nc: bool = False
) -> Path:
    """Run make_corpus.py into `folder` unless a finished corpus (its manifest) is already there."""
    if (folder / "manifest.json").is_file():
        return folder
    if not MAKE_CORPUS.is_file():
        sys.exit(f"bench: {MAKE_CORPUS} is missing (the shared folder sits beside the checkout)")
    args = [
        sys.executable,
        str(MAKE_CORPUS),
        "--n-docs",
        str(n_docs),
        "--seed",
        str(seed),
        "--out-dir",
        str(folder),
    ]
    if shards is not None:
        args += ["--shards", str(shards)]
    if no_nc:
        args.append("--no-nc")
    subprocess.run(args, check=True, capture_output=True)
    return folder


def ensure_corpus(n_docs: int, seed: int = 1, shards: int = 8, *, no_nc: bool = True) -> Path:
    """A make_corpus.py corpus under bench/out/, built once and reused (same arguments, same bytes)."""
    folder = OUT / f"corpus-{n_docs}-s{seed}-x{shards}{'-nonc' if no_nc else ''}"
    return build_corpus(folder, n_docs, seed, shards=shards, no_nc=no_nc)


def corpus_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("corpus-*.jsonl"))


def timed(argv: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command to completion; wall seconds (start-up included, as a user sees it) and the result."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, argv[:4]))}… failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, proc


def last_json_line(text: str) -> dict[str, Any]:
    return json.loads(text.strip().splitlines()[-1])
