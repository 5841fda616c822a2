"""The table of modules that register each built-in step (steps.STEP_MODULES) matches the registry."""

from __future__ import annotations

import subprocess
import sys

from tamis.steps import REGISTRY, STEP_MODULES


def test_every_registered_step_is_in_the_table_with_the_modules_of_all_its_versions() -> None:
    names = REGISTRY.names()  # loads every built-in module
    builtin = {
        name
        for name in names
        if REGISTRY.steps[name]
        and all(cls.__module__.startswith("tamis.") for cls in REGISTRY.steps[name].values())
    }
    assert builtin == set(STEP_MODULES)
    for name in builtin:
        modules = {cls.__module__ for cls in REGISTRY.steps[name].values()}
        assert modules == set(STEP_MODULES[name]), name


def test_getting_one_step_imports_only_its_modules() -> None:
    code = (
        "import sys\n"
        "from tamis.steps import REGISTRY\n"
        "REGISTRY.get('annotate.language'); REGISTRY.get('filter.thresholds@1')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('tamis.repair.', 'tamis.dedup.', 'tamis.extract.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
