"""Builds the compiled kernels in src/tamis/native/*.pyx; everything else is in pyproject.toml.

The extensions are optional: without a C compiler the build goes on and tamis runs the pure-Python
reference path of each kernel (tamis.native.kernel returns None), which the tests hold identical.
"""

from pathlib import Path

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # a build without Cython (sdist consumers): pure Python only
    cythonize = None

SOURCES = sorted(Path("src/tamis/native").glob("*.pyx"))
extensions = [
    Extension(f"tamis.native.{path.stem}", [str(path)], optional=True, extra_compile_args=["-O3"])
    for path in SOURCES
]
directives = {"language_level": 3, "boundscheck": False, "wraparound": False, "cdivision": True}

setup(
    ext_modules=cythonize(extensions, compiler_directives=directives, quiet=True)
    if cythonize and extensions
    else []
)
