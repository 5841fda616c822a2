"""The Ray executor's refusals that need no cluster: each is one line, before Ray is started."""

from __future__ import annotations

import importlib.util
import socket
import time

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
