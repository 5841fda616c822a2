"""report.html in a real browser (issue 11): hostile records render, run no script, load nothing.

`tamis run` builds a report from records whose ids, URLs and texts carry script tags, event
handlers, javascript: URLs, external images, style sheets, CSS url(), frames, bidi and control
characters and a huge string. Headless Chromium opens it with the network cut off (no name
resolves; every request goes to a recording proxy on loopback that answers 404). The same
payloads written raw into a page are opened first: there the scripts must run and the fetches
must reach the proxy, which shows the checks below can see what they look for.

CI installs Debian's `chromium` (.ci/run); without a browser binary the test is skipped
(`-m 'not browser'` leaves it out where one is installed).
"""

from __future__ import annotations

import html
import http.server
import json
import shutil
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        BROWSER is None, reason="no chromium binary on PATH (CI installs Debian's chromium in .ci/run)"
    ),
]

CANARY = "tamis-canary.invalid"  # every URL a payload names sits under this host
TITLE = "tamis report"
# Each script sets the title (the dumped DOM shows it); each URL names its own canary host.
PAYLOADS = [
    "<script>document.title='PWNED-script'</script>",
    "<img src=x onerror=\"document.title='PWNED-onerror'\">",
    "<svg onload=\"document.title='PWNED-svg'\"></svg>",
    "<body onload=\"document.title='PWNED-body'\">",
    "<a href=\"javascript:document.title='PWNED-href'\">click</a>",
    f'<img src="http://img.{CANARY}/x.png">',
    f'<link rel=stylesheet href="http://css.{CANARY}/s.css">',
    f"<style>@import 'http://import.{CANARY}/i.css'; p{{background:url(http://bg.{CANARY}/b.png)}}</style>",
    f"<p style=\"background-image:url('http://inline.{CANARY}/i.png')\">styled</p>",
    f'<iframe src="http://frame.{CANARY}/"></iframe>',
    f'<object data="http://object.{CANARY}/o.swf"></object>',
    f'<meta http-equiv="refresh" content="0;url=http://refresh.{CANARY}/">',
    "</code></td></tr></table></details></div><script>document.title='PWNED-breakout'</script>",
    "\"><script>document.title='PWNED-attribute'</script>",
]
CONTROL_CHARS = "\u202eevil\u202c \u2066iso\u2069 \x00\x01\x07\x1b[31m\x7f \u2028 \u2029 \ufeff\u200b"


def _good_sentences() -> list[str]:
    """Real sentences (tests/data, UD and ELTeC), English first then other languages."""
    out = []
    for lang in ("en", "de", "fr", "uk", "ru"):
        path = Path(__file__).parent / "data" / f"sentences_{lang}.txt"
        out += [line for line in path.read_text(encoding="utf-8").splitlines() if len(line) > 40]
    return out


def _hostile_records() -> Iterator[dict[str, str]]:
    every = " ".join(PAYLOADS)
    sentences = _good_sentences()
    for i, payload in enumerate(PAYLOADS):
        # rejected (repetitive), and shown among its rule's examples: the id whole, the text cut
        yield {"id": f"{i}{every}{CONTROL_CHARS}", "url": f"javascript:alert({i})", "text": payload + every}
        # real sentences with the payload beside spaces that repair.whitespace edits: an edit example
        before, after = " ".join(sentences[i * 6 : i * 6 + 3]), " ".join(sentences[i * 6 + 3 : i * 6 + 6])
        yield {
            "id": f"edit-{i}{payload}",
            "url": f"http://page.{CANARY}/{i}",
            "text": f"{before}  {payload}  {after}",
        }
    yield {"id": "huge-" + "\u202e" * 50 + "A" * 200_000, "text": ("<b>" + "x" * 997) * 300 + every}
    yield {"id": "controls", "text": CONTROL_CHARS * 10 + every}


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A proxy to nowhere: notes every request line and answers 404."""

    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(self.requestline)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_HEAD = do_CONNECT = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def proxy() -> Iterator[tuple[int, list[str]]]:
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def _open_in_browser(page: Path, port: int, profile: Path) -> tuple[str, Path]:
    """Load `page` headless with the network cut off; return its DOM after load and a screenshot."""
    shot = profile.with_suffix(".png")
    assert BROWSER is not None
    args = [
        BROWSER,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--proxy-server=http://127.0.0.1:{port}",
        "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=3000",
        "--window-size=1280,2000",
        f"--screenshot={shot}",
        "--dump-dom",
        page.as_uri(),
    ]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, shot


class _Elements(HTMLParser):
    """Tag names and attributes of every element of a serialised DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _elements(dom: str) -> _Elements:
    parser = _Elements()
    parser.feed(dom)
    return parser


