"""Per-page limits for HTML extraction: size, nesting depth and CPU time (issue 11, defect 14).

A page of 100,000 nested <div>s (1.1 MB) took 191 s in extract.html: trafilatura's parser (lxml)
stops at depth 256 and finds no text, and resiliparse, the fallback, is quadratic in depth
(bench: 2.5k levels 0.1 s, 10k levels 1.9 s). These helpers let the step measure a page before
extracting it and stop an extractor that runs too long; the step decides what to do (docs/repair.md).
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})\b[^<>]*?(/?)>")
#: elements that never hold others (void), or whose end tag HTML lets authors leave out: a page
#: full of unclosed <p> or <li> is normal HTML, not deep nesting
_NOT_NESTING = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "caption",
        "rp",
        "rt",
        "html",
        "head",
        "body",
    ]
)


def nesting_depth(page: str, stop_at: int) -> int:
    """The deepest element nesting of `page`, tags counted as written, up to `stop_at`; 0 for a
    page with fewer than `stop_at` tags, which cannot reach it (most pages: no scan).

    >>> nesting_depth("<div><div><p>a<p>b</div></div>", 3)
    2
    >>> nesting_depth("<div>" * 50, 10)
    10
    """
    if page.count("<") < stop_at:
        return 0
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(page):
        if self_closing or name.lower() in _NOT_NESTING:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest >= stop_at:
                    return stop_at
    return deepest


class OverTime(BaseException):
    """Raised inside an extractor that ran past its time budget.

    A BaseException, so that an extractor's own `except Exception` cannot swallow it.
    """


def within_seconds(run: Callable[[], T], seconds: float) -> tuple[T | None, bool]:
    """`(run(), False)`, or `(None, True)` when `run` took longer than `seconds` of wall time.

    The limit needs SIGALRM, which only the main thread of a process receives (the serial
    and process executors run steps there); elsewhere `run` runs without a limit. An extractor
    busy in C code is stopped when it next returns to Python.
    """
    if (
        seconds <= 0
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        return run(), False
    armed = [True]

    def on_alarm(signum: int, frame: object) -> None:
        if armed[0]:
            raise OverTime

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        try:
            return run(), False
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
            if previous_timer[0] > 0:  # someone else's alarm: give it back
                signal.setitimer(signal.ITIMER_REAL, *previous_timer)
    except OverTime:
        return None, True
