"""repair.debris_lines: menus, share bars and link lists around an article go; its paragraphs stay.

The pages are composed here: real paragraphs from tests/data (permissive corpora) with page
furniture written for these tests in several languages, laid out as a crawler's plain text has it
(one block per line, the menu before the article, related links and a footer after it).
"""

from __future__ import annotations

import numpy as np
import pytest

from step_runner import run_repair
from tamis.repair.debris_lines import WORDS, DebrisModel, RemoveDebrisLines, TreeEnsemble, load_model
from tamis.repair.line_features import (
    FEATURE_NAMES,
    LINE_FEATURES,
    TOKEN_BITS,
    line_tokens,
    page_features,
    page_features_and_tokens,
)
from text_samples import LANGS, paragraphs

STEP = RemoveDebrisLines()

#: page furniture per language, written for these tests: a menu (one item a line), a breadcrumb,
#: a share bar, a related-links list, footer links
FURNITURE = {
    "en": (
        ["Home", "World", "Business", "Sport", "Culture", "Weather"],
        "Home › News › Europe",
        "Share this article: Facebook | Twitter | Email",
        [
            "More from Europe",
            "Five things to know about the new rail timetable",
            "Watch: the harbour at night",
            "Quiz of the week",
        ],
        ["About us", "Contact", "Privacy policy", "Terms of use", "© 2024 The Morning Ledger"],
    ),
    "de": (
        ["Startseite", "Politik", "Wirtschaft", "Sport", "Kultur", "Wetter"],
        "Startseite › Nachrichten › Europa",
        "Artikel teilen: Facebook | Twitter | E-Mail",
        [
            "Mehr aus Europa",
            "Fünf Fragen zum neuen Fahrplan",
            "Video: Der Hafen bei Nacht",
            "Das Quiz der Woche",
        ],
        ["Über uns", "Kontakt", "Datenschutz", "Impressum", "© 2024 Der Morgenbote"],
    ),
    "fr": (
        ["Accueil", "Monde", "Économie", "Sport", "Culture", "Météo"],
        "Accueil › Actualités › Europe",
        "Partager : Facebook | Twitter | E-mail",
        [
            "Plus d'Europe",
            "Cinq questions sur les nouveaux horaires",
            "Vidéo : le port la nuit",
            "Le quiz de la semaine",
        ],
        ["Qui sommes-nous", "Contact", "Confidentialité", "Mentions légales", "© 2024 Le Matin du Port"],
    ),
    "ru": (
        ["Главная", "В мире", "Экономика", "Спорт", "Культура", "Погода"],
        "Главная › Новости › Европа",
        "Поделиться: ВКонтакте | Telegram | E-mail",
        ["Ещё о Европе", "Пять вопросов о новом расписании", "Видео: порт ночью", "Тест недели"],
        ["О нас", "Контакты", "Политика конфиденциальности", "Реклама", "© 2024 Утренний вестник"],
    ),
    "uk": (
        ["Головна", "Світ", "Економіка", "Спорт", "Культура", "Погода"],
        "Головна › Новини › Європа",
        "Поділитися: Facebook | Telegram | E-mail",
        ["Більше про Європу", "П'ять питань про новий розклад", "Відео: порт уночі", "Тест тижня"],
        ["Про нас", "Контакти", "Політика конфіденційності", "Реклама", "© 2024 Ранковий вісник"],
    ),
    "kk": (
        ["Басты бет", "Әлем", "Экономика", "Спорт", "Мәдениет", "Ауа райы"],
        "Басты бет › Жаңалықтар › Еуропа",
        "Бөлісу: Facebook | Telegram | E-mail",
        ["Еуропа туралы тағы", "Жаңа кесте туралы бес сұрақ", "Бейне: түнгі порт", "Апта тесті"],
        ["Біз туралы", "Байланыс", "Құпиялылық саясаты", "Жарнама", "© 2024 Таңғы хабаршы"],
    ),
}


def page(lang: str) -> tuple[str, list[str], list[str]]:
    """A composed page: (text, its article paragraphs, its furniture lines)."""
    menu, crumbs, share, related, footer = FURNITURE[lang]
    body = [p.replace("\n", " ") for p in paragraphs(lang)[:4]]
    furniture = [*menu, crumbs, share, *related, *footer]
    lines = [*menu, crumbs, *body, share, *related, *footer]
    return "\n".join(lines), body, furniture


