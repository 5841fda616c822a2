"""Real-text samples for the annotate and filter tests (tests/data; see its LICENSES.md)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
LANGS = ("de", "en", "fr", "ru", "uk", "kk")


def paragraphs(lang: str) -> list[str]:
    return [p for p in (DATA / f"paragraphs_{lang}.txt").read_text("utf-8").strip().split("\n\n") if p]


def sentences(lang: str) -> list[str]:
    return [s for s in (DATA / f"sentences_{lang}.txt").read_text("utf-8").splitlines() if s.strip()]
