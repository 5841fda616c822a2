"""Fixtures shared by the foundation tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundation_helpers import SHARED, write_fallback_corpus
from object_store import ObjectStore, seaweedfs
from ray_cluster import RayCluster, ray_cluster


@pytest.fixture(scope="session")
def generated_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,200 web-like documents in 6 JSONL shards from shared/bench/make_corpus.py (commercial-safe sources)."""
    maker = SHARED / "bench" / "make_corpus.py"
    out = tmp_path_factory.mktemp("corpus")
    if not maker.is_file():  # a checkout without ../shared: the same shape from the bundled sample's text
        write_fallback_corpus(out)
        return out
    subprocess.run(
        [
            sys.executable,
            str(maker),
            "--n-docs",
            "1200",
            "--seed",
            "3",
            "--shards",
            "6",
            "--no-nc",
            "--out-dir",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of `tamis demo` (the default pipeline over the bundled sample), run once."""
    from click.testing import CliRunner

    from tamis.cli import main

    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(main, ["demo", "--output", str(out)])
    assert result.exit_code == 0, result.output
    (out.parent / "stdout.txt").write_text(result.stdout, "utf-8")
    return out


@pytest.fixture(scope="session")
def object_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObjectStore]:
    """A SeaweedFS S3 server on loopback for the whole session (tests take a folder each: `new_folder()`)."""
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as store:
        yield store


@pytest.fixture(scope="session")
def ray_test_cluster() -> Iterator[RayCluster]:
    """A Ray head and a second node (one CPU each), started by `ray start`, for the whole session."""
    with ray_cluster(nodes=2) as cluster:
        yield cluster


@pytest.fixture
def ray_driver(
    ray_test_cluster: RayCluster, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[RayCluster]:
    """This test process as a driver of the cluster (its token in the environment); leaves it after."""
    for key in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN"):  # read when Ray is first imported
        monkeypatch.setenv(key, ray_test_cluster.env[key])
    import ray

    ray.cloudpickle.register_pickle_by_value(request.module)  # workers cannot import tests/
    try:
        yield ray_test_cluster
    finally:
        ray.shutdown()