@pytest.mark.parametrize("lang", LANGS)
def test_furniture_goes_and_paragraphs_stay(lang: str) -> None:
    text, body, furniture = page(lang)
    fixed, edits = run_repair(STEP, text, lang)  # (checks that the edits replay)
    kept = fixed.split("\n")
    assert all(p in kept for p in body), "an article paragraph was removed"
    gone = [line for line in furniture if line not in kept]
    assert len(gone) >= 0.8 * len(furniture), f"furniture kept: {[f for f in furniture if f in kept]}"
    assert all(e.rule == "debris_line" for e in edits)


def test_each_removal_says_why() -> None:
    text, _, _ = page("en")
    _, edits = run_repair(STEP, text, "en")
    assert edits
    for e in edits:
        probability, features = e.evidence.split("; ")
        assert float(probability.removeprefix("p=")) >= load_model().threshold
        assert all(name in (*FEATURE_NAMES, WORDS) for name in features.split(", "))


def test_a_plain_article_is_left_alone() -> None:
    # paragraphs and their blank lines only: prose is never furniture
    text = "\n\n".join(p.replace("\n", " ") for p in paragraphs("de")[:6])
    assert run_repair(STEP, text, "de") == (text, [])


def test_blank_lines_are_not_lines_of_the_page() -> None:
    # the model reads non-blank lines only, so spacing between blocks changes no decision
    text, _, _ = page("fr")
    spaced = text.replace("\n", "\n\n")
    removed = [e.removed.strip() for e in run_repair(STEP, text, "fr")[1]]
    assert [e.removed.strip() for e in run_repair(STEP, spaced, "fr")[1]] == removed


def test_short_texts_are_not_pages() -> None:
    assert run_repair(STEP, "Home\nNews", "en") == ("Home\nNews", [])


def test_features_of_a_line_do_not_depend_on_far_away_lines() -> None:
    # own-line columns see only the line itself: a menu word is a menu word anywhere
    text, _, _ = page("ru")
    lines = text.split("\n")
    # (every line of this page is unique, so copies in the page agree too; lines of the same
    # rough shape are counted over the page, so that column is left out)
    own = [i for i, name in enumerate(LINE_FEATURES) if name != "log_shape_copies_in_page"]
    a = page_features(lines)[0, own]
    b = page_features(lines[:1] + lines[-3:])[0, own]
    np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.fixture(scope="module")
def default_pipeline():
    from tamis.config import load

    return load().pipeline


@pytest.mark.parametrize("lang", ["en", "de", "ru", "kk"])
def test_tamis_clean_keeps_the_article_only(default_pipeline, lang: str) -> None:
    # the whole default pipeline, as `tamis clean` runs it: the rule steps take the menus they
    # know, the title and captions are taken, the model the rest; the article stays whole
    from tamis.clean import clean_document
    from tamis.document import replay

    text, body, furniture = page(lang)
    doc = clean_document(text, default_pipeline)
    kept = doc.text.split("\n")
    assert all(p in kept for p in body)
    assert len([f for f in furniture if f not in kept]) >= 0.8 * len(furniture)
    assert replay(text, doc.edits) == doc.text


def test_a_list_the_article_introduces_stays() -> None:
    # short "• " items read like menu items; after a kept line ending in a colon they are the article's
    text, body, _ = page("de")
    items = ["• höhere Preise für Heizöl", "• mehr Züge am Wochenende", "• neue Radwege"]
    lines = text.split("\n")
    at = lines.index(body[-1]) + 1
    text = "\n".join([*lines[:at], "Der Plan sieht unter anderem vor:", *items, *lines[at:]])
    kept = run_repair(STEP, text, "de")[0].split("\n")
    assert all(item in kept for item in items)
    assert "Der Plan sieht unter anderem vor:" in kept


