from __future__ import annotations

import pytest

from tamis.document import Document, replay
from tamis.errors import ConfigError
from tamis.repair.pii import MaskPersonalData, find_pii, iban_ok, luhn_ok

STEP = MaskPersonalData()


@pytest.mark.parametrize(
    ("text", "found", "kind"),
    [
        ("Schreiben Sie an max.mustermann@beispiel.de bitte.", "max.mustermann@beispiel.de", "email"),
        ("Пишите: иван_петров+news@почта.рф", "иван_петров+news@почта.рф", "email"),
        ("Call +44 20 7946 0958 today", "+44 20 7946 0958", "phone"),
        ("Тел. +7 (495) 123-45-67, звоните", "+7 (495) 123-45-67", "phone"),
        ("Тел.: 8 (727) 250-11-22", "8 (727) 250-11-22", "phone"),
        ("Rufen Sie 030 1234567 an", "030 1234567", "phone"),
        ("Fax 089/1234567.", "089/1234567", "phone"),
        ("Appelez le 01 23 45 67 89.", "01 23 45 67 89", "phone"),
        ("Office: (555) 123-4567", "(555) 123-4567", "phone"),
        ("from 192.168.1.20 port 22", "192.168.1.20", "ipv4"),
        ("host 2001:db8::8a2e:370:7334 is up", "2001:db8::8a2e:370:7334", "ipv6"),
        ("IBAN DE89 3704 0044 0532 0130 00.", "DE89 3704 0044 0532 0130 00", "iban"),
        ("IBAN GB82WEST12345698765432", "GB82WEST12345698765432", "iban"),
        ("Visa 4111 1111 1111 1111 exp", "4111 1111 1111 1111", "credit_card"),
        ("Amex 378282246310005.", "378282246310005", "credit_card"),
    ],
)
def test_finds_personal_data(text: str, found: str, kind: str) -> None:
    assert [(text[s:e], k) for s, e, k in find_pii(text)] == [(found, kind)]


@pytest.mark.parametrize(
    "text",
    [
        "Version 1.2.3.4 is out; see v2.10.0.1 too.",
        "Am 12.03.2021 und am 2023-10-05 um 12:30:45 Uhr.",
        "In den Jahren 1999 2000 2001 stieg der Preis auf 1.299,00 EUR bzw. $1,299.99.",
        "ISBN 978-3-16-148410-0 and ISBN 9783161484100.",
        "Order id 123456789012 and 4111 1111 1111 1112 (bad Luhn).",
        "IBAN DE89 3704 0044 0532 0130 01 has a wrong checksum.",
        "pi is 3.14159265358979 and e is 2.718281828.",
        "Population: 146 171 015 people; area 17 098 246 km².",
        # a date then a time, as news pages print them: the hour is no part of a phone number
        "Updated: 03/03/2024 14:35",
        "Aktualisiert am 03.03.2024 14:35 Uhr, Stand: 01.02.2024 08:00",
        "Опубликовано 03.03.2024 14:35 — 04.03.2024 15:00",
        "Publié le 03/03/2024 14h35",
    ],
)
def test_leaves_lookalikes_alone(text: str) -> None:
    assert find_pii(text) == []


def test_checksums() -> None:
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")
    assert iban_ok("FR14 2004 1010 0505 0001 3M02 606") and not iban_ok("FR14 2004 1010 0505 0001 3M02 607")


def test_masks_are_edits_and_counts_are_annotations() -> None:
    text = "Kontakt: info@example.com, Tel. +49 30 1234567, IBAN DE89 3704 0044 0532 0130 00."
    result = STEP.repair(text, Document("d", text))
    assert result.text == "Kontakt: <EMAIL>, Tel. <PHONE>, IBAN <IBAN>."
    assert [e.rule for e in result.edits] == ["email", "phone", "iban"]
    assert replay(text, result.edits) == result.text
    assert result.annotations["pii.email_count"] == 1 and result.annotations["pii.ipv4_count"] == 0


def test_mask_only_the_configured_kinds_in_the_configured_format() -> None:
    text = "mail a@b.org or call +49 30 1234567"
    result = MaskPersonalData(mask=("email",), mask_format="[{KIND}]").repair(text, Document("d", text))
    assert result.text == "mail [EMAIL] or call +49 30 1234567"
    assert result.annotations["pii.phone_count"] == 1
    with pytest.raises(ConfigError):
        MaskPersonalData(mask=("ssn",))


def test_text_without_pii_is_unchanged() -> None:
    text = "Ein ganz gewöhnlicher Satz ohne Daten, geschrieben am 3. Mai 2024."
    result = STEP.repair(text, Document("d", text))
    assert result.text == text and not result.edits


def test_a_large_page_full_of_numbers_is_linear() -> None:
    # regression: the overlap check was quadratic (117 s for 5 MB with 70k phone numbers)
    import time

    text = "Rufen Sie uns unter 030 1234567 an, wir sind da. " * 40_000  # 2 MB, 40k numbers
    t0 = time.perf_counter()
    result = STEP.repair(text, Document("d", text))
    assert result.annotations["pii.phone_count"] == 40_000
    assert time.perf_counter() - t0 < 30


def _find_pii_everywhere(text: str) -> list[tuple[int, int, str]]:
    """`find_pii` as it was before the number runs: every pattern tried over the whole text."""
    from bisect import bisect_left

    from tamis.repair.pii import DETECTORS

    taken: list[tuple[int, int, str]] = []
    for kind, (pattern, valid) in DETECTORS.items():
        for m in pattern.finditer(text):
            s, e = m.span()
            i = bisect_left(taken, (s,))
            if (i > 0 and taken[i - 1][1] > s) or (i < len(taken) and taken[i][0] < e):
                continue
            if valid(m, text):
                taken.insert(i, (s, e, kind))
    return taken


def test_number_runs_find_what_the_patterns_find_everywhere() -> None:
    """The patterns tried only inside runs of digits and separators (and e-mail only where "@" is)
    find exactly what they find over the whole text: made-up strings of digits (ASCII, Arabic-
    Indic, full-width, a digit of a newer Unicode than the stdlib's), separators, letters and
    marks around the runs' edges (a "+" or "(" before the first digit, "," or "." then a digit
    after the last), and numbers of each kind written into prose."""
    import random

    rng = random.Random(7)
    alphabet = [*"0123456789 +.()/-,:@aZ\n", "٣", "４", "\U00010d40", "x", "DE", "²", "\u00a0"]
    samples = [
        "+49 30 1234567", "030 1234567", "4111 1111 1111 1111", "4222222222222", "192.168.1.20", "1.1.1.1",
        "(555) 123-4567", "a@b.de", "Tel.", "and", "12", "2024", "03.03.2024 14:35",
    ]  # fmt: skip
    edges = ["", " ", "+", "(", "a", ".", ",", ",5", ".5", "x", "/", "-", "1", "\n"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(20_000)]
    texts += [
        "".join(rng.choice(edges) + rng.choice(samples) + rng.choice(edges) for _ in range(rng.randint(1, 6)))
        for _ in range(20_000)
    ]
    assert sum(bool(find_pii(t)) for t in texts) > 3_000  # the strings do hold personal data
    for text in texts:
        assert find_pii(text) == _find_pii_everywhere(text), text
