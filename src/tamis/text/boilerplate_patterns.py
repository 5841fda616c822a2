"""The boilerplate pattern file (repair/patterns/boilerplate.toml) with every language's lists.

Two steps read it: `repair.boilerplate_lines` compiles its patterns into line judges, and the
features of `repair.debris_lines` (repair/line_features.py) count its menu, share-bar and gate
words. Both read them here, so neither imports the other.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from tamis.text.language_data import section

#: the packaged pattern file, relative to the tamis package
PATTERN_FILE = "repair/patterns/boilerplate.toml"


def rule_data(resource: str = PATTERN_FILE) -> dict[str, Any]:
    """The rules of the pattern file, each with the `patterns` and `words` of every language file
    (`[boilerplate.patterns]`, `[boilerplate.words]`) as `{language: [...]}`."""
    data: dict[str, Any] = tomllib.loads(resources.files("tamis").joinpath(resource).read_text("utf-8"))
    for lang, lists in section("boilerplate").items():
        for kind in ("patterns", "words"):
            for rule, values in lists.get(kind, {}).items():
                if rule not in data:
                    raise ValueError(
                        f"language file {lang}.toml: [boilerplate.{kind}] names no rule {rule!r}"
                    )
                data[rule].setdefault(kind, {})[lang] = values
    return data


def rule_words(data: dict[str, Any], rule: str) -> frozenset[str]:
    """The `words` of `rule` in every language (menu items of `navigation`, share-bar names of
    `share_buttons`)."""
    return frozenset(w for ws in data[rule].get("words", {}).values() for w in ws)


def gate_words(data: dict[str, Any]) -> tuple[str, ...]:
    """Every `any_of` word of the gated rules (those with patterns and an `any_of` gate: cookie
    notices, copyright lines …), each once, in the order of the file."""
    return tuple(
        dict.fromkeys(
            word
            for spec in data.values()
            if spec.get("any_of") and any(spec.get("patterns", {}).values())
            for word in spec["any_of"]
        )
    )


@functools.cache
def line_vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    """(the menu and share-bar items, the gate words) of the packaged file and language files.

    >>> items, gates = line_vocabulary()
    >>> "cookie" in gates, len(items) > 100
    (True, True)
    """
    data = rule_data()
    return rule_words(data, "share_buttons") | rule_words(data, "navigation"), gate_words(data)
