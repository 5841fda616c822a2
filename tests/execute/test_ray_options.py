"""The Ray executor's refusals that need no cluster: each is one line, before Ray is started."""

from __future__ import annotations

import importlib.util
import socket
import time
from pathlib import Path

import pytest

from tamis.errors import ConfigError

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")


def test_an_address_where_nothing_listens_is_refused_in_seconds_not_minutes() -> None:
    from tamis.execute.ray import RayExecutor

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    start = time.monotonic()
    with pytest.raises(ConfigError, match=rf"no Ray cluster answers at '127\.0\.0\.1:{port}'"):
        RayExecutor(address=f"127.0.0.1:{port}")
    assert time.monotonic() - start < 10  # Ray alone retried for more than 200 s


def test_negative_task_options_are_refused() -> None:
    from tamis.execute.ray import RayExecutor, RayOptions

    with pytest.raises(ConfigError, match="Ray task options must be ≥ 0"):
        RayExecutor(options=RayOptions(max_retries=-1))


def test_tamis_run_refuses_a_ray_address_where_nothing_listens_before_the_output_folder_exists(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from foundation_helpers import SAMPLES
    from tamis.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "out"
    common = ["run", "--input", str(SAMPLES), "--output", str(out), "--executor", "ray", "--no-progress"]
    done = CliRunner().invoke(main, [*common, "--ray-address", f"127.0.0.1:{port}"])
    assert done.exit_code == 2, done.output
    assert f"no Ray cluster answers at '127.0.0.1:{port}'" in done.output
    assert not out.exists()
    bad = CliRunner().invoke(main, [*common, "--ray-max-retries", "-1"])
    assert bad.exit_code == 2 and "--ray-max-retries must be a whole number from 0 to 100" in bad.output
    assert not out.exists()
