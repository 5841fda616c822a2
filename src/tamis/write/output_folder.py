"""The --output folder as tamis's own: its marker, its lock, what --overwrite may delete, its rows on disk.

A folder is tamis's when it holds the marker `_tamis.json` that `tamis run` wrote when it took
the folder (or, from runs made before the marker existed, `_work/manifest.json`). Only such a
folder is resumed or overwritten, and --overwrite deletes only the names tamis writes, so a
typo in --output, or a file of the user's inside it, never costs anyone their data (issue 11).

One run at a time: `tamis run` holds an exclusive `flock` on `_work/lock` for its whole life.
The kernel drops the lock when the process dies, however it dies, so there is no stale lock to
clear by hand; the file names the holder for the refusal message.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import socket
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from tamis import __version__
from tamis.atomic import atomic_write
from tamis.errors import InputError, TamisError

MARKER = "_tamis.json"
LOCK = "lock"  # in _work/
#: Names in the output folder that tamis writes; --overwrite deletes these and nothing else.
_OWN_FILES = ("stats.json", ".tmp-stats.json", "report.html", ".tmp-report.html")
_OWN_WORK = re.compile(r"(manifest\.json|\.tmp-manifest\.json|done|stats|seg\d+|corpus\d+|user_ids)")
_OWN_PARTS = re.compile(r"(\.tmp-)?part-.*")


def is_tamis_output(out: Path) -> bool:
    return (out / MARKER).is_file() or (out / "_work" / "manifest.json").is_file()


def local_output(output: str) -> Path:
    """The local folder a local `--output` names (a path or a `file://` URL; other URLs are
    object stores: `write/remote_output.py`)."""
    scheme, sep, rest = output.partition("://")
    return Path(rest) if sep and scheme == "file" else Path(output)


class OutputLock:
    """An exclusive lock on one output folder, held until `release()` or the process ends."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing drops the flock; the file stays (deleting it would race)
            self.fd = -1

    def __enter__(self) -> OutputLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_output(out: Path, command: str) -> OutputLock:
    """Take the folder's lock or say, in one line, which process holds it."""
    path = out / "_work" / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError(
            f"--output {str(out)!r} is in use by another tamis run ({_holder(path)}); "
            "wait for it to end (or stop it) and run again"
        ) from None
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "command": command,
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, orjson.dumps(holder) + b"\n", 0)
    return OutputLock(fd, path)


def _holder(path: Path) -> str:
    try:
        info = orjson.loads(path.read_bytes())
        return f"{info['command']}, pid {info['pid']} on {info['host']} since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "it has not written its pid yet"


def check_output(out: Path) -> None:
    """Refuse, before anything is read or written, an --output that is a file or someone else's folder."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--output {str(out)!r} exists and is not a folder")
    # A `.tmp-` marker is another run marking the folder this very moment: it loses at the lock.
    others = out.is_dir() and any(not p.name.startswith(f".tmp-{MARKER}") for p in out.iterdir())
    if others and not is_tamis_output(out):
        raise InputError(
            f"--output {str(out)!r} is a non-empty folder that holds no tamis run (no {MARKER}: "
            "tamis did not create it); tamis writes into, resumes or overwrites only its own "
            "folders: choose a new or empty folder"
        )


def claim_output(out: Path, overwrite: bool, command: str = "tamis run") -> OutputLock:
    """Make `out` a locked tamis output folder; with `overwrite`, delete what an earlier run wrote.

    Refused with one line: a path that is not a folder; a non-empty folder tamis did not mark;
    a folder another run holds; a folder that cannot be written. The marker is written before
    the lock is taken, so a second run starting at the same moment finds a marked folder (or an
    empty one) and loses the race for the lock, never the check for the marker.
    """
    check_output(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not (out / MARKER).is_file():
            _write_marker(out)
        (out / "_work").mkdir(exist_ok=True)
        lock = lock_output(out, command)
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise InputError(f"cannot write to --output {str(out)!r}: {err.strerror}") from err
        raise
    if overwrite:
        try:
            delete_earlier_run(out)
        except BaseException:
            lock.release()
            raise
    return lock


def _write_marker(out: Path) -> None:
    marker = {
        "written_by": "tamis",
        "version": __version__,
        "created": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "note": "this folder is the output of `tamis run`; tamis resumes or overwrites only such folders",
    }
    # a temporary name per process: two runs may mark the folder at the same moment
    atomic_write(out / MARKER, orjson.dumps(marker, option=orjson.OPT_INDENT_2) + b"\n", unique=True)


def delete_earlier_run(out: Path) -> None:
    """Delete the files an earlier run wrote (by their names), keeping the marker, the lock and
    anything else: a user's notes beside kept/ survive --overwrite."""
    for name in _OWN_FILES:
        (out / name).unlink(missing_ok=True)
    for sub in ("kept", "rejected"):
        folder = out / sub
        if folder.is_dir():
            for p in folder.iterdir():
                if _OWN_PARTS.fullmatch(p.name) and p.is_file():
                    p.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()
    work = out / "_work"
    for p in work.iterdir():
        if _OWN_WORK.fullmatch(p.name):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()


