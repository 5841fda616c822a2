"""The compiled kernels: built where a compiler is (CI requires it), switchable off for the reference path."""

from __future__ import annotations

import os

import pytest

from tamis import native


@pytest.mark.skipif(
    os.environ.get("TAMIS_REQUIRE_NATIVE") != "1", reason="a build without a compiler is allowed"
)
def test_every_declared_kernel_is_built() -> None:
    assert native.missing_kernels() == []


def test_pure_python_variable_turns_every_kernel_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.PURE_PYTHON_VARIABLE, "1")
    assert all(native.kernel(name) is None for name in native.declared_kernels())
    monkeypatch.delenv(native.PURE_PYTHON_VARIABLE)
    built = [name for name in native.declared_kernels() if name not in native.missing_kernels()]
    assert all(native.kernel(name) is not None for name in built)


def test_an_unknown_kernel_is_none() -> None:
    assert native.kernel("no_such_kernel") is None


def test_a_kernel_looked_up_again_is_the_same_module_and_still_obeys_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # kernel() caches its look-ups (steps call it per document); the variable must still win.
    built = [name for name in native.declared_kernels() if name not in native.missing_kernels()]
    if not built:
        pytest.skip("no kernel is built")
    first = native.kernel(built[0])
    assert first is not None and native.kernel(built[0]) is first
    monkeypatch.setenv(native.PURE_PYTHON_VARIABLE, "1")
    assert native.kernel(built[0]) is None
    monkeypatch.delenv(native.PURE_PYTHON_VARIABLE)
    assert native.kernel(built[0]) is first
    assert native.kernel("no_such_kernel") is None and native.kernel("no_such_kernel") is None