def test_templated_lines_are_marked_in_every_script() -> None:
    # digits carry the template whatever the script: counts in category lists, comment headers
    lines = [
        "Startseite",
        "Wandern (12)",
        "露营地 (3)",
        "#3 Anna 2013/12/28 20:34",
        "#4 Карл 2013/12/29 08:15",
        "The council met on Monday and voted to keep the library open until nine.",
    ]
    x = page_features(lines)

    def column(name: str) -> list[float]:
        return x[:, FEATURE_NAMES.index(name)].tolist()

    assert column("ends_count") == [0, 1, 1, 0, 0, 0]
    assert column("time_or_date") == [0, 0, 0, 1, 1, 0]
    shape = column("log_shape_copies_in_page")
    assert shape[3] == shape[4] > 0 and shape[5] == 0


def test_a_sentence_without_spaces_is_not_a_short_line() -> None:
    # Chinese and Japanese write no spaces between words: a sentence is one run of letters
    lines = [
        "首页",
        "新闻",
        "市议会星期一开会讨论了图书馆的未来，并决定延长开放时间到晚上九点。",
        "图书馆每年接待的读者超过十万人，其中一半是学生和退休老人。",
        "联系我们",
        "会議は月曜日に開かれ、図書館を夜九時まで開けておくことが決まった。",
    ]
    x = page_features(lines)
    short = x[:, FEATURE_NAMES.index("short_line")].tolist()
    long_sentence = x[:, FEATURE_NAMES.index("long_sentence")].tolist()
    assert short == [1, 1, 0, 0, 1, 0]
    assert long_sentence == [0, 0, 1, 1, 0, 1]
    assert x[2, FEATURE_NAMES.index("in_main_text")] == 1


def _generated_page(rng: np.random.Generator, n: int) -> list[str]:
    """Lines of a page written here: menu words, stamps, short headings and sentences of varied length."""
    words = ["library", "council", "Monday", "voted", "open", "the", "and", "Räte", "Библиотека", "图书馆"]
    lines = []
    for _ in range(n):
        kind = rng.integers(0, 4)
        if kind == 0:
            lines.append(str(rng.choice(["Home", "News", "Sport (3)", "12:45", "Kontakt"])))
        else:
            k = int(rng.integers(1, 30 if kind == 3 else 6))
            line = " ".join(str(w) for w in rng.choice(words, k)).capitalize()
            lines.append(line + ("." if kind >= 2 else ""))
    return lines


def test_the_short_page_path_gives_the_same_features_bit_for_bit() -> None:
    # pages of up to SMALL_PAGE lines take their main-text rows from plain Python: same values,
    # so the same decisions, as the numpy path
    import tamis.repair.line_features as line_features

    rng = np.random.default_rng(7)
    pages = [_generated_page(rng, int(n)) for n in rng.integers(1, line_features.SMALL_PAGE + 1, 300)]
    pages.append(page("en")[0].split("\n"))
    small = [page_features(p) for p in pages]
    saved = line_features.SMALL_PAGE
    try:
        line_features.SMALL_PAGE = 0
        for lines, x in zip(pages, small, strict=True):
            assert np.array_equal(page_features(lines), x, equal_nan=True)
    finally:
        line_features.SMALL_PAGE = saved


def test_a_word_has_one_bucket_in_any_case_line_or_page() -> None:
    # hashed words stand in for a word list in every language: "Antworten" on one page must
    # be "antworten" on the next; scripts without spaces hash pairs of characters
    rows, buckets, values = line_tokens(["Antworten", "Bitte antworten Sie", "ANTWORTEN!"])
    assert rows.tolist() == [0, 1, 1, 1, 2]
    assert buckets[0] == buckets[2] == buckets[4] != buckets[1]
    np.testing.assert_allclose(values, [1, 3**-0.5, 3**-0.5, 3**-0.5, 1])
    other = line_tokens(["Home", "Bitte antworten"])[1]
    assert other[2] == buckets[0]
    rows, buckets, _ = line_tokens(["回覆留言", "留言"])
    assert rows.tolist() == [0, 0, 0, 1]  # 回覆, 覆留, 留言 | 留言
    assert buckets[2] == buckets[3] and (buckets < 2**TOKEN_BITS).all()


