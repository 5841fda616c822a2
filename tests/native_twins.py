"""Helpers for the tests that hold a compiled kernel identical to its pure-Python twin."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import strategies as st

from foundation_helpers import SHARED
from tamis import native
from tamis.text.segmentation import segment
from text_samples import LANGS, paragraphs

T = TypeVar("T")

TEST_PAGES = Path(__file__).resolve().parent / "data" / "repair"


def require_kernel(name: str) -> None:
    """Skip the test where the kernel is not built (a build without a compiler); CI requires it."""
    with pure_python(False):
        if native.kernel(name) is None:
            if os.environ.get("TAMIS_REQUIRE_NATIVE") == "1":
                pytest.fail(f"kernel {name!r} is not built: run `python setup.py build_ext --inplace`")
            pytest.skip(f"kernel {name!r} is not built")


@contextmanager
def pure_python(on: bool = True) -> Iterator[None]:
    """Run the block with TAMIS_PURE_PYTHON set (the Python twins) or unset (the kernels)."""
    before = os.environ.get(native.PURE_PYTHON_VARIABLE)
    if on:
        os.environ[native.PURE_PYTHON_VARIABLE] = "1"
    else:
        os.environ.pop(native.PURE_PYTHON_VARIABLE, None)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(native.PURE_PYTHON_VARIABLE, None)
        else:
            os.environ[native.PURE_PYTHON_VARIABLE] = before


def both(run: Callable[[], T]) -> tuple[T, T]:
    """`run()` with the kernels, then with the Python twins (each with an empty segmentation
    cache, so that neither reads what the other split)."""
    with pure_python(False):
        segment.cache_clear()
        compiled = run()
    with pure_python(True):
        segment.cache_clear()
        reference = run()
    segment.cache_clear()
    return compiled, reference


def real_texts(pages: int = 150, corpus_chars: int = 60_000) -> list[str]:
    """Real text: the tests' repair pages, the bundled paragraphs, and where ../shared is here,
    real web pages (raw and gold text of realpages/dev) and slices of the literary and treebank
    corpora."""
    texts = [p.read_text("utf-8") for p in sorted(TEST_PAGES.glob("page_*.txt"))]
    texts += [p for lang in LANGS for p in paragraphs(lang)]
    texts += ["\n".join(paragraphs(lang)) for lang in LANGS]
    dev = SHARED / "realpages" / "dev.jsonl.gz"
    if dev.is_file():
        with gzip.open(dev, "rt", encoding="utf-8") as fh:
            for i, line in zip(range(pages), fh, strict=False):
                page = json.loads(line)
                texts += [page[k] for k in ("text", "gold") if isinstance(page.get(k), str)]
                del i
    for path in sorted((SHARED / "corpora").glob("*/*.txt")):
        with path.open(encoding="utf-8") as fh:
            whole = fh.read(corpus_chars * 2)
        texts += [whole[:corpus_chars], whole[corpus_chars:]]
    return texts


#: characters where a compiled twin could part from Python: white space of several kinds, letters
#: that lower to something longer or context-dependent (İ, Σ), the Kelvin sign, combining marks,
#: astral characters, a lone surrogate, digits of other scripts, marks, entities and abbreviations
AWKWARD = st.sampled_from(
    [
        *"ab Z.\n\n\t-'’&;#1,:_«»()\"!?…—",
        "\u00a0",
        "\u2028",
        "\u3000",
        "\x1c",
        "\x85",
        "\u0301",
        "\u0307",
        "İ",
        "ΣΑΣ",
        "ς",
        "\u212a",
        "ß",
        "ǅ",
        "ё",
        "東",
        "١٢",
        "😀",
        "𝐀",
        "\ud800",
        "Mr",
        "J",
        "..",
        "--",
        "&nbsp;",
        "дом",
        "नमस्ते",
    ]
)
awkward_texts = st.lists(AWKWARD, max_size=40).map("".join)
