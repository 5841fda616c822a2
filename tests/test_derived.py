"""Derived data cached on disk (tamis.derived): built once per key, the same value when read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tamis.derived import cached_array, cached_json
from tamis.repair import boilerplate_lines


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TAMIS_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_a_value_is_built_once_per_inputs_and_read_back(cache: Path) -> None:
    built: list[str] = []

    def build(tag: str) -> dict[str, object]:
        built.append(tag)
        return {"sources": {"a": "(?:x)", "": "(?!)"}, "gate": None, "scan": ["\n", "é"]}

    first = cached_json("t", ["data v1", b"code"], lambda: build("v1"))
    again = cached_json("t", ["data v1", b"code"], lambda: build("again"))
    other = cached_json("t", ["data v2", b"code"], lambda: build("v2"))
    assert first == again == other == build("check")
    assert built == ["v1", "v2", "check"]  # the second call read the file
    assert len(list(cache.glob("t-*.json"))) == 2


def test_a_damaged_file_is_rebuilt_and_an_empty_setting_turns_the_cache_off(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached_json("t", ["x"], lambda: [1, 2])
    (path,) = cache.glob("t-*.json")
    path.write_text('{"cut sh', "utf-8")
    assert cached_json("t", ["x"], lambda: [1, 2, 3]) == [1, 2, 3]
    assert cached_json("t", ["x"], lambda: []) == [1, 2, 3]
    monkeypatch.setenv("TAMIS_CACHE_DIR", "")
    assert cached_json("u", ["x"], lambda: "built") == "built"
    assert not list(cache.glob("u-*"))


def test_boilerplate_rules_read_from_the_cache_are_the_rules_built_fresh(cache: Path) -> None:
    build = boilerplate_lines.load_rules.__wrapped__  # the uncached function: one cold, one warm
    cold, warm = build(), build()
    assert list(cache.glob("boilerplate_lines-*.json"))
    assert warm.by_first.sources == cold.by_first.sources
    assert warm.by_first_tame.sources == cold.by_first_tame.sources
    assert getattr(warm.wild_gate, "pattern", None) == getattr(cold.wild_gate, "pattern", None)
    assert cold.scan is not None and warm.scan is not None
    for name in ("newlines", "anywhere", "last"):
        assert getattr(warm.scan, name).pattern == getattr(cold.scan, name).pattern
        assert getattr(warm.scan, name).flags == getattr(cold.scan, name).flags


def test_glue_lists_are_keyed_by_the_steps_fields_and_read_back_as_built(cache: Path) -> None:
    from tamis.repair import glue_splitting, glued_words

    step = glued_words.SplitGluedWords()
    built = glue_splitting.build_listed_glues(step, "en")
    assert "inthe" in built
    first = glue_splitting._derived("listed", step, "en", lambda: built)
    again = glue_splitting._derived("listed", step, "en", lambda: ["not read"])
    assert first == again == frozenset(built)
    # a field that shapes the lists is part of the key: a step with another gap builds its own
    other = glued_words.SplitGluedWords(listed_glue_gap=step.listed_glue_gap + 1.0)
    assert glue_splitting._derived("listed", other, "en", lambda: ["rebuilt"]) == {"rebuilt"}
    assert len(list(cache.glob("glued_words-listed-en-*.json"))) == 2


def test_the_code_point_classes_read_back_are_those_built(cache: Path) -> None:
    from tamis.repair import line_features
    from tamis.text import chars

    chars._category_runs.cache_clear()
    line_features.char_tables.cache_clear()
    built = line_features.char_tables()
    chars._category_runs.cache_clear()
    line_features.char_tables.cache_clear()
    read = line_features.char_tables()
    assert list(cache.glob("unicode_categories-*.json"))
    assert all((a == b).all() and a.dtype == b.dtype for a, b in zip(built, read, strict=True))
    assert built[0][ord("a")] == line_features.LOWER and built[0][ord("Я")] == line_features.UPPER


def test_an_array_is_read_back_memory_mapped_and_a_damaged_one_is_rebuilt(cache: Path) -> None:
    built = np.arange(1000, dtype=np.uint16)
    first = cached_array("a", ["v1"], lambda: built)
    again = cached_array("a", ["v1"], lambda: np.zeros(3, dtype=np.uint16))
    assert isinstance(again, np.memmap) and np.array_equal(first, again) and again.dtype == np.uint16
    (path,) = cache.glob("a-*.npy")
    path.write_bytes(path.read_bytes()[:100])  # cut short: the header promises more than is there
    assert np.array_equal(cached_array("a", ["v1"], lambda: built[:5]), built[:5])


def test_a_fluency_hash_table_read_back_is_the_table_built_fresh_and_is_memory_mapped(cache: Path) -> None:
    from tamis.annotate.fluency import HashTable, load_shipped, stored_key

    models = load_shipped("kk")
    assert models is not None
    cold = models.words.table
    warm = load_shipped("kk").words.table  # a new model object: its table read from disk
    fresh = HashTable.build(np.concatenate(models.words.keys), np.concatenate(models.words.costs))
    assert list(cache.glob("fluency-table-*.npy"))
    assert isinstance(warm.cells, np.memmap) and not warm.cells.flags.writeable
    for table in (cold, warm):
        assert table.mask == fresh.mask and np.array_equal(table.cells, fresh.cells)
    keys = stored_key(np.arange(1, 5_000, dtype=np.uint64) << np.uint64(20))  # held and absent keys alike
    assert all(np.array_equal(a, b) for a, b in zip(warm.lookup(keys), fresh.lookup(keys), strict=True))


def test_top_words_read_from_the_cache_are_wordfreqs_own(cache: Path) -> None:
    import wordfreq

    from tamis.text import lexicon

    cold = lexicon.top_words.__wrapped__("ru", 50)
    warm = lexicon.top_words.__wrapped__("ru", 50)
    assert list(cache.glob("top_words-ru-*.json"))
    assert cold == warm == tuple(wordfreq.top_n_list("ru", 50, wordlist="small"))
    assert lexicon.top_words.__wrapped__("xx", 50) == ()


def test_the_glue_lexicon_read_from_the_cache_is_the_one_built_from_wordfreq_in_its_order(
    cache: Path,
) -> None:
    from tamis.repair import glue_splitting

    built = glue_splitting._build_lexicon("de")  # respellings too ("daß" beside "dass")
    cold, warm = glue_splitting.lexicon.__wrapped__("de"), glue_splitting.lexicon.__wrapped__("de")
    assert list(cache.glob("glued_words-lexicon-de-*.json"))
    assert built is not None and "daß" in built
    assert list(cold.items()) == list(warm.items()) == list(built.items())
    assert glue_splitting.lexicon.__wrapped__("xx") is None
