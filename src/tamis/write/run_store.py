"""A run's files addressed by URL: a local folder, file://, s3://, gs://, memory://, any fsspec file system.

Publishing a file must never show a reader half of it, and a task attempt that dies must never
leave files that a later reader takes for finished work.

- A local folder publishes by writing a temporary name and renaming it (atomic on POSIX), so
  names stay stable (`kept/part-00000-0000.parquet`).
- An object store has no rename. An object appears whole when its upload completes, but a killed
  attempt's finished objects stay, and two attempts at one task (Ray retries a task whose worker
  it lost, while that worker may still be writing) would overwrite each other's objects. So
  there every object goes under a name no other attempt uses: the attempt's token before the
  extension (`kept/part-00000-0000.3f9c2a7b1d0e.parquet`).

Either way a task's done-marker is written last and names the objects its attempt wrote; readers
trust only objects that a marker names (`check_complete` before a reduce), and `sweep` deletes
the rest once no attempt runs any more.
"""

from __future__ import annotations

import collections
import contextlib
import fnmatch
import functools
import os
import posixpath
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from tamis.errors import TamisError

#: Folder (under the run's root) of the done-markers, one `<task>.json` per finished task.
DONE = "_work/done"
TMP_PREFIX = ".tmp-"


class IncompleteRunError(TamisError):
    """Work that a step needs whole (a reduce over every shard's map output) is missing."""


@dataclass(frozen=True)
class Marker:
    """What a finished task attempt wrote: logical name -> stored name, and the task's own record."""

    task: str
    attempt: str
    objects: dict[str, str]
    info: dict[str, Any] = field(default_factory=dict)


def stored_name(name: str, token: str) -> str:
    """`name` with an attempt token before its extension (the part of the file name after its first dot).

    >>> stored_name("kept/part-00001-0000.jsonl.gz", "ab12")
    'kept/part-00001-0000.ab12.jsonl.gz'
    >>> stored_name("_work/corpus0/ids", "ab12")
    '_work/corpus0/ids.ab12'
    """
    folder, base = posixpath.split(name)
    stem, dot, ext = base.partition(".")
    return posixpath.join(folder, f"{stem}.{token}{dot}{ext}")


