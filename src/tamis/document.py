"""The document record and its history: what was read, what was changed, what was decided.

A `Document` is immutable. Steps return new values and the pipeline builds the next
record with `dataclasses.replace`, so every output character and every dropped record can
be traced back through `edits` and `verdict`.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

import orjson

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: the file or URL, the byte offset and the record index in it."""

    uri: str
    offset: int | None = None
    index: int | None = None
    url: str | None = None  # the page's own URL, when the input names one


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to the text: `text[start:end]` became `inserted`.

    Offsets index the text as it was just before this edit (after all earlier edits), so
    applying a document's edits in order to its original reproduces its text.
    """

    step: str
    rule: str
    start: int
    end: int
    removed: str
    inserted: str
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Rejected:
    """Dropped by a rule: the measured value and the threshold it crossed."""

    step: str
    rule: str
    value: float | str | None = None
    threshold: float | str | None = None
    kind = "rejected"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Removed as a copy of another document, named by id."""

    step: str
    of_id: str
    similarity: float = 1.0
    method: str = "exact"
    kind = "duplicate"


@dataclass(frozen=True, slots=True)
class Failed:
    """A step raised on this record; the run went on without it."""

    step: str
    error_type: str
    message: str
    kind = "failed"


Verdict = Rejected | Duplicate | Failed


@dataclass(frozen=True, slots=True)
class Document:
    """One record flowing through the pipeline. `verdict is None` while it is alive."""

    id: str
    text: str
    source: Source = field(default_factory=lambda: Source(uri=""))
    meta: Mapping[str, Any] = field(default_factory=dict)
    annotations: Mapping[str, Any] = field(default_factory=dict)
    edits: tuple[Edit, ...] = ()
    verdict: Verdict | None = None
    title: str | None = None
    captions: tuple[str, ...] = ()
    original: str | None = None  # the text as read, kept so the edit log can be replayed

    @property
    def alive(self) -> bool:
        return self.verdict is None

    @property
    def language(self) -> str:
        return str(self.annotations.get("language", "und"))

    def replace(self, **changes: Any) -> Document:
        """`dataclasses.replace`, without its generic walk over the fields: the pipeline replaces
        each document once or twice per step (4 µs a call there, 2 µs here)."""
        if not changes.keys() <= _DOCUMENT_FIELDS:
            return dataclasses.replace(self, **changes)  # its TypeError names the unknown field
        get = changes.get
        return Document(
            get("id", self.id),
            get("text", self.text),
            get("source", self.source),
            get("meta", self.meta),
            get("annotations", self.annotations),
            get("edits", self.edits),
            get("verdict", self.verdict),
            get("title", self.title),
            get("captions", self.captions),
            get("original", self.original),
        )


#: the fields `Document.replace` copies, in the order of Document's __init__ (checked in tests)
_DOCUMENT_FIELDS = frozenset(f.name for f in dataclasses.fields(Document))


def replay(original: str, edits: Iterable[Edit]) -> str:
    """Re-apply an edit log to the original text.

    Each edit's offsets index the text as it was just before that edit, after every
    earlier edit in the log; so a log is replayed by applying its edits in order.

    >>> e = [Edit("s", "r", 0, 1, "a", "A"), Edit("s", "r", 2, 3, "c", "C"), Edit("t", "r", 0, 1, "A", "")]
    >>> replay("abc", e)
    'bC'
    """
    return deque(replay_passes(original, edits), maxlen=1)[0]  # the text after the last pass


