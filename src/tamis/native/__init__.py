"""Compiled kernels for the per-document loops where Python is the bound.

Each kernel is a Cython module here (`<name>.pyx`, built by setup.py) with a pure-Python twin
next to the step that uses it; tests run both and require identical results. The build is
optional: with no C compiler, or with ``TAMIS_PURE_PYTHON=1`` in the environment (the reference
path, for output-identity checks), `kernel` returns None and the step runs its Python twin.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

PURE_PYTHON_VARIABLE = "TAMIS_PURE_PYTHON"


#: kernels looked up so far (None: not built). Steps call `kernel` per document (90,000 calls on
#: the 10k bench), and an import_module per call cost more than some kernels save; the
#: environment is still read on every call, so tests and tools may set TAMIS_PURE_PYTHON at run time.
_FOUND: dict[str, ModuleType | None] = {}


def kernel(name: str) -> ModuleType | None:
    """The compiled module ``tamis.native.<name>``, or None where it is not built or not wanted."""
    if os.environ.get(PURE_PYTHON_VARIABLE) == "1":
        return None
    try:
        return _FOUND[name]
    except KeyError:
        pass
    try:
        found: ModuleType | None = importlib.import_module(f"tamis.native.{name}")
    except ImportError:
        found = None
    _FOUND[name] = found
    return found


def declared_kernels() -> list[str]:
    """Names of the kernels this source tree declares (one per .pyx), built or not."""
    return sorted(path.stem for path in Path(__file__).parent.glob("*.pyx"))


def missing_kernels() -> list[str]:
    """Declared kernels that cannot be imported: the build skipped them (no compiler?)."""
    missing = []
    for name in declared_kernels():
        try:
            importlib.import_module(f"tamis.native.{name}")
        except ImportError:
            missing.append(name)
    return missing
