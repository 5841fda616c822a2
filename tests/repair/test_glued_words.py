"""repair.glued_words: a split needs evidence beyond word frequency (a case or script seam, the
spaced pair elsewhere in the text or the corpus, a German article before its noun); the noisy-channel
test for listed tokens; the per-language memo (results must not depend on what was seen before);
the corpus stage's map, reduce and apply."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tamis.cli import main
from tamis.document import Document, replay
from tamis.repair.glue_splitting import channel_split, lexicon, memo
from tamis.repair.glued_words import CorpusGluedWords, SplitGluedWords


def split(text: str, lang: str, step: SplitGluedWords | None = None) -> tuple[str, list[str]]:
    step = step or SplitGluedWords()
    result = step.repair(text, Document(id="t", text=text, annotations={"language": lang}))
    assert replay(text, result.edits) == result.text
    return result.text, [e.evidence for e in result.edits]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # listed by wordfreq because web text glues them; the text writes the pair apart elsewhere
        (
            "He was one ofthe first to arrive, and one of the last to go.",
            "en",
            "He was one of the first to arrive, and one of the last to go.",
        ),
        ("Itis raining again. It is cold.", "en", "It is raining again. It is cold."),
        ("He wasa good man, he was a friend.", "en", "He was a good man, he was a friend."),
        # a capital seam after a function word ("derzeit", "einmann" are words; "derZeit" is a glue)
        ("Das war zu derZeit nicht möglich.", "de", "Das war zu der Zeit nicht möglich."),
        ("Du bist auch einMann, der kann.", "de", "Du bist auch ein Mann, der kann."),
        ("I know thatI was wrong.", "en", "I know that I was wrong."),
        ("Gestern hat dieRegierung entschieden.", "de", "Gestern hat die Regierung entschieden."),
        # glued twice: the half left by the first split is split again when it has evidence too
        (
            "Das wird nicht so leicht seinwieSie denken; es wird sein wie immer.",
            "de",
            "Das wird nicht so leicht sein wie Sie denken; es wird sein wie immer.",
        ),
        # a German article glued to the word before it, with its capitalised noun after it
        (
            "Sie diskutierten insbesondereden Bau eines Kraftwerks.",
            "de",
            "Sie diskutierten insbesondere den Bau eines Kraftwerks.",
        ),
        # a clitic after the apostrophe belongs to the last word only
        (
            '"Butwhat\'s to be done?" she asked. But what could she do?',
            "en",
            '"But what\'s to be done?" she asked. But what could she do?',
        ),
        # next to a closed-class English word a less common word is enough, given the pair
        (
            "The valley wasscreened by trees; it was screened well.",
            "en",
            "The valley was screened by trees; it was screened well.",
        ),
        # words of two alphabets glued, in any language
        ("Это словоWord здесь.", "ru", "Это слово Word здесь."),
    ],
)
def test_glues_split(text: str, lang: str, expected: str) -> None:
    assert split(text, lang)[0] == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # frequency alone is not evidence: without the pair elsewhere the glue stays
        ("He was one ofthe first to arrive.", "en"),
        ("The valley wasscreened by trees.", "en"),
        # issue 10's wrong splits on real pages: a word, a name, a Latin phrase
        ("The backglass of the machine was back in place, behind glass.", "en"),
        ("Anasa said a word to NASA.", "en"),
        ("The estate passed in toto to the heir, who went to town.", "en"),
        # words far more common than their halves' chance meeting stay
        ("Er schwieg, indem er nickte, in dem Moment.", "de"),
        ("She climbed onto the roof, on to the top, and herein lies another problem.", "en"),
        ("Er blieb, dieweil es regnete, die weil es kalt war.", "de"),
        # two content words with a capital between are code or brands, capitalised ones names
        ("Call setActive on the rssUrl of easyJet and FirstGov.", "en"),
        ("She bought an iPhone on eBay.", "en"),
        ("That was confusIng to all of us.", "en"),
        # mojibake of "we’re": an unknown three-letter half after a seam is no word
        ("And weÆre here.", "en"),
        # a capitalised unknown token inside an English sentence is a name
        ("He met Goldmore at noon, and Makepiece too.", "en"),
        ("He was agoin' home.", "en"),
        # a token written twice in one text is a word of it
        ("He said thatI knew, and thatI cared.", "en"),
        # a German article without a capitalised noun after it is no evidence ("eseine völlig")
        ("Ihm zufolge war eseine völlig politische Reise.", "de"),
        # letters of another alphabet that look alike, a brand in two case styles
        ("В разговоpax и ГОГОЛЬfest.", "ru"),
    ],
)
def test_words_stay(text: str, lang: str) -> None:
    assert split(text, lang)[0] == text


def test_evidence_names_the_frequencies_and_the_kind() -> None:
    _, evidence = split("He was one ofthe first, and one of the last.", "en")
    assert evidence == ["ofthe: listed=3.33; of=7.40 the=7.73 (page_pair)"]
    i, z_left, z_right = channel_split(SplitGluedWords(), "ofthe", lexicon("en"), "en")
    assert (i, z_left, z_right) == (2, pytest.approx(7.40, abs=0.01), pytest.approx(7.73, abs=0.01))
    # glued twice: each split names its own evidence; without the pair "sein wie" the half stays
    _, evidence = split("Das wird nicht so leicht seinwieSie denken; es wird sein wie immer.", "de")
    assert evidence == [
        "seinwieSie: unknown; seinwie=0.00 Sie=6.82 (case_seam); sein=6.32 wie=6.65 (page_pair)"
    ]
    assert (
        split("Das wird nicht so leicht seinwieSie denken.", "de")[0]
        == "Das wird nicht so leicht seinwie Sie denken."
    )


def test_channel_is_off_for_languages_not_checked() -> None:
    # French word lists hold English glues and words; the channel is measured for de and en only
    assert channel_split(SplitGluedWords(), "ofthe", lexicon("fr"), "fr") is None


def test_decisions_do_not_depend_on_what_was_seen_before() -> None:
    # the same capitalised listed glue at a sentence start splits, inside an English sentence it
    # reads as a name; the memo keeps both decisions, so the order of documents changes nothing
    step = SplitGluedWords()
    start, inside = "Itis raining again. It is cold.", "We met Itis yesterday. It is cold."
    memo.cache_clear()
    first = [split(start, "en", step), split(inside, "en", step), split(start, "en", step)]
    memo.cache_clear()
    second = [split(inside, "en", step), split(start, "en", step), split(inside, "en", step)]
    want = ("It is raining again. It is cold.", ["Itis: listed=2.70; It=6.95 is=7.07 (page_pair)"])
    assert first[0] == first[2] == second[1] == want
    assert first[1] == second[0] == second[2] == (inside, [])


def test_corpus_stage_splits_with_pairs_the_corpus_writes_apart(tmp_path) -> None:
    # the pair must be written apart at least ten times as often as the token closed
    stage = CorpusGluedWords()
    texts = ["He was one ofthe first.", "One of the best."] + [f"Part {n} of the rest." for n in range(9)]
    docs = [Document(id=f"d{n}", text=t, annotations={"language": "en"}) for n, t in enumerate(texts)]
    stage.map_shard(docs[:2], 0, tmp_path)
    stage.map_shard(docs[2:], 1, tmp_path)
    assert stage.reduce(tmp_path, 1)["glue_evidence_pairs"] >= 1
    out = stage.apply_shard(docs[:2], 0, tmp_path)
    assert out[0].text == "He was one of the first."
    (edit,) = out[0].edits
    assert edit.step == "repair.glued_words_corpus" and edit.evidence.endswith("(corpus_pair)")
    assert replay(docs[0].text, out[0].edits) == out[0].text
    assert out[1] is docs[1]


def test_corpus_stage_leaves_a_token_the_corpus_writes_closed(tmp_path) -> None:
    # "init" is as often closed as "in it" is apart: a word of its own, not a glue
    texts = ["Call init now.", "Run init again.", "Put it in it.", "Leave init there.", "Look in it."]
    docs = [Document(id=f"d{n}", text=t, annotations={"language": "en"}) for n, t in enumerate(texts)]
    stage = CorpusGluedWords()
    stage.map_shard(docs, 0, tmp_path)
    stage.reduce(tmp_path, 1)
    assert [d.text for d in stage.apply_shard(docs, 0, tmp_path)] == texts


def test_a_config_pinning_the_removed_version_1_is_one_clear_line(tmp_path) -> None:
    # version 1 (splits on word frequency alone) is gone since issue 10: the error names the versions
    config = tmp_path / "c.toml"
    config.write_text('[[steps]]\nuse = "repair.glued_words@1"\n', "utf-8")
    result = CliRunner().invoke(
        main, ["clean", "--config", str(config), "-"], input="Ihm zufolge war eseine Reise."
    )
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "'repair.glued_words' has no version 1; known versions: [2]" in line
    assert '"repair.glued_words@2"' in line


# issue 10 item 4: a text that lost its spaces all over (lines joined without a space) is evidence
DENSE = (
    "Admission\nStudents mustpass an entrance exam. The examsare held in June.\n"
    "Foreign studentsshould apply to the ministry."
)


def test_a_text_glued_all_over_is_evidence_for_each_glue() -> None:
    text, evidence = split(DENSE, "en")
    assert text == (
        "Admission\nStudents must pass an entrance exam. The exams are held in June.\n"
        "Foreign students should apply to the ministry."
    )
    assert all(e.endswith("(glue_dense_text)") for e in evidence) and len(evidence) == 3
    german = (
        "Die Bewerber müssen eine Prüfung ablegen. Sie findetim Juni statt. Studierende solltensich bewerben."
    )
    # "müsseneine" in the same text would split on its noun already; two more make the text dense
    assert split(german.replace("müssen eine", "müsseneine"), "de")[0] == german.replace(
        "findetim", "findet im"
    ).replace("solltensich", "sollten sich")


@pytest.mark.parametrize(
    "extra",
    [
        # issue 10's wrong splits stay even in a text glued all over: a name, a compound, a listed word
        "Anasa said so.",
        "The backglass was back.",
        "The estate passed in toto to the heir.",
        # camelCase code and brands are no lost spaces
        "Call setActive on easyJet.",
    ],
)
def test_a_text_glued_all_over_still_keeps_names_compounds_and_known_words(extra: str) -> None:
    text, _ = split(f"{DENSE}\n{extra}", "en")
    assert text.endswith(f"\n{extra}")


def test_one_glue_in_a_text_is_not_glued_all_over() -> None:
    # two such tokens, or three in a long text, are no evidence: clean text has a few rare ones
    for text in (
        "Students mustpass an entrance exam. The examsare held in June.",
        DENSE + " The ministry answers within a week." * 100,
    ):
        assert split(text, "en")[0] == text


def test_the_word_lists_of_every_language_load_before_the_workers_fork() -> None:
    """`setup` loads nothing (`tamis clean` loads only its page's language); `setup(before_fork=True)`,
    which the runner calls in the parent of forked workers, loads every covered language's word
    lists and memo, so that a worker finds them loaded instead of loading its own."""
    from tamis.pipeline import Pipeline

    step = SplitGluedWords(languages=("de", "en"), min_letters=5)  # a memo no other test made
    pipeline = Pipeline([step])
    pipeline.setup()
    before = memo.cache_info()
    pipeline.setup(before_fork=True)
    assert memo.cache_info().misses == before.misses + 2  # built now, once per language
    after = memo.cache_info()
    for lang in ("de", "en"):
        assert memo(step, lang).words is lexicon(lang)
    assert memo.cache_info().misses == after.misses  # a worker's look-ups find them