class LoggedEdit(Protocol):
    """What replaying needs of an edit: an `Edit`, or any record with its fields (the report
    replays the rows of an output file as they are, without building an `Edit` per edit)."""

    @property
    def step(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def removed(self) -> str: ...
    @property
    def inserted(self) -> str: ...


#: Called with each edit and up to `context` characters of the text either side of it, as the
#: text was just before that edit: (edit, left, right).
EditVisitor = Callable[[Any, str, str], None]


def replay_passes(
    original: str, edits: Iterable[LoggedEdit], *, on_edit: EditVisitor | None = None, context: int = 0
) -> Iterator[str]:
    """Replay an edit log one forward pass at a time, yielding the text after each pass.

    Edits that move forward through the text (each one after the text the previous one
    inserted, as one step's edits are) are applied together in one join, so a page with 100k
    edits replays in linear time; an edit that goes back starts a new pass. `on_edit` sees each
    edit in its context (the report's examples); a consumer that stops iterating stops the
    replay before the next pass. An edit that does not match the text raises `ValueError`.

    >>> seen = []
    >>> log = [Edit("s", "r", 1, 2, "b", "B"), Edit("t", "r", 0, 1, "a", "")]
    >>> list(replay_passes("abc", log, on_edit=lambda e, l, r: seen.append((e.rule, l, r)), context=1))
    ['aBc', 'Bc']
    >>> seen
    [('r', 'a', 'c'), ('r', '', 'B')]
    """
    text = original
    pieces: list[str] = []
    copied = 0  # `text` up to here is in `pieces`
    shift = 0  # offsets in the edited text minus offsets in `text`, after this pass's edits so far
    pass_end = 0  # end of the previous edit's inserted text, in the edited text's offsets
    tail = ""  # the last `context` characters of `pieces`, for `on_edit`
    for e in edits:
        if e.start < pass_end:
            pieces.append(text[copied:])
            text = "".join(pieces)
            yield text
            pieces, copied, shift, tail = [], 0, 0, ""
        start, end = e.start - shift, e.end - shift
        if text[start:end] != e.removed:
            raise ValueError(
                f"edit {e.step}/{e.rule} at {e.start} does not match the text it claims to remove"
            )
        if on_edit is not None:
            left = (tail + text[max(copied, start - context) : start])[-context:] if context else ""
            on_edit(e, left, text[end : end + context])
            tail = (left + e.inserted[-context:])[-context:] if context else ""
        pieces += (text[copied:start], e.inserted)
        copied = end
        shift += len(e.inserted) - (e.end - e.start)
        pass_end = e.start + len(e.inserted)
    pieces.append(text[copied:])
    yield "".join(pieces)


# ---------------------------------------------------------------- Arrow mapping

#: the Arrow types, built on first use: `tamis clean` of one page needs no Arrow and should not pay
#: for importing pyarrow (docs/speed.md). `from tamis.document import KEPT_SCHEMA` works as before.
_ARROW_NAMES = ("SOURCE_TYPE", "EDIT_TYPE", "KEPT_SCHEMA", "REJECTED_SCHEMA")


@cache
def _arrow_types() -> dict[str, Any]:
    import pyarrow as pa

    SOURCE_TYPE = pa.struct(
        [("uri", pa.string()), ("offset", pa.int64()), ("index", pa.int64()), ("url", pa.string())]
    )
    EDIT_TYPE = pa.struct(
        [
            ("step", pa.string()),
            ("rule", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("removed", pa.string()),
            ("inserted", pa.string()),
            ("evidence", pa.string()),
        ]
    )

    #: Kept documents. `annotations` and `meta` are JSON objects (their keys vary by step and language).
    KEPT_SCHEMA = pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            ("title", pa.string()),
            ("captions", pa.list_(pa.string())),
            ("source", SOURCE_TYPE),
            ("meta", pa.string()),
            ("annotations", pa.string()),
            ("edits", pa.list_(EDIT_TYPE)),
            ("original", pa.string()),
        ]
    )

    #: Rejected, duplicate and failed documents: the kept columns plus the decision.
    REJECTED_SCHEMA = KEPT_SCHEMA.append(pa.field("verdict", pa.string()))
    for name, type_ in [
        ("step", pa.string()),
        ("rule", pa.string()),
        ("value", pa.string()),
        ("threshold", pa.string()),
        ("duplicate_of", pa.string()),
        ("similarity", pa.float64()),
    ]:
        REJECTED_SCHEMA = REJECTED_SCHEMA.append(pa.field(name, type_))
    return {
        "SOURCE_TYPE": SOURCE_TYPE,
        "EDIT_TYPE": EDIT_TYPE,
        "KEPT_SCHEMA": KEPT_SCHEMA,
        "REJECTED_SCHEMA": REJECTED_SCHEMA,
    }


