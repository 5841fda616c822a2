"""The hand-off between passes (`_work/seg<k>/`) is Arrow IPC; a folder whose hand-off an older
tamis wrote as Parquet is refused with one line, never read as something else (issue 15)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tamis.dedup.exact import RemoveExactDuplicates
from tamis.errors import InputError
from tamis.execute import SerialExecutor
from tamis.execute.runner import RunConfig, run_pipeline
from tamis.pipeline import Pipeline
from tamis.read import discover
from tamis.repair.unicode import FixUnicode
from tamis.repair.whitespace import NormalizeWhitespace
from tamis.write.shards import SegmentFormatError, segment_batches

pytestmark = pytest.mark.issue(15)


class KilledAfterTheFirstPass(SerialExecutor):
    """Runs the first pass's tasks, then stops as a killed run would."""

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[Any], progress: Any = None
    ) -> Iterator[Any]:
        yield from super().map_unordered(fn, tasks, progress)
        raise KeyboardInterrupt


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        f"{sub}/{p.name}": p.read_bytes()
        for sub in ("kept", "rejected")
        for p in sorted((out / sub).iterdir())
    }


def _killed_run(corpus: Path, out: Path) -> tuple[Pipeline, list, RunConfig]:
    pipeline = Pipeline([FixUnicode(), RemoveExactDuplicates(), NormalizeWhitespace()])
    shards = discover([str(corpus / "corpus-*.jsonl")])
    config = RunConfig(output=str(out))
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(pipeline, shards, config, KilledAfterTheFirstPass())
    return pipeline, shards, config


def test_a_killed_run_resumes_from_its_arrow_hand_off(generated_corpus: Path, tmp_path: Path) -> None:
    pipeline, shards, config = _killed_run(generated_corpus, tmp_path / "out")
    handed = sorted((tmp_path / "out" / "_work" / "seg0").iterdir())
    assert handed and all(p.suffix == ".arrow" for p in handed)
    run_pipeline(pipeline, shards, config, SerialExecutor())
    run_pipeline(pipeline, shards, RunConfig(output=str(tmp_path / "ref")), SerialExecutor())
    assert _outputs(tmp_path / "out") == _outputs(tmp_path / "ref")


def test_a_folder_whose_hand_off_an_older_tamis_wrote_as_parquet_is_refused_in_one_line(
    generated_corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    pipeline, shards, config = _killed_run(generated_corpus, out)
    # As main's code (before the "handoff" key) leaves it: Parquet survivors, no key in the manifest.
    manifest_path = out / "_work" / "manifest.json"
    manifest = orjson.loads(manifest_path.read_bytes())
    del manifest["handoff"]
    manifest_path.write_bytes(orjson.dumps(manifest))
    for arrow in (out / "_work" / "seg0").iterdir():
        pq.write_table(
            pa.ipc.open_file(str(arrow)).read_all(), arrow.with_suffix(".parquet"), compression="zstd"
        )
        arrow.unlink()
    with pytest.raises(InputError) as refused:
        run_pipeline(pipeline, shards, config, SerialExecutor())
    message = str(refused.value)
    assert "\n" not in message
    assert "_work/seg" in message and "another tamis" in message and "--overwrite" in message
    assert not (out / "kept").exists()


def test_a_hand_off_file_that_is_not_arrow_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "00000.arrow"
    pq.write_table(pa.table({"id": ["a"]}), path)
    with pytest.raises(SegmentFormatError, match="is not a hand-off file of this tamis") as refused:
        list(segment_batches(path))
    assert "\n" not in str(refused.value)
