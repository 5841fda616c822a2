"""repair.boilerplate_lines remembers line verdicts: results never depend on what was judged before."""

from __future__ import annotations

from pathlib import Path

from tamis.document import Document
from tamis.repair.boilerplate_lines import RemoveBoilerplateLines, _judge_line

PAGES = sorted((Path(__file__).resolve().parent.parent / "data" / "repair").glob("page_*.txt"))
STEP = RemoveBoilerplateLines()


def run(text: str) -> tuple[str, list]:
    r = STEP.repair(text, Document(id="t", text=text))
    return r.text, [(e.rule, e.start, e.end, e.removed) for e in r.edits]


def test_verdicts_are_the_same_with_a_cold_and_a_warm_cache() -> None:
    texts = [p.read_text(encoding="utf-8") for p in PAGES]
    # the same furniture lines inside other pages and next to other lines: gated and ungated
    mixed = ["\n".join(t.splitlines()[::-1]) for t in texts] + ["\n\n".join(texts)]
    cold = []
    for text in texts + mixed:
        _judge_line.cache_clear()
        cold.append(run(text))
    _judge_line.cache_clear()
    warm = [run(text) for text in (texts + mixed)[::-1]][::-1]
    assert warm == cold
    assert _judge_line.cache_info().hits > 0  # the second look at a line is a look-up
    assert any(edits for _, edits in cold)


def test_preload_compiles_every_first_character_group() -> None:
    """Before the workers fork the runner has every pattern group compiled (a worker would compile
    those its pages need, each its own copy); `tamis clean` compiles only its page's."""
    from tamis.repair.boilerplate_lines import RemoveBoilerplateLines, load_rules

    RemoveBoilerplateLines().preload()
    rules = load_rules()
    for groups in (rules.by_first, rules.by_first_tame):
        assert set(groups.sources) <= set(groups)  # compiled and kept: `get` finds each one
        assert all(groups.get(c) is not None for c in groups.sources)