def __getattr__(name: str) -> Any:
    if name in _ARROW_NAMES:
        return _arrow_types()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _json(value: Mapping[str, Any]) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


def _verdict_columns(verdict: Verdict | None) -> dict[str, Any]:
    if verdict is None:
        return {}
    row: dict[str, Any] = {"verdict": verdict.kind, "step": verdict.step}
    match verdict:
        case Rejected(rule=rule, value=value, threshold=threshold):
            row.update(rule=rule, value=_text_or_none(value), threshold=_text_or_none(threshold))
        case Duplicate(of_id=of_id, similarity=similarity, method=method):
            row.update(rule=method, duplicate_of=of_id, similarity=float(similarity))
        case Failed(error_type=error_type, message=message):
            row.update(rule=error_type, value=message)
    return row


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def to_row(doc: Document, keep_original: bool = True) -> dict[str, Any]:
    """The Arrow row of a document (kept schema, plus verdict columns when it has one)."""
    src = doc.source
    row = {
        "id": doc.id,
        "text": doc.text,
        "title": doc.title,
        "captions": list(doc.captions),
        # Plain dict literals: dataclasses.asdict deep-copies and was a measurable share of runner time.
        "source": {"uri": src.uri, "offset": src.offset, "index": src.index, "url": src.url},
        "meta": _json(doc.meta),
        "annotations": _json(doc.annotations),
        "edits": [edit_record(e) for e in doc.edits],
        "original": doc.original if keep_original else None,
    }
    row.update(_verdict_columns(doc.verdict))
    return row


def from_row(row: Mapping[str, Any]) -> Document:
    """Rebuild a document from a row written by `to_row` (used between pipeline stages)."""
    verdict: Verdict | None = None
    kind = row.get("verdict")
    if kind == "rejected":
        verdict = Rejected(row["step"], row["rule"], row.get("value"), row.get("threshold"))
    elif kind == "duplicate":
        verdict = Duplicate(row["step"], row["duplicate_of"], row.get("similarity") or 1.0, row["rule"])
    elif kind == "failed":
        verdict = Failed(row["step"], row["rule"], row.get("value") or "")
    source = row.get("source") or {}
    return Document(
        id=row["id"],
        text=row["text"],
        title=row.get("title"),
        captions=tuple(row.get("captions") or ()),
        source=Source(**source) if source else Source(uri=""),
        meta=orjson.loads(row["meta"]) if row.get("meta") else {},
        annotations=orjson.loads(row["annotations"]) if row.get("annotations") else {},
        edits=tuple(Edit(**e) for e in row.get("edits") or ()),
        original=row.get("original"),
        verdict=verdict,
    )


def to_table(docs: Iterable[Document], schema: pa.Schema | None = None) -> pa.Table:
    import pyarrow as pa

    rows = [to_row(d) for d in docs]
    return pa.Table.from_pylist(rows, schema=schema or _arrow_types()["KEPT_SCHEMA"])


def from_table(table: pa.Table) -> list[Document]:
    return [from_row(r) for r in table.to_pylist()]


def edit_record(e: Edit) -> dict[str, Any]:
    """An edit as every output writes it (the `edits` column, `tamis clean --format json`)."""
    # Plain dict literals: dataclasses.asdict deep-copies.
    return {
        "step": e.step,
        "rule": e.rule,
        "start": e.start,
        "end": e.end,
        "removed": e.removed,
        "inserted": e.inserted,
        "evidence": e.evidence,
    }
