from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tamis.annotate.site_mt import MeasureSiteMachineTranslation
from tamis.config import build_step
from tamis.document import Document, Rejected, Source
from tamis.errors import ConfigError
from tamis.filter.thresholds import RejectByThresholds
from tamis.pipeline import Pipeline

STAGE = MeasureSiteMachineTranslation()


def page(doc_id: str, host: str, probability: float | None, suspected: int = 0) -> Document:
    annotations: dict = {"language": "de", "mt.status": "scored" if probability is not None else "unknown"}
    if probability is not None:
        annotations |= {"mt.probability": probability, "mt.suspected": suspected}
    return Document(
        doc_id, "text", source=Source("f", url=f"https://{host}/{doc_id}"), annotations=annotations
    )


def run_stage(shards: list[list[Document]], work: Path) -> list[Document]:
    for i, docs in enumerate(shards):
        STAGE.map_shard(docs, i, work)
    STAGE.reduce(work, 1)
    return [d for i, docs in enumerate(shards) for d in STAGE.apply_shard(docs, i, work)]


def test_site_share_is_written_to_every_page_of_the_host_across_shards(tmp_path: Path) -> None:
    farm = [page(f"f{i}", "farm.example", 0.95, 1) for i in range(3)] + [page("f3", "farm.example", 0.2, 0)]
    human = [page("h0", "www.news.example", 0.1), page("h1", "news.example", None)]
    out = {d.id: d.annotations for d in run_stage([farm[:2] + human[:1], farm[2:] + human[1:]], tmp_path)}
    assert out["f0"]["site.pages"] == 4 and out["f3"]["site.mt_share"] == 0.75
    assert out["f3"]["site.mt_mean_probability"] == pytest.approx((0.95 * 3 + 0.2) / 4, abs=1e-4)
    # www. is the same host; a page without a probability counts as a page, not as scored
    assert out["h1"]["site.pages"] == 2 and out["h1"]["site.mt_scored_pages"] == 1
    assert out["h1"]["site.mt_share"] == 0.0


def test_site_artifact_share_counts_pages_the_checks_ran_on(tmp_path: Path) -> None:
    spaces = [{"rule": "spaces_before_punctuation", "span": [3, 5], "text": "x ,", "detail": ""}]
    fluency = [{"rule": "fluency", "feature": "comma_rate", "value": 0.1}]
    mirror = [page(f"m{i}", "mirror.example", 0.9) for i in range(3)]
    mirror = [d.replace(annotations={**d.annotations, "mt.reasons": spaces}) for d in mirror[:2]] + mirror[2:]
    unchecked = page("m3", "mirror.example", None)  # mt.status "unknown": no checks ran
    news = [page(f"n{i}", "news.example", 0.2) for i in range(2)]
    news = [d.replace(annotations={**d.annotations, "mt.reasons": fluency}) for d in news]
    out = {d.id: d.annotations for d in run_stage([[*mirror, unchecked], news], tmp_path)}
    assert out["m3"]["site.pages"] == 4 and out["m3"]["site.mt_artifact_share"] == round(2 / 3, 4)
    assert out["n0"]["site.mt_artifact_share"] == 0.0  # fluency reasons are not artifacts


def test_page_without_host_gets_no_site_signals(tmp_path: Path) -> None:
    doc = Document("x", "text", annotations={"mt.probability": 0.9, "mt.suspected": 1, "mt.status": "scored"})
    assert run_stage([[doc]], tmp_path)[0].annotations == doc.annotations


def test_drop_site_rejects_every_page_of_a_farm_naming_the_evidence() -> None:
    f = RejectByThresholds(mt_farm="drop_site")
    reasons = [{"rule": "foreign_ui_line", "text": "Leave a Reply", "span": [-1, -1]}]
    farm_page = {
        "mt.probability": 0.3,
        "mt.reasons": reasons,
        "site.mt_share": 0.8,
        "site.mt_scored_pages": 40,
    }
    verdict = f._judge_mt_farm(farm_page)
    assert isinstance(verdict, Rejected) and verdict.rule == "machine_translated_site"
    assert "site.mt_share=0.8 of 40" in verdict.value and "Leave a Reply" in verdict.value
    assert f._judge_mt_farm({**farm_page, "site.mt_scored_pages": 2}) is None  # too few pages to judge a site
    assert f._judge_mt_farm({**farm_page, "site.mt_share": 0.1}) is None


def test_drop_page_uses_the_operating_threshold_and_flag_keeps() -> None:
    high = {
        "mt.probability": 0.99999,
        "mt.reasons": [{"rule": "fluency", "feature": "comma_rate", "value": 0.1}],
    }
    verdict = RejectByThresholds(mt_farm="drop_page")._judge_mt_farm(high)
    assert verdict is not None and verdict.rule == "machine_translated_page" and "comma_rate" in verdict.value
    assert RejectByThresholds(mt_farm="drop_page")._judge_mt_farm({"mt.probability": 0.01}) is None
    base = {"text.word_count": 100, "gopher.word_count": 100}
    assert (
        RejectByThresholds(mt_farm="flag", overrides={"too_few_sentences": False}).judge(
            {**base, **high}, "de"
        )
        is None
    )


def test_mt_farm_mode_is_checked_and_drop_site_needs_the_site_stage() -> None:
    with pytest.raises(ConfigError, match="mt_farm must be one of"):
        RejectByThresholds(mt_farm="drop")
    steps = [build_step({"use": "annotate.language"}), build_step({"use": "annotate.quality"}),
             build_step({"use": "annotate.machine_translation"})]  # fmt: skip
    with pytest.raises(ConfigError, match=r"site\.mt_share"):
        Pipeline([*steps, RejectByThresholds(mt_farm="drop_site")])
    Pipeline([*steps, STAGE, RejectByThresholds(mt_farm="drop_site")])  # with the stage it builds


