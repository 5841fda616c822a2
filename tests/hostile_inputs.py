"""Bad inputs a careless or hostile user hands tamis (issue 11), and the checks every run must pass.

Each kind writes one or more entries into an input folder and says how many records tamis
must account for: `exact` per file where the count is known without tamis (a plain JSONL file
has one record per non-blank line, whatever the line holds), and a lower bound overall (a
truncated or garbage file still leaves at least one rejected record saying why).

`run_and_check` runs the installed `tamis` command and asserts the contract: exit 0 with a
reason for every record not kept, or exit 2 with one line and no traceback; no hang;
`input = kept + rejected + duplicates + failed` counted from the files on disk; and no file
outside --output created, changed or removed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Scale:
    """How big the expensive kinds get: small in `make test`, the issue's sizes in `make test-slow`."""

    huge_line_bytes: int = 300_000
    nesting: int = 3_000  # nested <div>s
    separator_text_bytes: int = 60_000  # U+2028 / CR-only text: quadratic repair takes minutes
    meta_depth: int = 300


QUICK = Scale()
SLOW = Scale(huge_line_bytes=12_000_000, nesting=100_000, separator_text_bytes=100_000, meta_depth=1_000)


@dataclass
class Expect:
    exact: dict[str, int] = field(default_factory=dict)  # file name -> records that must come from it
    at_least: int = 0  # records the whole input must yield at least

    def add(self, other: Expect) -> None:
        self.exact.update(other.exact)
        self.at_least += other.at_least


def _sentences() -> list[str]:
    out = []
    for lang in ("en", "de", "fr", "uk", "ru", "kk"):
        text = (DATA / f"sentences_{lang}.txt").read_text(encoding="utf-8")
        out += [line for line in text.splitlines() if len(line) > 30]
    return out


SENTENCES = _sentences()


def good_text(rng: Random, sentences: int = 6) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


def _jsonl(lines: list[bytes]) -> bytes:
    return b"".join(line.rstrip(b"\n") + b"\n" for line in lines)


def _record(rng: Random, tag: str, **extra: object) -> bytes:
    return json.dumps({"id": f"{tag}-{rng.randrange(10**9)}", "text": good_text(rng), **extra}).encode()


def _count_records(data: bytes) -> int:
    return sum(1 for line in data.split(b"\n") if line.strip())


def _write_jsonl(folder: Path, name: str, lines: list[bytes]) -> Expect:
    data = _jsonl(lines)
    (folder / name).write_bytes(data)
    n = _count_records(data)
    return Expect({name: n}, n)


# ---------------------------------------------------------------- the kinds


