"""Property (issue 11): whatever mix of bad inputs tamis is given, it keeps its contract.

Exit 0 with a reason for every record not kept, or exit 2 with one line; never a traceback or
a hang; `input = kept + rejected + duplicates + failed` counted from the files on disk, with
every plain JSONL line accounted for; nothing outside --output touched. The kinds of bad input
are in tests/hostile_inputs.py.

`make test` runs every kind that holds together in one small input, a few random mixes of them,
and each kind that still fails alone (a strict xfail naming its defect), all through a light
pipeline; `make test-slow` (pytest -m slow) runs each kind alone and many more mixes at the
issue's sizes through the default pipeline on two workers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_inputs import KINDS, QUICK, SLOW, Scale, run_and_check

#: Kinds that still break the contract, with the defect of issue 11 that covers them. Their
#: single-kind tests are strict xfails (they fail loudly once fixed); the mixes leave them out.
KNOWN_FAILING: dict[str, str] = {}  # a Parquet string that is not UTF-8 is rejected as invalid_utf8

#: Kinds that fail only for some random draws, with the deterministic kind above that shows why;
#: left out of the mixes (so `make test` is not flaky) until that defect is fixed.
SOMETIMES_FAILING: dict[str, str] = {}

#: Kinds that hold at `make test` sizes but not at the issue's (make test-slow).
FAILING_AT_FULL_SIZE: dict[
    str, str
] = {}  # 100k nested <div>s (defect 14) held once extract.html got a budget

HOLDING = sorted(k for k in KINDS if k not in KNOWN_FAILING and k not in SOMETIMES_FAILING)
HOLDING_AT_FULL_SIZE = [k for k in HOLDING if k not in FAILING_AT_FULL_SIZE]

# The steps the bad inputs stress (extraction, unicode repair, whitespace, both dedups) without
# the language and quality models, so a quick run costs about two seconds.
LIGHT_PIPELINE = """
[[steps]]
use = "extract.html"
[[steps]]
use = "repair.unicode"
[[steps]]
use = "repair.whitespace"
[[steps]]
use = "dedup.exact"
[[steps]]
use = "dedup.near"
"""


def _quick_args(tmp: Path) -> list[str]:
    config = tmp / "light.toml"
    config.write_text(LIGHT_PIPELINE, encoding="utf-8")
    return ["--config", str(config), "--executor", "serial"]


def _kind_params(kinds: list[str], failing: dict[str, str], slow: bool) -> list[object]:
    marks = [pytest.mark.slow] if slow else []
    return [
        pytest.param(
            kind,
            marks=[*marks, pytest.mark.xfail(strict=True, reason=failing[kind])]
            if kind in failing
            else marks,
        )
        for kind in kinds
    ]


SLOW_TIMEOUT = 300  # the default pipeline over the sizes takes under a minute when nothing hangs
QUICK_TIMEOUT = 30  # a light run of these small inputs takes 2-5 s on a busy machine: past this it hangs


def test_every_holding_kind_at_once(tmp_path: Path) -> None:
    args = _quick_args(tmp_path)
    run_and_check(tmp_path, HOLDING, 10, QUICK, args, QUICK_TIMEOUT, output_inside_input=True, rerun=True)


@pytest.mark.parametrize("kind", _kind_params(sorted(KNOWN_FAILING), KNOWN_FAILING, slow=False))
def test_each_failing_kind_beside_good_records(kind: str, tmp_path: Path) -> None:
    args = _quick_args(tmp_path)
    run_and_check(
        tmp_path, ["good_records", kind], seed=11, scale=QUICK, extra_args=args, timeout=QUICK_TIMEOUT
    )


def _check_mix(kinds: list[str], seed: int, inside: bool, rerun: bool, scale: Scale, slow: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="tamis-hostile-") as tmp:
        root = Path(tmp)
        extra = ["--workers", "2"] if slow else _quick_args(root)
        timeout = SLOW_TIMEOUT if slow else QUICK_TIMEOUT
        run_and_check(root, kinds, seed, scale, extra, timeout, output_inside_input=inside, rerun=rerun)


mixes = st.lists(st.sampled_from(HOLDING), min_size=3, max_size=8)


# derandomize: `make test` draws the same mixes every time; `make test-slow` explores new ones
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=True,
)
@given(kinds=mixes, seed=st.integers(0, 2**31), inside=st.booleans(), rerun=st.booleans())
def test_random_mixes_of_bad_inputs(kinds: list[str], seed: int, inside: bool, rerun: bool) -> None:
    _check_mix(kinds, seed, inside, rerun, QUICK, slow=False)


# ---------------------------------------------------------------- make test-slow


@pytest.mark.parametrize(
    "kind",
    _kind_params(sorted(KINDS), {**KNOWN_FAILING, **SOMETIMES_FAILING, **FAILING_AT_FULL_SIZE}, slow=True),
)
def test_each_kind_at_full_size_through_the_default_pipeline(kind: str, tmp_path: Path) -> None:
    run_and_check(
        tmp_path,
        ["good_records", kind],
        seed=12,
        scale=SLOW,
        extra_args=["--workers", "2"],
        timeout=SLOW_TIMEOUT,
    )


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(
    kinds=st.lists(st.sampled_from(HOLDING_AT_FULL_SIZE), min_size=2, max_size=12),
    seed=st.integers(0, 2**31),
    inside=st.booleans(),
    rerun=st.booleans(),
)
def test_random_mixes_at_full_size(kinds: list[str], seed: int, inside: bool, rerun: bool) -> None:
    _check_mix(kinds, seed, inside, rerun, SLOW, slow=True)
