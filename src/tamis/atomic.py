"""Write a file so that a reader sees the old file or the whole new one, never a part.

Every file tamis writes for another process to read (checkpoints, done-markers, stage data,
stats.json, the derived-data cache) goes through `atomic_write`: the bytes go to a temporary
name in the same folder, which is then renamed over the final name. A killed writer leaves only
the temporary file, whose name starts with `.tmp-`, which no reader picks up.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

#: What `atomic_write` writes: the bytes themselves, or a function that writes them to an open file.
Content = bytes | Callable[[BinaryIO], object]


def temporary_name(path: Path, *, unique: bool = False) -> Path:
    """The name `atomic_write` writes `path` under before renaming it.

    >>> temporary_name(Path("out/stats.json")).as_posix()
    'out/.tmp-stats.json'
    """
    return path.with_name(f".tmp-{path.name}" + (f".{os.getpid()}" if unique else ""))


def atomic_write(path: Path, content: Content, *, unique: bool = False) -> None:
    """Write `content` to `path` through a temporary name and a rename, creating the folder.

    `unique` puts the process id in the temporary name, for files that several processes may
    write at the same moment (the output folder's marker, the derived-data cache); otherwise a
    path has one writer at a time and a re-run simply overwrites what a killed one left.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path, unique=unique)
    try:
        with open(tmp, "wb") as fh:
            if isinstance(content, bytes):
                fh.write(content)
            else:
                content(fh)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