class RunStore:
    """Files of one run under a root URL; names are relative to the root, with "/" between parts."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        try:
            import fsspec  # here, not at the top: `tamis clean` imports this module, never a store

            self.fs, root = fsspec.core.url_to_fs(url, **dict(storage_options or {}))
        except (ImportError, ValueError) as err:
            raise TamisError(f"cannot open {url!r}: {err}") from err
        self.url = url
        self.root = root.rstrip("/") or "/"
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        #: True where a rename publishes atomically (local disks); else names are made unique per attempt.
        self.renames = protocol in ("file", "local")

    def __repr__(self) -> str:
        return f"RunStore({self.url!r})"

    def path(self, name: str) -> str:
        return f"{self.root}/{name}" if name else self.root

    def url_of(self, name: str) -> str:
        """A URL for `name` that fsspec (or a local open) reads back."""
        return self.path(name) if self.renames else self.fs.unstrip_protocol(self.path(name))

    # ------------------------------------------------------------ writing

    def put(self, name: str, data: bytes, token: str | None = None) -> str:
        """Publish `data` whole under `name` (or, on an object store, its name for attempt `token`)."""
        with self.open_write(name, token) as (fh, stored):
            fh.write(data)
        return stored

    @contextlib.contextmanager
    def open_write(self, name: str, token: str | None = None) -> Iterator[tuple[IO[bytes], str]]:
        """A file to write `name` into, published when the block ends without an error.

        Yields (file, stored name). On an error nothing is published: a local temporary file is
        deleted; an object store's uniquely named object is deleted if its upload got that far
        (no marker names it, so a reader never trusts it either way).
        """
        token = token or new_token()
        if self.renames:
            final = self.path(name)
            folder, base = posixpath.split(final)
            os.makedirs(folder, exist_ok=True)
            tmp = posixpath.join(folder, f"{TMP_PREFIX}{base}.{token}")
            try:
                with open(tmp, "wb") as fh:
                    yield fh, name
                os.replace(tmp, final)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            return
        stored = stored_name(name, token)
        try:
            with self.fs.open(self.path(stored), "wb") as fh:
                yield fh, stored
        except BaseException:
            with contextlib.suppress(OSError):
                self.fs.rm_file(self.path(stored))
            raise

    # ------------------------------------------------------------ reading

    def read(self, name: str) -> bytes:
        return self.fs.cat_file(self.path(name))

    def open_read(self, name: str) -> IO[bytes]:
        # s3fs answers `open` from a folder listing it cached earlier, which may predate the object.
        self.fs.invalidate_cache(self.path(name))
        return self.fs.open(self.path(name), "rb")

    def exists(self, name: str) -> bool:
        self.fs.invalidate_cache(self.path(name))  # other processes (workers) write here too
        return bool(self.fs.exists(self.path(name)))

    def list(self, prefix: str = "") -> list[str]:
        """Names of the published files under the folder `prefix`, at any depth, in name order.

        Local temporary files (`.tmp-…`) are left out; on an object store every object is listed,
        and only a marker tells which of them an attempt finished.
        """
        return [n for n in self._every(prefix) if not posixpath.basename(n).startswith(TMP_PREFIX)]

    def delete_prefix(self, prefix: str) -> None:
        """Delete every file under the folder `prefix` (nothing when there is none)."""
        folder = self.path(prefix.rstrip("/"))
        if self.renames:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            return
        files = [self.path(n) for n in self.list(prefix)]
        if files:
            self.fs.rm(files)

    def delete(self, names: Iterable[str]) -> None:
        paths = [self.path(n) for n in names]
        if paths:
            self.fs.rm(paths)

    # ------------------------------------------------------------ done-markers

    def attempt(self, task: str) -> TaskAttempt:
        """A new attempt at `task`: write its files through it, then `commit()`."""
        return TaskAttempt(self, task, new_token())

    def marker(self, task: str) -> Marker | None:
        name = f"{DONE}/{task}.json"
        if not self.exists(name):
            return None
        data = orjson.loads(self.read(name))
        # A marker of an older tamis names no files: only its presence says the task finished.
        objects = dict(data.get("objects") or {})
        return Marker(data["task"], data.get("attempt", ""), objects, dict(data.get("info") or {}))

    def done_tasks(self) -> set[str]:
        return {
            posixpath.basename(n).removesuffix(".json")
            for n in self.list(DONE)
            if n.endswith(".json") and posixpath.dirname(n) == DONE
        }

    def check_complete(self, tasks: Sequence[str], needed_for: str) -> list[Marker]:
        """The markers of `tasks`, after checking that each exists and every object it names is there.

        Raises IncompleteRunError, naming what is missing: a reduce must never run over part of
        its input (on a cluster whose nodes share no file system, a reduce once ran over 2 of 4
        shards' map output and wrote its own marker: issue 14).
        """
        done = self.done_tasks()
        missing = [t for t in tasks if t not in done]
        if missing:
            raise IncompleteRunError(
                f"{needed_for} needs the output of {len(tasks)} tasks but {len(missing)} have not finished "
                f"(e.g. {missing[0]}) in {self.url}; re-run the same command to finish them (if they "
                "ran, their workers wrote where this process cannot see: every node must write to "
                "the same storage, a shared file system or an object store URL)"
            )
        markers = [m for m in (self.marker(t) for t in tasks) if m is not None]
        present = set(self._all_names(markers))
        for m in markers:
            gone = [stored for stored in m.objects.values() if stored not in present]
            if gone:
                raise IncompleteRunError(
                    f"{needed_for}: task {m.task} finished but {len(gone)} of its files are not in "
                    f"{self.url} (e.g. {gone[0]}): do all workers write to the same storage? Use an "
                    "object store URL (s3://…) or a shared file system for --output"
                )
        return markers

    def _all_names(self, markers: Sequence[Marker]) -> Iterator[str]:
        folders = {posixpath.dirname(s) for m in markers for s in m.objects.values()}
        for folder in sorted(folders):
            yield from self.list(folder)

    def sweep(self, prefixes: Sequence[str]) -> list[str]:
        """Delete the files under `prefixes` that no done-marker names: what killed or duplicate
        attempts left (the markers stay). Run it only when no attempt can still be running (after
        the last task)."""
        named = {stored for t in self.done_tasks() if (m := self.marker(t)) for stored in m.objects.values()}
        stale = [
            n for p in prefixes for n in self._every(p) if n not in named and not n.startswith(DONE + "/")
        ]
        self.delete(stale)
        return stale

    def _every(self, prefix: str) -> list[str]:
        """Every file under the folder `prefix`, temporary ones included, in name order."""
        folder = self.path(prefix.rstrip("/"))
        self.fs.invalidate_cache(folder)  # other processes (workers) write here too
        try:
            found = self.fs.find(folder)
        except FileNotFoundError:
            return []
        base = self.root.rstrip("/") + "/"
        # Only what is inside the folder: SeaweedFS answers for an emptied folder as if it were a file.
        inside = folder.rstrip("/") + "/"
        return sorted(p[len(base) :] for p in map(self.fs._strip_protocol, found) if p.startswith(inside))


class TaskAttempt:
    """One attempt at one task: the files it publishes, then its done-marker, written last."""

    def __init__(self, store: RunStore, task: str, token: str) -> None:
        self.store = store
        self.task = task
        self.token = token
        self.objects: dict[str, str] = {}

    def put(self, name: str, data: bytes) -> str:
        stored = self.store.put(name, data, self.token)
        self.objects[name] = stored
        return stored

    @contextlib.contextmanager
    def open_write(self, name: str) -> Iterator[IO[bytes]]:
        with self.store.open_write(name, self.token) as (fh, stored):
            yield fh
        self.objects[name] = stored

    def commit(self, info: Mapping[str, Any] | None = None) -> Marker:
        """Write the done-marker: from now on readers trust this attempt's files."""
        marker = Marker(self.task, self.token, dict(self.objects), dict(info or {}))
        body = {
            "task": marker.task,
            "attempt": marker.attempt,
            "objects": marker.objects,
            "info": marker.info,
        }
        # The marker's own name is fixed (readers find it by task): on an object store a PUT
        # replaces it whole, and two attempts that both commit each name only their own files.
        name = f"{DONE}/{self.task}.json"
        if self.store.renames:
            self.store.put(name, orjson.dumps(body, option=orjson.OPT_INDENT_2), self.token)
        else:
            self.store.fs.pipe_file(self.store.path(name), orjson.dumps(body, option=orjson.OPT_INDENT_2))
        return marker


def new_token() -> str:
    return uuid.uuid4().hex[:12]


# ---------------------------------------------------------------- a run's _work/ files on an object store, as paths


@dataclass(frozen=True)
class StoreView:
    """How one process sees a run on an object store: the run's root `url`; `index`, the stored
    name of the object that maps every file the phase may read to the object an attempt stored
    it under (`write_index`: the driver builds it from done-markers); `token`, the attempt that
    this process writes for (None: read only). Small, so tasks carry it to any node."""

    url: str
    index: str | None = None
    token: str | None = None


#: What each attempt wrote in this process: token -> {name: stored name}; `written()` hands it to the marker.
_WRITTEN: dict[str, dict[str, str]] = {}


@functools.lru_cache(maxsize=8)
def open_store(url: str) -> RunStore:
    """One `RunStore` per root URL and process (fsspec clients are costly to build)."""
    return RunStore(url)


@functools.lru_cache(maxsize=4)
def _load_index(url: str, index: str) -> dict[str, str]:
    return dict(orjson.loads(open_store(url).read(index)))


def write_index(store: RunStore, name: str, markers: Iterable[Marker]) -> str:
    """Store what `markers` name ({name: stored name}) as one object for a phase's tasks to read
    (once per process); returns its stored name, which is new for every call."""
    objects = {name: stored for m in markers for name, stored in m.objects.items()}
    return store.put(name, orjson.dumps(objects))


#: Objects read whole, kept per process up to `_CACHE_BYTES`: an object's stored name is never
#: reused, so its bytes never change, and a worker that runs many partition tasks of one reduce
#: reads each shard's small files once instead of once per partition (one request each).
_CACHE: collections.OrderedDict[tuple[str, str], bytes] = collections.OrderedDict()
_CACHE_BYTES = 128 << 20
_cached_bytes = 0


def _cached_read(url: str, stored: str) -> bytes:
    global _cached_bytes
    key = (url, stored)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    data = open_store(url).read(stored)
    if len(data) <= _CACHE_BYTES // 8:
        _CACHE[key] = data
        _cached_bytes += len(data)
        while _cached_bytes > _CACHE_BYTES:
            _cached_bytes -= len(_CACHE.popitem(last=False)[1])
    return data


def written(token: str) -> dict[str, str]:
    """What attempt `token` wrote in this process through `StorePath`s (forgotten once asked)."""
    return _WRITTEN.pop(token, {})


class StorePath:
    """A file or folder of a run on an object store, with the part of `pathlib.Path` the corpus
    stages use (`/`, `name`, `glob`, `exists`, `read_bytes`, …), so a stage's code is the same
    for a local `_work/` folder and an object store.

    Reads see what the view's index names plus what this attempt wrote; a file the attempt
    wrote from another process (a reduce's partition task) is found under the attempt's token.
    Writes go under the attempt's token (`stored_name`), never over another attempt's object.
    The tamis.dedup.partitions helpers read and write these; NumPy and Arrow cannot open them
    by name, hence no `__fspath__`.
    """

    __slots__ = ("name_in_run", "view")

    def __init__(self, view: StoreView, name: str) -> None:
        self.view = view
        self.name_in_run = name.strip("/")

    def __reduce__(self) -> tuple[Any, ...]:
        return (StorePath, (self.view, self.name_in_run))

    def __truediv__(self, part: str) -> StorePath:
        return StorePath(self.view, posixpath.join(self.name_in_run, str(part)))

    def __repr__(self) -> str:
        return f"StorePath({self.view.url!r}, {self.name_in_run!r})"

    def __str__(self) -> str:
        return f"{self.view.url.rstrip('/')}/{self.name_in_run}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StorePath) and (self.view, self.name_in_run) == (
            other.view,
            other.name_in_run,
        )

    def __hash__(self) -> int:
        return hash((self.view, self.name_in_run))

    def __lt__(self, other: StorePath) -> bool:
        return self.name_in_run < other.name_in_run

    @property
    def name(self) -> str:
        return posixpath.basename(self.name_in_run)

    @property
    def stem(self) -> str:
        return posixpath.splitext(self.name)[0]

    @property
    def suffix(self) -> str:
        return posixpath.splitext(self.name)[1]

    @property
    def parent(self) -> StorePath:
        return StorePath(self.view, posixpath.dirname(self.name_in_run))

    def with_name(self, name: str) -> StorePath:
        return self.parent / name

    @property
    def store(self) -> RunStore:
        return open_store(self.view.url)

    def _known(self) -> dict[str, str]:
        own = _WRITTEN.get(self.view.token or "", {})
        if self.view.index is None:
            return own
        index = _load_index(self.view.url, self.view.index)
        return {**index, **own} if own else index

    def stored(self) -> str | None:
        """The object this name is stored as for this view, or None when there is none."""
        own = _WRITTEN.get(self.view.token or "", {})
        if self.name_in_run in own:
            return own[self.name_in_run]
        if self.view.index is not None:
            found = _load_index(self.view.url, self.view.index).get(self.name_in_run)
            if found is not None:
                return found
        if self.view.token is not None:
            candidate = stored_name(self.name_in_run, self.view.token)
            if self.store.exists(candidate):
                return candidate
        return None

    def _stored_or_raise(self) -> str:
        stored = self.stored()
        if stored is None:
            raise FileNotFoundError(f"{self}: no finished task wrote it")
        return stored

    def exists(self) -> bool:
        return self.stored() is not None

    def is_file(self) -> bool:
        return self.exists()

    def is_dir(self) -> bool:
        inside = self.name_in_run + "/"
        return any(n.startswith(inside) for n in self._known())

    def iterdir(self) -> Iterator[StorePath]:
        inside = self.name_in_run + "/"
        index = _load_index(self.view.url, self.view.index) if self.view.index is not None else {}
        children = {n[len(inside) :].split("/", 1)[0] for n in index if n.startswith(inside)}
        if not children and self.view.token is not None:
            # A folder this attempt writes: a reduce's tasks write it from other processes (other
            # nodes), so what this process wrote is not all of it; list what the store holds under
            # the attempt's token. Folders of the index are never listed.
            own = f".{self.view.token}."
            children = {
                posixpath.relpath(n, self.name_in_run).split("/", 1)[0].replace(own, ".", 1)
                for n in self.store.list(self.name_in_run)
                if own in n
            }
        written_here = _WRITTEN.get(self.view.token or "", {})
        children |= {n[len(inside) :].split("/", 1)[0] for n in written_here if n.startswith(inside)}
        return iter([self / c for c in sorted(children)])

    def glob(self, pattern: str) -> Iterator[StorePath]:
        """The files directly in this folder whose names match `pattern` (fnmatch)."""
        return iter([p for p in self.iterdir() if fnmatch.fnmatchcase(p.name, pattern)])

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        """Nothing to do: an object store has no folders."""

    def unlink(self, missing_ok: bool = False) -> None:
        """Forget this attempt's file of that name (another attempt's objects are never deleted
        here: `RunStore.sweep` removes what no marker names once the run has ended)."""
        own = _WRITTEN.get(self.view.token or "", {})
        stored = own.pop(self.name_in_run, None)
        if stored is not None:
            self.store.delete([stored])

    def read_bytes(self) -> bytes:
        return _cached_read(self.view.url, self._stored_or_raise())

    def open_read(self) -> IO[bytes]:
        return self.store.open_read(self._stored_or_raise())

    @contextlib.contextmanager
    def open_write(self) -> Iterator[IO[bytes]]:
        """A file to write this name into, stored under the attempt's token when the block ends
        without an error (nothing stored otherwise)."""
        token = self.view.token
        if token is None:
            raise TamisError(f"{self}: this process has no attempt to write for")
        with self.store.open_write(self.name_in_run, token) as (fh, stored):
            yield fh
        _WRITTEN.setdefault(token, {})[self.name_in_run] = stored

    def write_bytes(self, data: bytes) -> None:
        with self.open_write() as fh:
            fh.write(data)

    def __fspath__(self) -> str:
        raise TypeError(
            f"{self} is on an object store: read and write it through tamis.dedup.partitions "
            "(load_npy, save_npy, load_json, save_json), not by file name"
        )


def is_store_path(path: object) -> bool:
    return isinstance(path, StorePath)
