"""Find personal data (e-mail, phone, IP, IBAN, card numbers), count it, and mask it as configured.

Masking changes the text, so this is a Repair step (`repair.pii`): every mask is an Edit
whose rule names the kind, and the counts are stored as `pii.<kind>_count` annotations.
Numbers that only look like personal data are left alone: an IBAN must pass its mod-97
check, a card number the Luhn check and a known card prefix; dates, years, prices,
version numbers and ISBNs are not phone numbers or addresses (tests/repair/test_pii.py).
"""

from __future__ import annotations

import functools
import ipaddress
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import regex

from tamis.document import Document
from tamis.errors import ConfigError
from tamis.steps import Repair, Repaired, register
from tamis.text.char_scan import class_table, lines_kernel

EMAIL = regex.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[^\W\d_]{2,24}(?![\w-])")
# International (+49 30 1234567, +7 (495) 123-45-67) and national (030 1234567,
# 01 23 45 67 89, 8 (495) 123-45-67, (555) 123-4567) formats: digit groups joined by one
# space, dot, dash or slash; validated by `_is_phone`.
PHONE = regex.compile(
    r"(?<![\w+./-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,8}(?:[ ./-]\(?\d{1,8}\)?){0,5}(?![\w/-]|[.,]\d)"
)
IPV4 = regex.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.]|\.\d)"
)
IPV6 = regex.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)(?![\w:])")
IBAN = regex.compile(r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)")
CARD = regex.compile(r"(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w]|[.,]\d)")

_DATE = regex.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
# a date with a four-digit year, day and month in range, then the hour ("03/03/2024 14")
_DATE_TIME = regex.compile(r"(?:0?[1-9]|[12]\d|3[01])([./-])(?:0?[1-9]|1[0-2])\1\d{4} \d{1,2}$")
_TIME_AFTER = regex.compile(r"[:h]\d\d(?!\d)")  # "… 14:35", "… 14h35": the match ended at an hour
_VERSION_BEFORE = regex.compile(r"\b(?:v|version|release|ver\.?)\s*$", regex.I)
# issuer prefix and length: Visa, Mastercard, American Express, Discover
_CARD_NUMBER = regex.compile(
    r"4\d{12}(?:\d{3}){0,2}|(?:5[1-5]\d\d|2[2-7]\d\d)\d{12}|3[47]\d{13}|6(?:011|5\d\d)\d{12,15}"
)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of card numbers.

    >>> luhn_ok("4111111111111111"), luhn_ok("4111111111111112")
    (True, False)
    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """The ISO 13616 mod-97 check of an IBAN (spaces ignored).

    >>> iban_ok("DE89 3704 0044 0532 0130 00"), iban_ok("DE89 3704 0044 0532 0130 01")
    (True, False)
    """
    s = iban.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _is_phone(m: regex.Match[str], text: str) -> bool:
    s = m.group()
    digits = sum(c.isdigit() for c in s)
    if not 7 <= digits <= 15 or _DATE.fullmatch(s) or _DATE_TIME.match(s) or _TIME_AFTER.match(text, m.end()):
        return False  # "03.03.2024 14:35": a date and the hour of a time, on every news page
    groups = regex.split(r"[ ./()-]+", s.strip("+() "))
    if s.startswith("+"):
        return digits >= 8
    if regex.fullmatch(r"\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}", s):
        return True  # North American (555) 123-4567
    if len(groups) < 2 or ("." in s and not s.startswith("0")):
        return False
    # national numbers start with a trunk prefix 0 (de, fr, uk, ...) or 8 (ru, kk)
    if s.startswith(("0", "(0")) or (s.startswith(("8 (", "8(", "8-", "8 ")) and digits == 11):
        return digits >= 8 and not all(len(g) == 4 for g in groups)
    return False


def _is_ipv4(m: regex.Match[str], text: str) -> bool:
    return not _VERSION_BEFORE.search(text[max(0, m.start() - 12) : m.start()])


def _is_ipv6(m: regex.Match[str], text: str) -> bool:
    s = m.group()
    if s.count(":") < 2 or sum(c.isalnum() for c in s) < 4:
        return False
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


def _is_iban(m: regex.Match[str], text: str) -> bool:
    return iban_ok(m.group())


def _is_card(m: regex.Match[str], text: str) -> bool:
    digits = "".join(c for c in m.group() if c.isdigit())
    return bool(_CARD_NUMBER.fullmatch(digits)) and luhn_ok(digits)


def _always(m: regex.Match[str], text: str) -> bool:
    return True


#: kind -> (pattern, validator), in priority order: an earlier kind wins an overlap.
DETECTORS: dict[str, tuple[regex.Pattern[str], Callable[[regex.Match[str], str], bool]]] = {
    "email": (EMAIL, _always),
    "iban": (IBAN, _is_iban),
    "credit_card": (CARD, _is_card),
    "ipv6": (IPV6, _is_ipv6),
    "ipv4": (IPV4, _is_ipv4),
    "phone": (PHONE, _is_phone),
}


#: The runs of digits and phone separators of at least 7 characters from a digit on. Every match
#: of PHONE, CARD and IPV4 is made of digits and those separators (CARD's " -" and IPV4's "." are
#: among them), so it lies inside one such run, starting at most one character ("+", "(") before
#: the run's first digit; a valid one holds 7 digits (phone), 13 (card) or 7 characters (IPv4),
#: so runs that start at a digit and are shorter hold none. Same module and `\d` as the
#: patterns, so the same digits.
_NUMBER_RUN = regex.compile(r"\d[\d +.()/-]{6,}")
#: kind -> the fewest characters from a run's first digit to its end that a valid match needs
_MIN_RUN = {"credit_card": 13, "ipv4": 7, "phone": 7}