# A farm page written for this test: German text with the traces of issue 12 (an English
# comment form, one name spelt two ways, a conjunction capitalised mid-sentence).
FARM_PAGE = """Der Bürgermeister Toruschanek kündigte am Montag einen neuen Plan für den Hafen an.
Die Stadt will in den kommenden Jahren mehr Geld in den Ausbau der Kais investieren, und die Händler hoffen auf neue Kunden.
Ein Sprecher der Verwaltung sagte gegenüber Radio 7 Dass die Arbeiten im Frühjahr beginnen sollen, wenn der Rat zustimmt.
Kritiker bemängeln, dass die Kosten zu hoch seien und der Verkehr in der Innenstadt leiden werde.
Torunaschek wies die Vorwürfe zurück und versprach, die Bürger regelmäßig über den Stand der Arbeiten zu informieren.
Die nächste Sitzung des Rates ist für den kommenden Donnerstag angesetzt, dort soll auch über den Haushalt gesprochen werden.

Leave a Reply"""


@pytest.mark.issue(12)
def test_drop_site_through_tamis_run_drops_the_farm_and_keeps_the_human_site(tmp_path: Path) -> None:
    import orjson
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from tamis.cli import main
    from text_samples import paragraphs

    records = [{"id": f"farm{i}", "text": FARM_PAGE, "url": f"https://farm.example/a{i}"} for i in range(3)]
    records += [
        {"id": f"news{i}", "text": text, "url": f"https://news.example/b{i}"}
        for i, text in enumerate(paragraphs("de")[:3])
    ]
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    config = tmp_path / "farm.toml"
    config.write_text(
        '[[steps]]\nuse = "annotate.language"\n[[steps]]\nuse = "annotate.quality"\n'
        '[[steps]]\nuse = "annotate.machine_translation"\n[[steps]]\nuse = "annotate.site_mt"\n'
        '[[steps]]\nuse = "filter.thresholds"\nmt_farm = "drop_site"\n'
        "overrides = { too_few_sentences = false, too_few_words = false }\n"
    )
    out = tmp_path / "out"
    args = ["run", "--input", str(inp), "--output", str(out), "--config", str(config)]
    result = CliRunner().invoke(main, [*args, "--executor", "serial", "--no-report"])
    assert result.exit_code == 0, result.output
    rejected = pq.read_table(out / "rejected").to_pylist()
    assert sorted(r["id"] for r in rejected) == ["farm0", "farm1", "farm2"]
    assert {r["rule"] for r in rejected} == {"machine_translated_site"}
    assert all("site.mt_share=1.0 of 3" in r["value"] and "Leave a Reply" in r["value"] for r in rejected)


def test_reduce_gives_the_same_sites_at_the_minimum_partitions_and_at_more(tmp_path: Path) -> None:
    from tamis.annotate import site_mt
    from tamis.dedup import partitions as pt
    from tamis.dedup.normalize import h64

    # 60 hosts over 3 shards, probabilities whose float sums depend on the order they are added in
    def probability(shard: int, i: int) -> float | None:
        return None if i % 9 == 0 else (i * 0.137 + shard * 0.011) % 1

    shards = [
        [
            page(f"s{s}p{i}", f"site{(i * 7 + s) % 60}.example", probability(s, i), int(i % 3 == 0))
            for i in range(100)
        ]
        for s in range(3)
    ]
    results = {}
    for minimum in (site_mt._MIN_PARTITIONS, 2 * site_mt._MIN_PARTITIONS, 7):
        work = tmp_path / str(minimum)
        for s, docs in enumerate(shards):
            STAGE.map_shard(docs, s, work)
        counts = site_mt.reduce_sites(work, 1, minimum)
        assert len(pt.load_json(work / "plan.json")["bounds"]) - 1 == minimum
        tables = [pt.load_npy(p) for p in sorted((work / "sites").glob("*.npy"))]
        assert all(np.all(t["host"][1:] > t["host"][:-1]) for t in tables)  # sorted by host hash
        docs = [d for s, docs in enumerate(shards) for d in STAGE.apply_shard(docs, s, work)]
        results[minimum] = (counts, np.sort(np.concatenate(tables), order="host").tobytes(), docs)
    (few_counts, few_table, few_docs), *more = results.values()
    assert few_counts["hosts"] == 60
    for many_counts, many_table, many_docs in more:
        assert many_counts == few_counts and many_table == few_table
        assert [d.annotations for d in many_docs] == [d.annotations for d in few_docs]
    # the mean is the probabilities added page by page in input order, bit for bit as a Python sum gives it
    on_site0 = [d for docs in shards for d in docs if d.source.url.startswith("https://site0.")]
    site0 = [d.annotations["mt.probability"] for d in on_site0 if "mt.probability" in d.annotations]
    total = 0.0
    for p in site0:
        total += p
    table = np.concatenate(tables)
    assert table["mean_probability"][table["host"] == h64("site0.example")].tolist() == [total / len(site0)]
    assert on_site0[0].annotations.get("site.mt_mean_probability") is None  # the input pages are unchanged
    got = next(d for d in many_docs if d.source.url.startswith("https://site0."))
    assert got.annotations["site.mt_mean_probability"] == round(total / len(site0), 4)
