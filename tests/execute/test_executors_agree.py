"""Every executor gives byte-identical outputs for the same pipeline and input."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import orjson
import pytest

import foundation_steps
from foundation_helpers import SAMPLES
from tamis.config import default_pipeline
from tamis.execute import LocalExecutor, SerialExecutor
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.repair.unicode import FixUnicode
from tamis.repair.whitespace import NormalizeWhitespace


def _files(out: Path) -> dict[str, bytes]:
    return {
        f"{sub}/{p.name}": p.read_bytes()
        for sub in ("kept", "rejected")
        for p in sorted((out / sub).iterdir())
    }


def _run(pipeline: Pipeline, inputs: list[str], out: Path, executor, fmt: str = "parquet") -> dict:
    return run_pipeline(
        pipeline, discover(inputs), RunConfig(output=str(out), output_format=fmt), executor
    ).stats


def _same(a: dict, b: dict) -> None:
    for key in ("input", "kept", "rejected", "duplicates", "failed", "verdicts"):
        assert a[key] == b[key], key
    assert {k: {**v, "seconds": 0} for k, v in a["steps"].items()} == {
        k: {**v, "seconds": 0} for k, v in b["steps"].items()
    }


@pytest.mark.parametrize("fmt", ["parquet", "jsonl.zst"])
def test_serial_and_local_agree_on_the_bundled_sample(tmp_path: Path, fmt: str) -> None:
    pipeline = default_pipeline()
    serial = _run(pipeline, [str(SAMPLES)], tmp_path / "serial", SerialExecutor(), fmt)
    local = _run(pipeline, [str(SAMPLES)], tmp_path / "local", LocalExecutor(2), fmt)
    assert serial["shards"] == 3 and serial["kept"] > 0 and serial["rejected"] >= 3
    assert _files(tmp_path / "serial") == _files(tmp_path / "local")
    _same(serial, local)


def test_serial_and_local_agree_with_a_corpus_stage(generated_corpus: Path, tmp_path: Path) -> None:
    pipeline = Pipeline([FixUnicode(), foundation_steps.MarkIdenticalTexts(), NormalizeWhitespace()])
    inputs = [str(generated_corpus / "corpus-*.jsonl")]
    serial = _run(pipeline, inputs, tmp_path / "serial", SerialExecutor())
    local = _run(pipeline, inputs, tmp_path / "local", LocalExecutor(2))
    assert serial["duplicates"] > 0
    assert _files(tmp_path / "serial") == _files(tmp_path / "local")
    _same(serial, local)


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="ray is not installed (pip install 'tamis[ray]')"
)
def test_ray_agrees_with_serial(tmp_path: Path) -> None:
    import ray

    from tamis.execute.ray import RayExecutor

    pipeline = default_pipeline()
    serial = _run(pipeline, [str(SAMPLES)], tmp_path / "serial", SerialExecutor())
    try:
        executor = RayExecutor(workers=2)
        on_ray = _run(pipeline, [str(SAMPLES)], tmp_path / "ray", executor)
    finally:
        ray.shutdown()
    assert _files(tmp_path / "serial") == _files(tmp_path / "ray")
    _same(serial, on_ray)
    assert orjson.loads((tmp_path / "ray" / "stats.json").read_bytes())["input"] == serial["input"]
