"""A real Ray cluster for tests: a head and more nodes, each started by `ray start` as its own processes.

Every node is one `ray start` (one CPU, a small object store, its own `--temp-dir`, every port
chosen free) run in a new session, so the test stops exactly its own processes: it ends the
processes of those sessions by id. `ray stop` is never used: it stops every Ray process of the
user on the machine, other people's clusters included. Token authentication is on, with a token
made for this cluster (Ray listens on every interface, not only loopback).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

#: Ray's smallest object store is 75 MiB; a test moves kilobytes.
OBJECT_STORE_BYTES = 80 << 20


@dataclass
class RayCluster:
    """Where the head listens, and the environment a driver needs to join it."""

    address: str
    env: dict[str, str]
    sessions: list[int] = field(default_factory=list)
    temp_dirs: list[Path] = field(default_factory=list)

    def processes(self) -> list[int]:
        """Pids of every process the cluster's `ray start` sessions run now."""
        return [pid for pid, sid in _sessions_of_all() if sid in self.sessions]

    def stop_node(self, index: int) -> None:
        _kill_sessions([self.sessions[index]])


def ray_binary() -> str | None:
    beside = Path(sys.executable).parent / "ray"
    return str(beside) if beside.is_file() else shutil.which("ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def ray_cluster(
    nodes: int = 2, timeout: float = 180.0, private: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[RayCluster]:
    """Start a head and `nodes - 1` more nodes of one CPU each on 127.0.0.1; stop them all at the end.

    With `private` (an existing folder), every node but the head runs in its own mount namespace
    where that folder is an empty tmpfs of its own: what those nodes write there, the head and
    the driver never see, as on machines that share no file system. `env`: variables every
    node's workers get on top of this process's (an object store's credentials).
    """
    if private is not None and not _can_unshare():
        pytest.skip("this system does not let a user make a mount namespace (unshare --user --mount)")
    ray = ray_binary()
    if ray is None:
        message = "Ray is not installed: pip install 'tamis[ray]' (in tamis[test])"
        if os.environ.get("CI") and sys.version_info < (3, 14):  # the test extra has Ray below 3.14
            pytest.fail(message)
        pytest.skip(message)
    # Short: Ray's socket paths under --temp-dir must fit in 107 bytes.
    base = Path(tempfile.mkdtemp(prefix="tamis-ray-", dir="/tmp"))
    base_env = {**os.environ, **(env or {})}
    env = {
        **base_env,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": uuid.uuid4().hex + uuid.uuid4().hex,
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    port = _free_port()
    cluster = RayCluster(address=f"127.0.0.1:{port}", env=env)
    try:
        for i in range(nodes):
            temp = base / f"n{i}"
            cluster.temp_dirs.append(temp)
            command = [
                ray,
                "start",
                "--node-ip-address=127.0.0.1",
                "--num-cpus=1",
                f"--object-store-memory={OBJECT_STORE_BYTES}",
                f"--temp-dir={temp}",
                "--disable-usage-stats",
                f"--node-manager-port={_free_port()}",
                f"--object-manager-port={_free_port()}",
                f"--dashboard-agent-listen-port={_free_port()}",
                f"--dashboard-agent-grpc-port={_free_port()}",
                f"--runtime-env-agent-port={_free_port()}",
                f"--metrics-export-port={_free_port()}",
            ]
            if i == 0:
                command += [f"--port={port}", "--head", "--include-dashboard=false"]
                command += [f"--dashboard-port={_free_port()}"]
            else:
                command += [f"--address={cluster.address}"]
                if private is not None:
                    mount = 'mount -t tmpfs tamis-private "$0" && exec "$@"'
                    command = [*_UNSHARE, "sh", "-c", mount, str(private), *command]
            # `ray start` returns once its node runs; its processes keep the new session's id.
            proc = subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            cluster.sessions.append(proc.pid)
            out, _ = proc.communicate(timeout=timeout)
            if proc.returncode != 0:
                tail = " | ".join(out.decode("utf-8", "replace").splitlines()[-6:])
                raise RuntimeError(f"`ray start` of node {i} failed ({proc.returncode}): {tail}")
        _wait_for_nodes(cluster, nodes, timeout)
        yield cluster
    finally:
        _kill_sessions(cluster.sessions)
        shutil.rmtree(base, ignore_errors=True)


_UNSHARE = ["unshare", "--user", "--map-root-user", "--mount"]


def _can_unshare() -> bool:
    try:
        return subprocess.run([*_UNSHARE, "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _wait_for_nodes(cluster: RayCluster, nodes: int, timeout: float) -> None:
    """Until the head counts `nodes` live nodes (a node registers shortly after `ray start` returns)."""
    probe = (
        "import ray, sys\n"
        f"ray.init(address={cluster.address!r}, log_to_driver=False)\n"
        "alive = sum(1 for n in ray.nodes() if n['Alive'])\n"
        "sys.exit(0 if alive >= int(sys.argv[1]) else 1)\n"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            [sys.executable, "-c", probe, str(nodes)], env=cluster.env, capture_output=True, timeout=timeout
        )
        if done.returncode == 0:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the Ray cluster did not reach {nodes} nodes in {timeout:.0f} s")


def _sessions_of_all() -> list[tuple[int, int]]:
    """(pid, session id) of every process, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
        found.append((int(entry), int(fields[3])))  # state, ppid, pgrp, session
    return found


def _kill_sessions(sessions: list[int], grace: float = 3.0) -> None:
    """End every process of these sessions: SIGTERM, then SIGKILL for what is left after `grace`."""
    wanted = set(sessions)
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        pids = [pid for pid, sid in _sessions_of_all() if sid in wanted and _alive(pid)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    """True for a running process (a zombie waiting for its parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"
