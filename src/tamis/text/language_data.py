"""Language data of the steps: one TOML file a language in `tamis/data/languages/`.

A file `<code>.toml` holds a section per step (`[captions]`, `[datelines]`, `[stop_words]`),
each a few named word lists; `any.toml` holds what is used whatever the page's language
(international photo agencies). A step reads the lists of every language at once
(`words`), because a page's language is a guess and a Kazakh page may carry a Russian
caption: adding a language is adding its file (docs/architecture.md, "Where do I add a
language").
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

FOLDER = "data/languages"


@functools.cache
def language_files() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(language code, parsed file) of every language file, by code."""
    folder = resources.files("tamis").joinpath(FOLDER)
    found = [
        (entry.name.removesuffix(".toml"), tomllib.loads(entry.read_text("utf-8")))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    ]
    return tuple(sorted(found, key=lambda item: item[0]))


def section(name: str) -> dict[str, dict[str, Any]]:
    """The section `name` of each language that has one, by language code.

    >>> sorted(section("stop_words"))
    ['en', 'kk']
    """
    return {lang: data[name] for lang, data in language_files() if name in data}


def words(section_name: str, key: str) -> tuple[str, ...]:
    """The list `key` of section `section_name` in every language file, joined in the order of the
    language codes, each entry once.

    >>> "märz" in words("datelines", "months"), "may" in words("datelines", "months")
    (True, False)
    """
    joined: dict[str, None] = {}
    for data in section(section_name).values():
        joined.update(dict.fromkeys(data.get(key, ())))
    return tuple(joined)


def source_text() -> str:
    """Every language file's text, for keys of data derived from them (`tamis.derived`)."""
    folder = resources.files("tamis").joinpath(FOLDER)
    return "".join(
        sorted(f"{e.name}\n{e.read_text('utf-8')}" for e in folder.iterdir() if e.name.endswith(".toml"))
    )