def good_records(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    return _write_jsonl(folder, f"{tag}.jsonl", [_record(rng, tag) for _ in range(rng.randint(1, 4))])


def malformed_lines(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    bad = [
        b'{"text": "no closing quote',
        b'{"id": "x", "text": "caf\xe9 au lait"}',
        b"[1, 2, 3]",
        b'"just a string"',
        b'{"body": "text under another key"}',
        b'{"text": 42}',
        b'{"text": null}',
        b'{"text": "   "}',
        b'{"id": {"nested": 1}, "text": "an id that is an object, with words enough"}',
        b'{"id": null, "text": "a null id and a sentence of ordinary words"}',
        b'{"text": "a lone surrogate \\ud800 inside ordinary words here"}',
        b'{"text": "NUL \\u0000 and controls \\u0007\\u001b[31m in text"}',
        b'{"text": "dup key", "text": "second value of a duplicated key"}',
        b"\x00\x01\x02\xff\xfe binary junk",
        b"{" * 5000,
        b"NaN",
    ]
    lines = [_record(rng, tag), *rng.sample(bad, rng.randint(2, len(bad)))]
    rng.shuffle(lines)
    return _write_jsonl(folder, f"{tag}.jsonl", lines)


def _cut(data: bytes, rng: Random) -> bytes:
    return data[: rng.randint(min(20, len(data) - 1), len(data) - 1)]


def truncated_gzip(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    data = _jsonl([_record(rng, tag) for _ in range(rng.randint(3, 30))])
    (folder / f"{tag}.jsonl.gz").write_bytes(_cut(gzip.compress(data, mtime=0), rng))
    return Expect(at_least=1)


def truncated_zstd(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    data = _jsonl([_record(rng, tag) for _ in range(rng.randint(3, 30))])
    (folder / f"{tag}.jsonl.zst").write_bytes(_cut(zstandard.ZstdCompressor().compress(data), rng))
    return Expect(at_least=1)


def damaged_parquet(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    rows = [{"id": f"{tag}-{i}", "text": good_text(rng, 3)} for i in range(60)]
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buf, row_group_size=20, compression="zstd")
    data = bytearray(buf.getvalue())
    how = rng.choice(["flip", "cut", "zero"])
    lo, hi = 4, len(data) - 8
    if how == "cut":
        data = data[: rng.randint(lo, hi)]
    else:
        start = rng.randint(lo, hi - 64)
        for i in range(start, start + rng.randint(8, 64)):
            data[i] = 0 if how == "zero" else data[i] ^ 0xFF
    (folder / f"{tag}.parquet").write_bytes(bytes(data))
    return Expect(at_least=1)


def parquet_invalid_utf8(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    """A Parquet file whose pages are intact but one string value is not UTF-8 (a flipped byte)."""
    marker = f"{tag}-flip-here"
    rows = [{"id": f"{tag}-{i}", "text": good_text(rng, 2) + (marker if i == 3 else "")} for i in range(10)]
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buf, compression="none", write_statistics=False)
    data = buf.getvalue()
    at = data.index(marker.encode())
    (folder / f"{tag}.parquet").write_bytes(data[:at] + b"\xff" + data[at + 1 :])
    return Expect(at_least=1)


def _warc_response(rng: Random, uri: str, body: str) -> bytes:
    payload = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + f"<html><body><article><p>{body}</p></article></body></html>".encode()
    )
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{rng.randrange(16**12):012x}>\r\n"
        f"WARC-Target-URI: {uri}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload + b"\r\n\r\n"


def truncated_warc(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    records = [_warc_response(rng, f"http://example.com/{tag}/{i}", good_text(rng)) for i in range(3)]
    data = b"".join(records)
    if rng.random() < 0.5:
        (folder / f"{tag}.warc").write_bytes(_cut(data, rng))
    else:
        (folder / f"{tag}.warc.gz").write_bytes(
            _cut(b"".join(gzip.compress(r, mtime=0) for r in records), rng)
        )
    return Expect(at_least=1)


def garbage_warc(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    junk = rng.randbytes(rng.randint(1, 5000))
    name = rng.choice([f"{tag}.warc", f"{tag}.warc.gz"])
    (folder / name).write_bytes(rng.choice([junk, b"WARC/1.0\r\nWARC-Type: response\r\n" + junk]))
    return Expect(at_least=1)


def binary_files(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    junk = rng.randbytes(rng.randint(1, 20_000))
    (folder / f"{tag}.jsonl").write_bytes(junk)
    (folder / f"{tag}.txt").write_bytes(rng.randbytes(rng.randint(1, 20_000)))
    return Expect({f"{tag}.jsonl": _count_records(junk)}, _count_records(junk))


def huge_line(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    words = good_text(rng, 40)
    text = (words + " ") * (scale.huge_line_bytes // (len(words.encode()) + 1) + 1)
    return _write_jsonl(folder, f"{tag}.jsonl", [json.dumps({"id": tag, "text": text}).encode()])


def deep_meta(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    # written as text: Python's own json module cannot encode what it is asked to survive here
    nested = '{"k": ' * scale.meta_depth + '"bottom"' + "}" * scale.meta_depth
    deeper = "[" * 2000 + "]" * 2000  # past any parser's limit: must be rejected, not crash
    text = json.dumps(good_text(rng))
    lines = [
        f'{{"id": "{tag}-meta", "text": {text}, "meta": {nested}}}'.encode(),
        f'{{"id": "{tag}-deeper", "text": {text}, "m": {deeper}}}'.encode(),
    ]
    return _write_jsonl(folder, f"{tag}.jsonl", lines)


def duplicate_ids(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    lines = [json.dumps({"id": "same", "text": good_text(rng)}).encode() for _ in range(rng.randint(2, 4))]
    return _write_jsonl(folder, f"{tag}.jsonl", lines)


def fifo(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    os.mkfifo(folder / f"{tag}.jsonl")
    return Expect()


def dangling_symlink(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    (folder / f"{tag}.jsonl").symlink_to(folder / f"{tag}-missing-target.jsonl")
    return Expect()


def non_utf8_name(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    name = os.fsencode(folder) + b"/" + tag.encode() + b"-caf\xe9\xff.jsonl"
    with open(name, "wb") as fh:
        fh.write(_jsonl([_record(rng, tag)]))
    return Expect(at_least=1)


def bracket_name(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    return _write_jsonl(folder, f"{tag}[1].jsonl", [_record(rng, tag) for _ in range(2)])


def nested_html(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    page = "<html><body>" + "<div>" * scale.nesting + good_text(rng) + "</div>" * scale.nesting
    page += "</body></html>"
    unclosed = "<html><body>" + "<div><p><span>" * (scale.nesting // 3) + good_text(rng)
    lines = [json.dumps({"id": f"{tag}-{i}", "text": t}).encode() for i, t in enumerate((page, unclosed))]
    return _write_jsonl(folder, f"{tag}.jsonl", lines)


def line_separators(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    n = scale.separator_text_bytes
    texts = [
        "\u2028".join(good_text(rng, 1) for _ in range(n // 60)),
        "\r".join(good_text(rng, 1) for _ in range(n // 60)),
        "\u2029\r\x85\x0b\x0c".join(good_text(rng, 1) for _ in range(n // 60)),
        rng.randbytes(n // 2).decode("latin-1"),  # binary read as text (mojibake everywhere)
    ]
    lines = [json.dumps({"id": f"{tag}-{i}", "text": t[:n]}).encode() for i, t in enumerate(texts)]
    return _write_jsonl(folder, f"{tag}.jsonl", lines)


def empty_files(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    (folder / f"{tag}-empty.jsonl").write_bytes(b"")
    (folder / f"{tag}-blank.jsonl").write_bytes(b"\n  \n\n")
    (folder / f"{tag}-empty.jsonl.gz").write_bytes(b"")
    return Expect({f"{tag}-empty.jsonl": 0, f"{tag}-blank.jsonl": 0})


def text_folder(folder: Path, rng: Random, scale: Scale, tag: str) -> Expect:
    sub = folder / f"{tag}-pages"
    sub.mkdir()
    (sub / "page.txt").write_text(good_text(rng), encoding="utf-8")
    (sub / "latin1.txt").write_bytes(good_text(rng).encode("utf-8", "replace") + b" caf\xe9")
    (sub / "page.html").write_text(f"<html><body><p>{good_text(rng)}</p><script>x()</script>", "utf-8")
    return Expect(at_least=3)


KINDS: dict[str, Callable[[Path, Random, Scale, str], Expect]] = {
    f.__name__: f
    for f in (
        good_records,
        malformed_lines,
        truncated_gzip,
        truncated_zstd,
        damaged_parquet,
        parquet_invalid_utf8,
        truncated_warc,
        garbage_warc,
        binary_files,
        huge_line,
        deep_meta,
        duplicate_ids,
        fifo,
        dangling_symlink,
        non_utf8_name,
        bracket_name,
        nested_html,
        line_separators,
        empty_files,
        text_folder,
    )
}


def build_input(folder: Path, kinds: list[str], seed: int, scale: Scale) -> Expect:
    """Write every kind (in order, each with its own tag) into `folder`; return what tamis owes."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = Random(seed)
    expect = Expect()
    for n, kind in enumerate(kinds):
        expect.add(KINDS[kind](folder, rng, scale, f"k{n:02d}-{kind}"))
    return expect


# ---------------------------------------------------------------- running tamis and checking the contract


def tree_digest(root: Path, skip: Path | None = None) -> dict[bytes, str]:
    """Every entry under `root` (bytes paths: names need not be UTF-8) -> what it is and holds.

    Links are read, not followed; FIFOs and other special files are described, never opened.
    """
    out: dict[bytes, str] = {}
    skip_b = os.fsencode(skip) if skip else None
    for top, dirs, files in os.walk(os.fsencode(root)):
        if skip_b is not None:
            dirs[:] = [d for d in dirs if os.path.join(top, d) != skip_b]
        for name in dirs + files:
            path = os.path.join(top, name)
            st = os.lstat(path)
            if os.path.islink(path):
                out[path] = "link:" + os.fsdecode(os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as fh:
                    out[path] = f"file:{st.st_mode:o}:" + hashlib.sha256(fh.read()).hexdigest()
            else:
                out[path] = f"mode:{st.st_mode:o}"
    return out


@dataclass
class Outcome:
    returncode: int
    stderr: str
    counts: Counter[str]  # kept / rejected / duplicate / failed rows on disk
    stats: dict
    per_file: Counter[str]  # rows on disk per input file name


def rows_on_disk(out: Path) -> tuple[Counter[str], Counter[str], list[dict]]:
    """Rows of kept/ and rejected/, read from the Parquet files themselves."""
    counts: Counter[str] = Counter()
    per_file: Counter[str] = Counter()
    unexplained = []
    for sub in ("kept", "rejected"):
        for path in sorted((out / sub).glob("*.parquet")):
            names = pq.read_schema(path).names
            table = pq.read_table(
                path, columns=[c for c in ("source", "verdict", "step", "rule") if c in names]
            )
            for row in table.to_pylist():
                verdict = row.get("verdict") if sub == "rejected" else None
                counts[verdict or "kept"] += 1
                if sub == "rejected" and not (row.get("step") and row.get("rule")):
                    unexplained.append(row)
                uri = (row.get("source") or {}).get("uri") or ""
                per_file[uri.rsplit("/", 1)[-1]] += 1
    return counts, per_file, unexplained


def tamis_command() -> str:
    return str(Path(sys.executable).with_name("tamis"))


def _run_tamis(args: list[str], cwd: Path, timeout: float, what: str) -> tuple[int, str]:
    # its own session, so a hung run's worker processes can be ended with it
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, start_new_session=True
    )
    try:
        _stdout, err_bytes = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as err:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"tamis hung: no exit within {timeout} s on {what}") from err
    return proc.returncode, err_bytes.decode("utf-8", "replace")


def run_and_check(
    tmp: Path,
    kinds: list[str],
    seed: int,
    scale: Scale,
    extra_args: list[str],
    timeout: float,
    *,
    output_inside_input: bool = False,
    rerun: bool = False,
) -> Outcome:
    """Build an input of these kinds under `tmp`, run tamis on it, and assert the contract.

    `output_inside_input` puts --output in the input folder (tamis must not read its own
    outputs); `rerun` runs the same command again, which must find the run finished and leave
    the same records on disk.
    """
    inp, cwd = tmp / "input", tmp / "cwd"
    out = inp / "output" if output_inside_input else tmp / "output"
    expect = build_input(inp, kinds, seed, scale)
    cwd.mkdir()
    before = tree_digest(tmp, skip=out)
    args = [tamis_command(), "run", "--input", str(inp), "--output", str(out), "--no-progress", *extra_args]
    what = f"{kinds} (seed {seed}, output inside input: {output_inside_input})"
    outcome = _check_one_run(*_run_tamis(args, cwd, timeout, what), out, expect)
    assert tree_digest(tmp, skip=out) == before, "a file outside --output was created, changed or removed"
    if rerun:
        again = _check_one_run(*_run_tamis(args, cwd, timeout, what + ", run again"), out, expect)
        assert tree_digest(tmp, skip=out) == before, "the re-run changed a file outside --output"
        assert (again.returncode, again.counts) == (outcome.returncode, outcome.counts), (outcome, again)
    return outcome


def _check_one_run(returncode: int, stderr: str, out: Path, expect: Expect) -> Outcome:
    assert "Traceback" not in stderr, stderr[-3000:]
    assert returncode in (0, 2), f"exit {returncode}: {stderr[-3000:]}"
    if returncode == 2:
        lines = [line for line in stderr.splitlines() if line and not line.startswith("tamis: warning")]
        assert len(lines) == 1 and lines[0].startswith("tamis: "), stderr[-3000:]
        return Outcome(2, stderr, Counter(), {}, Counter())

    counts, per_file, unexplained = rows_on_disk(out)
    assert not unexplained, unexplained[:3]
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    on_disk = counts["kept"] + counts["rejected"] + counts["duplicate"] + counts["failed"]
    assert stats["input"] == on_disk, (stats["input"], counts)
    assert (stats["kept"], stats["rejected"], stats["duplicates"], stats["failed"]) == (
        counts["kept"],
        counts["rejected"],
        counts["duplicate"],
        counts["failed"],
    ), (stats, counts)
    assert on_disk >= expect.at_least, (on_disk, expect)
    wrong = {name: (n, per_file[name]) for name, n in expect.exact.items() if per_file[name] != n}
    assert not wrong, f"records per file (expected, on disk): {wrong}"
    return Outcome(0, stderr, counts, stats, per_file)
