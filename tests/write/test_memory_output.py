"""An fsspec URL as --output without a server: `memory://` gets the layout and rows of a local folder."""

from __future__ import annotations

from pathlib import Path

import fsspec
import orjson
import pytest

from foundation_helpers import SAMPLES, rows
from tamis import config as config_mod
from tamis.run import RunRequest, run_request

pytestmark = pytest.mark.issue(14)


def test_a_memory_url_output_holds_what_a_local_output_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAMIS_SCRATCH", str(tmp_path / "scratch"))
    config = tmp_path / "steps.toml"
    config.write_text('[[steps]]\nuse = "repair.whitespace"\n[[steps]]\nuse = "dedup.exact"\n')

    def run(output: str) -> dict:
        request = RunRequest(
            [str(SAMPLES)], output, config_mod.load(config), {"executor": "serial"}, report=False
        )
        return run_request(request).stats

    local = run(str(tmp_path / "local"))
    url = f"memory://tamis-test-{tmp_path.name}/out"
    remote = run(url)
    assert remote["kept"] == local["kept"] > 0
    fs = fsspec.filesystem("memory")
    got = tmp_path / "got"
    fs.get(url + "/", str(got) + "/", recursive=True)
    for sub in ("kept", "rejected"):
        assert rows(got / sub) == rows(tmp_path / "local" / sub)
    marker = orjson.loads((got / "_work" / "done" / "publish.json").read_bytes())
    assert "stats.json" in marker["objects"] and "_work/manifest.json" in marker["objects"]
    assert not (got / "_work" / "seg0").exists()  # checkpoints stay in the scratch folder