def test_features_and_tokens_read_together_are_the_same() -> None:
    lines = [*page("ru")[0].split("\n"), "市议会星期一开会。", "#3 Anna 2013/12/28 20:34"]
    x, tokens = page_features_and_tokens(lines)
    assert np.array_equal(x, page_features(lines))
    for a, b in zip(tokens, line_tokens(lines), strict=True):
        assert np.array_equal(a, b)


def test_a_model_with_word_weights_removes_by_words_and_says_so(tmp_path) -> None:
    # the plumbing of word weights: saved and loaded with the model, added to the logit, and
    # named in the evidence of the lines they decided
    text = page("en")[0]
    lines = text.split("\n")
    n = len(FEATURE_NAMES)
    bucket = int(line_tokens(["weather"])[1][0])
    words = np.zeros(2**TOKEN_BITS, dtype=np.float32)
    words[bucket] = 20.0
    model = DebrisModel(
        np.zeros(n, np.float32), np.ones(n, np.float32), None, None, np.zeros(n, np.float32), -10.0
    )
    model = DebrisModel(**{**model.__dict__, "token_weights": words})
    path = tmp_path / "words.npz"
    model.save(path, provenance={})
    edits = run_repair(RemoveDebrisLines(model=str(path)), text, "en")[1]
    assert [e.removed.strip() for e in edits] == [s for s in lines if "weather" in s.lower()] == ["Weather"]
    assert edits[0].evidence.split("; ")[1].split(", ")[0] == WORDS


def _walk_one(trees: TreeEnsemble, row: np.ndarray) -> tuple[float, dict[int, float]]:
    """One row through every tree, node by node: its score and each feature's change of score."""
    score, credit = 0.0, {}
    inner = trees.feature.shape[1]
    for t in range(len(trees.feature)):
        k = 0
        while k < inner:
            feature = int(trees.feature[t, k])
            following = 2 * k + 1 + int(row[feature] > trees.threshold[t, k])
            credit[feature] = credit.get(feature, 0.0) + float(trees.value[t, following] - trees.value[t, k])
            k = following
        score += float(trees.value[t, k])
    return score, credit


def test_the_shipped_trees_walked_at_once_score_as_one_row_at_a_time(tmp_path) -> None:
    # the vectorised walk of all trees against a plain walk of each row through each tree, on the
    # features of a real-looking page; and the trees survive a save and load bit for bit
    model = load_model()
    assert model.trees is not None
    x = page_features(page("de")[0].split("\n"))
    leaves = model.trees.leaves(x)
    scores, credits = model.trees.scores(leaves), model.trees.credits(leaves, x.shape[1])
    for row, score, credit in zip(x, scores, credits, strict=True):
        expected, by_feature = _walk_one(model.trees, row)
        assert score == pytest.approx(expected, abs=1e-5)
        assert credit[list(by_feature)] == pytest.approx(list(by_feature.values()), abs=1e-5)
        assert credit.sum() == pytest.approx(expected - float(model.trees.value[:, 0].sum()), abs=1e-4)
    model.save(tmp_path / "m.npz", provenance={})
    again = DebrisModel.load(tmp_path / "m.npz")
    assert again.trees is not None and np.array_equal(again.trees.scores(again.trees.leaves(x)), scores)
    assert np.array_equal(again.logits(x), model.logits(x))


def test_a_feature_the_trees_split_on_is_named_when_it_decides() -> None:
    # a model whose only say is one tree on `log_pipes`: the lines with pipes go, and the
    # evidence names that feature
    n = len(FEATURE_NAMES)
    pipes = FEATURE_NAMES.index("log_pipes")
    trees = TreeEnsemble(
        feature=np.array([[pipes]]),
        threshold=np.array([[0.5]], dtype=np.float32),
        value=np.array([[0.0, -10.0, 10.0]], dtype=np.float32),
    )
    model = DebrisModel(
        np.zeros(n, np.float32), np.ones(n, np.float32), None, None, np.zeros(n, np.float32), 0.0, trees=trees
    )
    text = page("en")[0]
    x = page_features(text.split("\n"))
    p = model.probabilities(x)
    assert ((p > 0.5) == (x[:, pipes] > 0.5)).all() and (p > 0.5).any()
    decided = model.deciding_features(x[p > 0.5], top=1)
    assert all(names == ["log_pipes"] for names in decided)
