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