# ---------------------------------------------------------------- what is on disk


_FINISHED_PART = re.compile(r"part-.*\.(parquet|jsonl|jsonl\.gz|jsonl\.zst)")


def is_output_part(name: str) -> bool:
    """A finished output file's name in kept/ or rejected/ (not a `.tmp-` part)."""
    return _FINISHED_PART.fullmatch(name) is not None


def output_files(folder: Path) -> list[Path]:
    """The finished output files of kept/ or rejected/ (not `.tmp-` parts, not a user's file
    put there), in name order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_output_part(p.name) and p.is_file())


def damaged(path: Path | str, err: BaseException) -> TamisError:
    detail = " ".join(str(err).split())[:200] or type(err).__name__
    return TamisError(
        f"{path} is damaged ({type(err).__name__}: {detail}); re-run the `tamis run` that wrote it, "
        "with --overwrite if it finished"
    )


def read_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged output file raises: Arrow (ValueError/OSError), gzip, zstd, JSON."""
    from tamis.read.base import stream_errors

    return (*stream_errors(), ValueError, KeyError, TypeError)


def count_rows_on_disk(out: Path, executor: Any = None) -> dict[str, int]:
    """Rows in the files of kept/ and rejected/, the latter by verdict: what a reader of the output gets."""
    parts = [(sub, path) for sub in ("kept", "rejected") for path in output_files(out / sub)]
    return count_rows(parts, executor)


def count_rows(parts: Iterable[tuple[str, Path | str]], executor: Any = None) -> dict[str, int]:
    """Rows in output parts given as (kept or rejected, local path or fsspec URL), the rejected by verdict.

    With an `executor` (the run's local pool) the parts are read by its workers: counting means
    decompressing every part (0.25 CPU s for the 10k bench's jsonl.gz), which was a serial tail
    of the run."""
    counts: Counter[str] = Counter({"kept": 0, "rejected": 0, "duplicates": 0, "failed": 0})
    key = {"rejected": "rejected", "duplicate": "duplicates", "failed": "failed"}
    parts = list(parts)
    found = (
        executor.map_unordered(part_verdicts, parts)
        if executor is not None and len(parts) > 1
        else (part_verdicts(part) for part in parts)
    )
    for verdicts in found:
        if isinstance(verdicts, str):
            raise TamisError(verdicts)
        for verdict, n in verdicts.items():
            counts[key.get(verdict, "kept") if verdict else "kept"] += n
    return dict(counts)


def part_verdicts(part: tuple[str, Path | str], progress: Any = None) -> Counter[str | None] | str:
    """The rows of one output part by verdict, or, where it cannot be read, what `damaged` says
    of it: a message, not an exception, so that it comes back whole from a worker process."""
    sub, path = part
    try:
        return _verdicts_in(path, with_verdict=sub == "rejected")
    except read_errors() as err:
        return str(damaged(path, err))


def _verdicts_in(path: Path | str, with_verdict: bool) -> Counter[str | None]:
    if str(path).endswith(".parquet"):
        import pyarrow.parquet as pq

        from tamis.read.base import open_raw

        pf = pq.ParquetFile(path if isinstance(path, Path) else open_raw(path))
        if not with_verdict:
            return Counter({None: pf.metadata.num_rows})
        column = pf.read(columns=["verdict"]).column("verdict")
        return Counter({str(v["values"]): v["counts"] for v in column.value_counts().to_pylist()})
    from tamis.read.base import open_binary

    found: Counter[str | None] = Counter()
    with open_binary(str(path)) as fh:
        if not with_verdict:
            found[None] = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
            return found
        for line in fh:
            row: Any = orjson.loads(line)
            found[row["verdict"]] += 1
    return found
