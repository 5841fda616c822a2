"""Hostile input, measured (issue 11): what the unit tests check for correctness, timed and sized here.

    .venv/bin/python bench/input_safety.py                 # all three
    .venv/bin/python bench/input_safety.py unicode         # repair.unicode on pages whose line count ftfy changes
    .venv/bin/python bench/input_safety.py small-files     # 2,000 one-page .txt files: seconds, files written
    .venv/bin/python bench/input_safety.py huge-line       # one 1.5 GB line in a small gzip: peak memory

`unicode` times FixUnicode at 100 KB and 1 MB per shape (time should grow ~10x, not ~100x) and
checks that the edits of the 100 KB pages replay. `small-files` and `huge-line` run the `tamis` command in a
subprocess and read its peak memory from /usr/bin/time-like rusage.
"""

from __future__ import annotations

import argparse
import gzip
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def _shapes(size: int) -> dict[str, str]:
    from foundation_helpers import ud_documents

    words = " ".join(ud_documents(400))
    page = (words * (size // len(words) + 1))[:size]
    lines = [page[i : i + 70] for i in range(0, len(page), 70)]
    rng = random.Random(size)
    return {
        "U+2028 separators": "\u2028".join(lines),
        "CR-only line ends": "\r".join(lines),
        "mojibake of U+2028": "\u2028".join(lines).encode("utf-8").decode("cp1252", "replace"),
        "one mojibake line": page.encode("utf-8").decode("cp1252", "replace"),
        "random bytes": rng.randbytes(size).decode("utf-8", "replace"),
    }


def bench_unicode() -> None:
    from tamis.document import Document, replay
    from tamis.repair.unicode import FixUnicode

    step = FixUnicode()
    print(f"{'shape':22} {'100 KB s':>9} {'1 MB s':>9} {'ratio':>6} {'edits (1 MB)':>13}")
    for (name, small), big in zip(_shapes(100_000).items(), _shapes(1_000_000).values(), strict=True):
        times = []
        for text in (small, big):
            t0 = time.perf_counter()
            result = step.repair(text, Document(id="b", text=text, original=text))
            times.append(time.perf_counter() - t0)
            if len(text) <= 100_000:  # replay copies the text per edit: quadratic itself, so small pages only
                assert replay(text, result.edits) == result.text, name
        print(
            f"{name:22} {times[0]:9.3f} {times[1]:9.3f} {times[1] / max(times[0], 1e-6):6.1f} {len(result.edits):13}"
        )


def _tamis(*args: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of the `tamis` child, and its last stdout/stderr line."""
    tamis = Path(sys.executable).with_name("tamis")
    t0 = time.perf_counter()
    proc = subprocess.run([str(tamis), *args], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    last = (proc.stdout + proc.stderr).strip().splitlines()
    return seconds, peak, f"exit {proc.returncode}: {last[0] if last else ''}"


def bench_small_files(tmp: Path) -> None:
    from foundation_helpers import ud_documents

    folder = tmp / "pages"
    folder.mkdir()
    for i, text in enumerate(ud_documents(2000, 3)):
        (folder / f"d{i:04d}.txt").write_text(f"{i} {text}", "utf-8")
    out = tmp / "out-small"
    seconds, _peak, line = _tamis("run", "--input", str(folder), "--output", str(out), "--no-progress")
    written = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"2,000 .txt files: {seconds:.1f} s, {written} files written ({line})")


def bench_huge_line(tmp: Path) -> None:
    path = tmp / "huge.jsonl.gz"
    with path.open("wb") as fh:
        comp = zlib.compressobj(6, zlib.DEFLATED, 31)
        fh.write(comp.compress(b'{"id": "huge", "text": "'))
        block = b"a" * (1 << 24)
        for _ in range(1536 // 16):  # 1.5 GB
            fh.write(comp.compress(block))
        fh.write(comp.compress(b'"}\n' + b'{"id": "small", "text": "a short record after it"}\n'))
        fh.write(comp.flush())
    with gzip.open(path) as check:
        assert check.read(10)
    out = tmp / "out-huge"
    seconds, peak, line = _tamis(
        "run", "--input", str(path), "--output", str(out), "--no-progress", "--workers", "1"
    )
    size_mb = path.stat().st_size / 1e6
    print(f"one 1.5 GB line in a {size_mb:.1f} MB gzip: {seconds:.1f} s, peak RSS {peak:.0f} MB ({line})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=["unicode", "small-files", "huge-line"])
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tamis-input-safety-"))
    try:
        if "unicode" in args.which:
            bench_unicode()
        if "small-files" in args.which:
            bench_small_files(tmp)
        if "huge-line" in args.which:
            bench_huge_line(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
