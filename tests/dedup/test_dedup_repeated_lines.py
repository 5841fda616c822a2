"""dedup.repeated_lines: site and corpus boilerplate removed as replayable edits; dialogue survives."""

from __future__ import annotations

from pathlib import Path

from dedup_helpers import doc, paragraphs, run_phases

from tamis.dedup.repeated_lines import RemoveRepeatedLines
from tamis.document import replay

MENU = "Home | News | Sport | Contact"
COOKIE = "We use cookies to ensure that we give you the best experience on our website. Accept"


def _site_docs(host: str, bodies: list[str], head: list[str], foot: list[str], prefix: str) -> list:
    return [
        doc(f"{prefix}{i}", "\n".join([*head, body, *foot]), f"https://www.{host}/post/{i}")
        for i, body in enumerate(bodies)
    ]


def _removed_lines(d) -> list[tuple[str, str]]:
    return [(e.rule, e.removed.strip("\n")) for e in d.edits]


def test_site_menu_and_corpus_banner_removed_with_replayable_edits(tmp_path: Path) -> None:
    p = paragraphs()
    site = _site_docs("news-a.com", p[:4], [MENU], ["© 2021 News A. All rights reserved."], "a")
    # the cookie banner sits on 12 different one-page sites: only the corpus count can see it
    others = [doc(f"o{i}", f"{p[4 + i]}\n{COOKIE}", f"https://site{i}.org/x") for i in range(12)]
    out = run_phases(RemoveRepeatedLines(), [site, others], tmp_path)
    by_id = {d.id: d for d in out}
    for i in range(4):
        d = by_id[f"a{i}"]
        assert d.text == p[i]
        assert replay(d.original, d.edits) == d.text
        assert _removed_lines(d) == [
            ("repeated_line_site", MENU),
            ("repeated_line_site", "© 2021 News A. All rights reserved."),
        ]
    for i in range(12):
        d = by_id[f"o{i}"]
        assert d.text == p[4 + i] and _removed_lines(d) == [("repeated_line_corpus", COOKIE)]
        assert replay(d.original, d.edits) == d.text


def test_exact_copies_count_once(tmp_path: Path) -> None:
    # the same page crawled 5 times on one site: its lines are not "repeated across the site"
    p = paragraphs()[0]
    docs = [doc(f"c{i}", f"Title line of the page\n{p}", f"https://blog.example/p?{i}") for i in range(5)]
    out = run_phases(RemoveRepeatedLines(), [docs], tmp_path)
    assert all(d.text == d.original for d in out)


def test_short_dialogue_lines_survive_but_short_menu_items_do_not(tmp_path: Path) -> None:
    p = paragraphs()
    # a novel site: "Yes." is a reply in 3 of 8 chapters; "Next chapter" ends every chapter
    chapters = []
    for i in range(8):
        lines = [p[i], "Yes."] if i % 3 == 0 else [p[i]]
        chapters.append(
            doc(f"ch{i}", "\n".join([*lines, p[i + 8][:200], "Next chapter"]), f"https://novel.example/ch{i}")
        )
    # and "Yes." is a line of 12 more documents on other sites, above the corpus threshold
    elsewhere = [
        doc(f"e{i}", f"{p[i + 10][:150]}\nYes.\n{p[i][:100]}", f"https://s{i}.example/") for i in range(12)
    ]
    out = run_phases(RemoveRepeatedLines(), [chapters, elsewhere], tmp_path)
    by_id = {d.id: d for d in out}
    for i in range(8):
        d = by_id[f"ch{i}"]
        assert "Next chapter" not in d.text
        assert ("Yes." in d.text.split("\n")) == (i % 3 == 0)
        assert replay(d.original, d.edits) == d.text
    assert all("Yes." in by_id[f"e{i}"].text.split("\n") for i in range(12))


def test_a_page_of_nothing_but_boilerplate_is_rejected(tmp_path: Path) -> None:
    p = paragraphs()
    docs = _site_docs("shop.example", p[:3], [MENU], ["Subscribe to our newsletter"], "s")
    empty = doc("s-empty", f"{MENU}\n\nSubscribe to our newsletter", "https://shop.example/404")
    out = run_phases(RemoveRepeatedLines(), [[*docs, empty]], tmp_path)
    verdict = {d.id: d.verdict for d in out}["s-empty"]
    assert verdict is not None and verdict.rule == "only_repeated_lines"


def test_lines_between_paragraphs_leave_one_blank_line(tmp_path: Path) -> None:
    # pages whose paragraphs are separated by blank lines: the menu opens the page, the share
    # line sits between two paragraphs, the footer closes it after a blank line
    p = paragraphs()
    share = "Share this article on Facebook Twitter WhatsApp"
    footer = "© 2021 News B. All rights reserved."
    pages = [
        doc(
            f"b{i}",
            f"{MENU}\n\n{p[2 * i]}\n\n{share}\n\n{p[2 * i + 1]}\n\n{footer}",
            f"https://news-b.com/{i}",
        )
        for i in range(4)
    ]
    out = run_phases(RemoveRepeatedLines(), [pages], tmp_path)
    for i, d in enumerate(sorted(out, key=lambda d: d.id)):
        assert d.text == f"{p[2 * i]}\n\n{p[2 * i + 1]}"
        assert replay(d.original, d.edits) == d.text
