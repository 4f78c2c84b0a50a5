"""InfluxDB line protocol: a request body into parsed lines and per-line errors.

Each line is parsed by ``line-protocol-parser`` (a C extension following
InfluxDB's own parser: escaping of ``,``, ``=`` and spaces, ``"``-quoted
strings with ``\\"`` and ``\\\\``, ``i``/``u`` integer suffixes, booleans,
int64 nanosecond timestamps). This module adds what a body needs around it:

* lines are split on ``\\n``; a string field may hold a raw newline
  (Telegraf's serializer writes one as it is), so a line whose quotes are
  unbalanced is joined with the next ones when the joined text parses;
* blank lines and ``#`` comments are skipped; each line must be UTF-8;
* the timestamp is converted from the request's precision to milliseconds
  and must fit InfluxDB's range (int64 nanoseconds); a line without one
  takes the time the request arrived;
* only numbers become points: floats, ``i`` integers and ``u`` unsigned
  integers (past 2**53 sent as floats, which is what JSON can hold).
  Strings and booleans are skipped and counted, never refused: Telegraf
  plugins routinely mix them in (``system``'s ``uptime_format``).
"""

import re
from dataclasses import dataclass, field

from line_protocol_parser import LineFormatError, parse_line

#: Precision names (InfluxDB v2 and its v1 aliases) -> nanoseconds per unit.
PRECISIONS = {"ns": 1, "n": 1, "us": 1_000, "u": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
INT64 = 2**63
MAX_EXACT = 2**53  # the largest integer a double (and JavaScript) holds exactly
#: How many following lines a string field with raw newlines may span.
MAX_JOINED_LINES = 50
_UNESCAPED_QUOTE = re.compile(r'(?<!\\)(?:\\\\)*"')


@dataclass
class Line:
    """One parsed line: what a stream needs from it."""

    number: int  # 1-based, the first physical line of the logical line
    measurement: str
    tags: dict
    values: dict  # numeric fields only
    t_ms: int
    skipped: int = 0  # string and boolean fields left out


@dataclass
class LineError:
    """A line that was refused, and why."""

    number: int
    message: str
    code: str = "bad_request"
    field: str | None = None

    def as_dict(self) -> dict:
        """The wire shape of one entry of ``errors``."""
        entry = {"line": self.number, "code": self.code, "message": self.message}
        if self.field is not None:
            entry["field"] = self.field
        return entry


@dataclass
class Parsed:
    """Everything one body held."""

    lines: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def _quotes_open(text: str) -> bool:
    return len(_UNESCAPED_QUOTE.findall(text)) % 2 == 1


def point_value(value):
    """The point value of a field, or None for strings and booleans (skipped, not refused)."""
    kind = value.__class__
    if kind is str or kind is bool:
        return None
    if kind is int and not -MAX_EXACT <= value <= MAX_EXACT:
        return float(value)  # past 2**53: what JSON (and a double) can hold
    return value


def line_time(stamp: int | None, unit_ns: int, now_ms: int) -> int | None:
    """A line's time in ms from its timestamp in ``unit_ns``; None when out of int64 ns."""
    if stamp is None:
        return now_ms
    stamp_ns = stamp * unit_ns
    if not -INT64 <= stamp_ns < INT64:
        return None
    return stamp_ns // 1_000_000


def out_of_range(number: int, stamp: int) -> LineError:
    """The error of a line whose timestamp :func:`line_time` refused."""
    return LineError(number, f"timestamp {stamp} is out of range for its precision")


def syntax_error(number: int, exc: LineFormatError) -> LineError:
    """The error of a line ``parse_line`` refused."""
    return LineError(number, f"line protocol: {exc}")


def parse_text(number: int, text: str, unit_ns: int, now_ms: int):
    """One line's ``(parsed, t_ms)``, its :class:`LineError`, or None for a comment.

    ``parsed`` is the parser's dict (``measurement``, ``tags``, ``fields``,
    ``time``) as it comes: a write reads it without copying (ingest/write.py).
    """
    try:
        parsed = parse_line(text)
    except LineFormatError as exc:
        return syntax_error(number, exc)
    if parsed is None:  # a comment
        return None
    t_ms = line_time(parsed["time"], unit_ns, now_ms)
    if t_ms is None:
        return out_of_range(number, parsed["time"])
    return parsed, t_ms


def parse_body(body: bytes, precision: str, now_ms: int) -> Parsed:
    """Parse every line of ``body`` as a write does; lines and errors keep the body's order.

    The write itself (ingest/write.py) runs the same steps, :func:`line_texts`,
    :func:`parse_text` and :func:`point_value`, without a :class:`Line` per
    line; this gathers their results for a reader of a whole body.

    :param precision: one of :data:`PRECISIONS` (the caller validated it).
    :param now_ms: the time of a line without a timestamp.
    """
    unit_ns = PRECISIONS[precision]
    result = Parsed()
    for number, text in line_texts(body):
        outcome = text if text.__class__ is LineError else parse_text(number, text, unit_ns, now_ms)
        if outcome.__class__ is LineError:
            result.errors.append(outcome)
        elif outcome is not None:
            parsed, t_ms = outcome
            points = {key: point_value(value) for key, value in parsed["fields"].items()}
            values = {key: value for key, value in points.items() if value is not None}
            result.lines.append(Line(number, parsed["measurement"], parsed["tags"], values,
                                     t_ms, len(parsed["fields"]) - len(values)))
    return result


def line_texts(body: bytes):
    """``(number, text)`` of each line to parse; ``(number, LineError)`` for one not UTF-8.

    Blank lines and comments are left out; a string field's raw newlines are
    joined back (see the module's docstring). A body that is UTF-8 throughout
    (every well-behaved writer's) is decoded once, not line by line.
    """
    try:
        raw = body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raw = body.split(b"\n")  # decoded per line below, so the error names its line
    index, count = 0, len(raw)
    while index < count:
        number = index + 1
        text = raw[index]
        index += 1
        if text.__class__ is bytes:
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, LineError(number, f"not UTF-8 at byte {exc.start}")
                continue
        first = text[:1]  # most lines start with their measurement: no strip needed
        if (not first or first in " \t\r#") and \
                (not text.strip() or text.lstrip().startswith("#")):
            continue
        if '"' in text and _quotes_open(text):
            joined, used = _join_string_field(raw, index, text)
            if joined is not None:
                text, index = joined, index + used
        yield number, text


def _join_string_field(raw: list, start: int, text: str) -> tuple[str | None, int]:
    """Join ``text`` with the lines after it until its quotes close and it parses."""
    for used in range(1, min(MAX_JOINED_LINES, len(raw) - start) + 1):
        part = raw[start + used - 1]
        try:
            text = text + "\n" + (part if part.__class__ is str else part.decode("utf-8"))
        except UnicodeDecodeError:
            return None, 0
        if not _quotes_open(text):
            try:
                parse_line(text)
            except LineFormatError:
                return None, 0
            return text, used
    return None, 0
