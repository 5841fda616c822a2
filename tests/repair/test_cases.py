"""Run the labelled case files in tests/cases/repair/ (ftfy style): input -> expected, per step.

Each case also checks that the step's edits replay to its output. Known failures are strict
xfails: when one starts passing, the test fails until the case is promoted to "pass".
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tamis.document import Document, replay
from tamis.steps import REGISTRY

CASES = Path(__file__).resolve().parent.parent / "cases" / "repair"
PROVENANCES = {"sample", "synthetic", "negative"}


def _cases() -> list:
    params = []
    for path in sorted(CASES.glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for case in data["cases"]:
            assert case["provenance"] in PROVENANCES, f"{path.name}: {case['label']}"
            assert case["expect"] in ("pass", "known_failure"), f"{path.name}: {case['label']}"
            marks = (
                [pytest.mark.xfail(strict=True, reason=case["comment"])]
                if case["expect"] == "known_failure"
                else []
            )
            params.append(pytest.param(data["step"], case, id=f"{path.stem}:{case['label']}", marks=marks))
    return params


@pytest.mark.parametrize(("step_name", "case"), _cases())
def test_case(step_name: str, case: dict) -> None:
    step = REGISTRY.get(step_name)()
    step.setup()
    doc = Document(id="case", text=case["input"], annotations={"language": case.get("language", "und")})
    result = step.repair(case["input"], doc)
    assert replay(case["input"], result.edits) == result.text
    assert result.text == case["expected"]


def test_every_step_has_negative_cases() -> None:
    for path in sorted(CASES.glob("*.toml")):
        cases = tomllib.loads(path.read_text("utf-8"))["cases"]
        assert any(c["provenance"] == "negative" for c in cases), path.name
