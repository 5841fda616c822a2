"""Issue 11, defect 3: the same user id twice must not make the dedup stages confuse two documents.

A shard holds a German text, an exact copy of it whose id `x` is shared with a unique Ukrainian
text, and that Ukrainian text. Only the German copy is a duplicate; the Ukrainian text, which
merely carries the same id, must be kept, and the repeated id must be reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tamis.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


def _first_paragraph(name: str) -> str:
    return DATA.joinpath(name).read_text(encoding="utf-8").split("\n\n")[0].strip()


GERMAN = _first_paragraph("paragraphs_de.txt")
UKRAINIAN = _first_paragraph("paragraphs_uk.txt")


def _rows(out: Path) -> list[dict[str, Any]]:
    return [
        row
        for sub in ("kept", "rejected")
        for path in sorted((out / sub).glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]


@pytest.mark.parametrize("stage", ["dedup.exact", "dedup.near", "dedup.repeated_lines"])
def test_a_repeated_id_does_not_carry_a_duplicate_verdict_to_another_text(stage: str, tmp_path: Path) -> None:
    records = [
        {"id": "z", "text": GERMAN},
        {"id": "x", "text": GERMAN},  # the real copy
        {"id": "x", "text": UKRAINIAN},  # unique text, same id as the copy
        {"id": "x", "text": UKRAINIAN.replace("Оленку", "Марусю")},  # a near copy of it, still under `x`
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    (tmp_path / "steps.toml").write_text(f'[[steps]]\nuse = "{stage}"\n')
    out = tmp_path / "out"
    args = ["run", "--input", str(tmp_path / "in.jsonl"), "--output", str(out), "--executor", "serial"]
    result = CliRunner().invoke(main, [*args, "--config", str(tmp_path / "steps.toml"), "--no-progress"])
    assert result.exit_code == 0, result.output

    by_text: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(out):
        by_text.setdefault(row["original"], []).append(row)
    assert sum(len(v) for v in by_text.values()) == 4
    ukrainian = by_text[UKRAINIAN]
    assert len(ukrainian) == 1 and ukrainian[0]["id"] == "x"
    assert ukrainian[0].get("verdict") is None, ukrainian[0]  # kept: it duplicates nothing before it
    german = sorted(by_text[GERMAN], key=lambda r: r["id"])
    if stage == "dedup.repeated_lines":  # no line is in 3 documents of a site: nothing to remove
        assert [r.get("verdict") for r in german] == [None, None]
    else:
        assert [r["id"] for r in german] == ["x", "z"]
        assert german[0]["verdict"] == "duplicate" and german[0]["duplicate_of"] == "z"
        assert german[1].get("verdict") is None

    stats = json.loads((out / "stats.json").read_text())
    assert stats["duplicate_ids"] == 2  # the second and third record reuse `x`
    assert stats["input"] == 4 == stats["kept"] + stats["rejected"] + stats["duplicates"] + stats["failed"]


def _run_exact_dedup(tmp_path: Path, inputs: Path, *more: str) -> dict[str, Any]:
    """`tamis run` with dedup.exact alone over `inputs` into tmp_path/out; returns its stats.json."""
    (tmp_path / "steps.toml").write_text('[[steps]]\nuse = "dedup.exact"\n')
    args = ["run", "--input", str(inputs), "--output", str(tmp_path / "out"), "--executor", "serial"]
    result = CliRunner().invoke(
        main, [*args, "--config", str(tmp_path / "steps.toml"), "--no-progress", *more]
    )
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "out" / "stats.json").read_text())


def _two_files_sharing_an_id(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for k, text in enumerate((GERMAN, UKRAINIAN)):
        (folder / f"part-{k}.jsonl").write_text(json.dumps({"id": "same", "text": text}) + "\n")
    return folder


def test_repeated_ids_across_shards_are_counted_not_merged(tmp_path: Path) -> None:
    stats = _run_exact_dedup(tmp_path, _two_files_sharing_an_id(tmp_path))
    assert stats["kept"] == 2 and stats["duplicate_ids"] == 1
    assert sorted(r["original"] for r in _rows(tmp_path / "out")) == sorted((GERMAN, UKRAINIAN))


def test_apply_refuses_documents_other_than_those_map_saw(tmp_path: Path) -> None:
    from dedup_helpers import doc

    from tamis.dedup.exact import RemoveExactDuplicates
    from tamis.errors import AccountingError

    stage = RemoveExactDuplicates()
    docs = [doc("a", GERMAN), doc("b", GERMAN), doc("c", UKRAINIAN)]
    stage.map_shard(docs, 0, tmp_path)
    stage.reduce(tmp_path, 1)
    assert [d.verdict is None for d in stage.apply_shard(docs, 0, tmp_path)] == [True, False, True]
    with pytest.raises(AccountingError, match="not the 3 map saw"):
        stage.apply_shard(docs[::-1], 0, tmp_path)  # rows would point at other documents


def test_overwrite_forgets_the_ids_of_the_earlier_run(tmp_path: Path) -> None:
    folder = _two_files_sharing_an_id(tmp_path)
    assert _run_exact_dedup(tmp_path, folder)["duplicate_ids"] == 1
    assert _run_exact_dedup(tmp_path, folder / "part-0.jsonl", "--overwrite")["duplicate_ids"] == 0