def _matches(
    kind: str, pattern: regex.Pattern[str], text: str, runs: list[tuple[int, int]]
) -> Iterable[regex.Match[str]]:
    """The matches of `kind`'s pattern over `text` that can be valid, in text order: all of them
    except e-mail addresses in a text without "@" and phone and card numbers outside `runs`
    (`_NUMBER_RUN`). One scan for the runs costs less than the pattern tried at every
    character and a Python check of every number on the page (docs/repair-speed.md)."""
    if kind == "email":
        return pattern.finditer(text) if "@" in text else ()
    if kind == "iban" and (k := lines_kernel()) is not None:
        return _match_from(pattern, text, k.sequence_starts(text, _pii_table(), b"\x04\x04\x01\x01"))
    least = _MIN_RUN.get(kind)
    if least is None:
        return pattern.finditer(text)
    return (
        m
        for start, end in runs
        if end - start >= least
        # no match reaches past the run; its look-ahead reads 2 characters beyond it, its
        # look-behind the text before `pos` (`regex` looks behind `pos`)
        for m in pattern.finditer(text, max(0, start - 1), end + 2)
        if m.start() < end
    )


@functools.cache
def _pii_table() -> object:
    """Bits for the kernel, in the patterns' own module: 1 a digit (`\\d`), 2 a character of
    `_NUMBER_RUN`'s runs, 4 a letter that can open an IBAN (`[A-Z]`)."""
    return class_table([(r"\d", 1), (r"[\d +.()/-]", 2), ("[A-Z]", 4)], engine=regex)


def number_runs(text: str) -> list[tuple[int, int]]:
    """The spans of `_NUMBER_RUN` in `text`: in the kernel (~4x faster) when it is built.

    >>> number_runs("call 030 1234567 or 12 34")
    [(5, 17)]
    """
    k = lines_kernel()
    if k is None:
        return [m.span() for m in _NUMBER_RUN.finditer(text)]
    return k.runs_from(text, _pii_table(), 7)


def _match_from(pattern: regex.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[regex.Match[str]]:
    """What `pattern.finditer(text)` gives for a pattern whose every match starts at one of
    `starts` (ascending): the pattern tried at those only, each after the last match's end
    (IBAN: two capitals and two digits open every match; `regex` looks behind `pos`)."""
    end = 0
    for start in starts:
        if start >= end and (m := pattern.match(text, start)) is not None:
            end = m.end()
            yield m


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping `(start, end, kind)` spans of personal data, in text order.

    >>> find_pii("Mail a.b@example.org or call +49 30 1234567.")
    [(5, 20, 'email'), (29, 43, 'phone')]
    """
    starts: list[int] = []  # taken spans, sorted and non-overlapping: starts, ends, kinds
    ends: list[int] = []
    kinds: list[str] = []
    runs = number_runs(text)
    for kind, (pattern, valid) in DETECTORS.items():
        for m in _matches(kind, pattern, text, runs):
            s, e = m.span()
            i = bisect_left(starts, s)
            if (i > 0 and ends[i - 1] > s) or (i < len(starts) and starts[i] < e):
                continue  # overlaps a span an earlier kind already took
            if valid(m, text):
                starts.insert(i, s)
                ends.insert(i, e)
                kinds.insert(i, kind)
    return list(zip(starts, ends, kinds, strict=True))


@register("repair.pii", version=1)
@dataclass(frozen=True)
class MaskPersonalData(Repair):
    """Detect, count and mask e-mail addresses, phone numbers, IP addresses, IBANs and card numbers."""

    #: kinds to replace by a mask (the others are only counted)
    mask: tuple[str, ...] = ("email", "phone", "ipv4", "ipv6", "iban", "credit_card")
    #: mask text; {KIND} becomes the upper-case kind (EMAIL, PHONE, IPV4, IBAN, CREDIT_CARD)
    mask_format: str = "<{KIND}>"

    rules = {
        "email": "an e-mail address",
        "phone": "a phone number (international or national format)",
        "ipv4": "an IPv4 address",
        "ipv6": "an IPv6 address",
        "iban": "an IBAN that passes its mod-97 check",
        "credit_card": "a card number that passes the Luhn check",
    }
    provides = tuple(f"pii.{kind}_count" for kind in DETECTORS)

    def setup(self) -> None:
        if lines_kernel() is not None:
            _pii_table()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.mask) - set(DETECTORS))
        if unknown:
            raise ConfigError(
                f"repair.pii: unknown kind(s) {', '.join(unknown)} in mask; valid: {', '.join(DETECTORS)}"
            )

    def repair(self, text: str, doc: Document) -> Repaired:
        found = find_pii(text)
        counts: dict[str, Any] = {f"pii.{kind}_count": 0 for kind in DETECTORS}
        for _, _, kind in found:
            counts[f"pii.{kind}_count"] += 1
        spans = [
            (s, e, self.mask_format.replace("{KIND}", kind.upper()), kind)
            for s, e, kind in found
            if kind in self.mask
        ]
        result = Repaired.from_spans(text, spans, step=self.name)
        return Repaired(result.text, result.edits, annotations=counts)