def _png_colours(path: Path, limit: int = 16) -> int:
    """Distinct pixel values of an 8-bit, non-interlaced PNG (what Chromium writes), counted up to `limit`."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + size
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour_type, interlace = header[8], header[9], header[12]
    assert depth == 8 and interlace == 0 and colour_type in (0, 2, 4, 6), header
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, corner = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        colours.update(bytes(line[i : i + bpp]) for i in range(0, stride, bpp * 7))
        if len(colours) >= limit:
            return len(colours)
        prev = line
    return len(colours)


def _canary_requests(seen: list[str]) -> list[str]:
    return [line for line in seen if CANARY in line]


def test_the_checks_see_scripts_run_and_fetches_made_in_a_raw_page(
    proxy: tuple[int, list[str]], tmp_path: Path
) -> None:
    port, seen = proxy
    raw = tmp_path / "raw.html"
    navigating = [p for p in PAYLOADS if "refresh" not in p]  # a refresh would replace the page
    raw.write_text(
        f"<!doctype html><html><head><title>{TITLE}</title></head><body>{''.join(navigating)}</body>"
    )
    before = len(seen)
    dom, _shot = _open_in_browser(raw, port, tmp_path / "profile")
    assert _elements(dom).title.startswith("PWNED-")
    fetched = _canary_requests(seen[before:])
    assert any(f"img.{CANARY}" in line for line in fetched), seen[before:]
    assert any(f"frame.{CANARY}" in line for line in fetched), seen[before:]


def test_a_report_of_hostile_records_runs_no_script_and_loads_nothing(
    proxy: tuple[int, list[str]], tmp_path: Path
) -> None:
    port, seen = proxy
    records = tmp_path / "hostile.jsonl"
    records.write_text("".join(json.dumps(r) + "\n" for r in _hostile_records()), encoding="utf-8")
    out = tmp_path / "out"
    tamis = Path(sys.executable).with_name("tamis")
    args = ["run", "--input", str(records), "--output", str(out), "--html", "no", "--executor", "serial"]
    proc = subprocess.run([str(tamis), *args, "--no-progress"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    page = out / "report.html"
    source = page.read_text(encoding="utf-8")
    # the hostile strings did reach the page (escaped), or this test would prove nothing
    for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[5], PAYLOADS[12]):
        assert html.escape(payload) in source, payload
    assert "Content-Security-Policy" in source and "default-src 'none'" in source

    before = len(seen)
    dom, shot = _open_in_browser(page, port, tmp_path / "profile")
    assert not _canary_requests(seen[before:]), seen[before:]
    parsed = _elements(dom)
    assert parsed.title == TITLE
    assert "PWNED" not in parsed.title
    active = [
        (tag, attrs)
        for tag, attrs in parsed.tags
        if tag in ("script", "img", "iframe", "object", "embed", "link", "a", "body", "base", "form")
        and (tag != "body" or attrs)
    ]
    assert not active, active[:5]
    handlers = [(tag, name) for tag, attrs in parsed.tags for name in attrs if name.startswith("on")]
    assert not handlers, handlers[:5]
    assert [tag for tag, _ in parsed.tags].count("style") == 1  # the report's own
    assert not [attrs for tag, attrs in parsed.tags if tag == "meta" and "refresh" in str(attrs).lower()]
    assert len(parsed.tags) > 100  # the report itself rendered: tables, plots, examples
    assert shot.stat().st_size > 1000
    assert _png_colours(shot) > 3  # not a blank page of a single colour
