"""One write: parsed lines into streams, and the per-line report the writer gets back.

A line is accepted or refused whole for what is wrong with the line itself
(syntax, UTF-8, timestamp range, a name the rule cannot produce). A stream
the charts refuse (the cap of published streams) refuses that field in every
line carrying it; the entry names the ``field``, and the line's other
fields are stored. Nothing is published when the points of the whole
request are over the JSON publish's limit (413, so that a writer that
splits batches on 413, as Telegraf's ``influxdb_v2`` output does, can).
"""

from dataclasses import dataclass

from ..charts.api import MAX_POINTS_PER_REQUEST
from ..metrics.counters import INGEST_LINES, INGEST_POINTS, count
from ..wire import ApiError
from .lineprotocol import PRECISIONS, LineError, line_texts, parse_text, point_value
from .naming import NameRefused, cached_stream_name, tag_values

#: At most this many entries in ``errors``; ``refused_lines`` counts them all.
MAX_REPORTED_ERRORS = 100


@dataclass(frozen=True)
class WriteOptions:
    """What a write request's query string chose.

    :param precision: the unit of the timestamps (``ns`` by default).
    :param prefix: a first part for every stream name, or None.
    :param tags: the tag keys that name a stream, in order; None for all, sorted.
    """

    precision: str = "ns"
    prefix: str | None = None
    tags: tuple[str, ...] | None = None


def _namer(options: WriteOptions):
    """``name(measurement, tags, field)``: a field's stream name, or the :class:`NameRefused`."""
    head = (options.prefix,) if options.prefix else ()

    def name(measurement: str, tags: dict, key: str) -> str | NameRefused:
        try:
            return cached_stream_name((*head, measurement, key, *tag_values(tags, options.tags)))
        except NameRefused as refused:
            return refused

    return name


def write(body: bytes, options: WriteOptions, sink, now_ms: int) -> tuple[dict, int]:
    """Publish the lines of ``body`` through ``sink``; return the reply body and status.

    202: every line accepted. 207: something was stored and something
    refused (listed in ``errors``). 400: nothing was stored. 413: over the
    points limit (nothing stored).
    """
    unit_ns = PRECISIONS[options.precision]
    name_of = _namer(options)
    errors: list[LineError] = []
    batches: dict[str, list] = {}
    series: dict = {}  # series key -> {field: stream name | NameRefused}
    named_lines = []  # (line number, its fields, its names) for refused streams
    skipped = points = 0
    # One loop over the lines, with the parser's dicts as they come: no
    # object per line beyond what the parser makes (this loop is most of a write).
    for number, text in line_texts(body):
        outcome = text if text.__class__ is LineError else parse_text(number, text, unit_ns, now_ms)
        if outcome.__class__ is LineError:
            errors.append(outcome)
            continue
        if outcome is None:  # a comment
            continue
        parsed, t_ms = outcome
        # What names the series: its `measurement,tags` text when that has no
        # escapes (Telegraf's never do, and writes tags sorted), so that its
        # names are looked up once per request, not folded and joined per line.
        cut = text.find(" ")
        key = text[:cut] if cut > 0 else ""
        if not key or "\\" in key:
            key = (parsed["measurement"], tuple(parsed["tags"].items()))
        names = series.get(key)
        if names is None:
            names = series[key] = {}
        fields = parsed["fields"]
        refused = None
        for field, value in fields.items():
            if value.__class__ is str or value.__class__ is bool:
                continue
            name = names.get(field)
            if name is None:
                name = names[field] = name_of(parsed["measurement"], parsed["tags"], field)
            if name.__class__ is not str:
                refused = name
                break
        if refused is not None:
            errors.append(LineError(number, refused.message, refused.code))
            continue
        for field, value in fields.items():
            value = point_value(value)
            if value is None:  # strings and booleans
                skipped += 1
                continue
            name = names[field]
            batch = batches.get(name)
            if batch is None:
                batch = batches[name] = []
            batch.append([t_ms, value])
            points += 1
        named_lines.append((number, fields, names))
    if points > MAX_POINTS_PER_REQUEST:
        raise ApiError("too_large", f"{points} points in one request; at most "
                                    f"{MAX_POINTS_PER_REQUEST}: send smaller batches")
    refused_streams = sink.publish(batches)
    for name in refused_streams:
        points -= len(batches.pop(name))
    accepted = len(named_lines)
    if refused_streams:  # rare: walk the lines again to say which carried them
        kept = {number for number, _, _ in named_lines}
        for number, fields, names in named_lines:
            for field, value in fields.items():
                name = names.get(field)
                if name in refused_streams and value.__class__ not in (str, bool):
                    exc = refused_streams[name]
                    errors.append(LineError(number, f"stream {name!r}: {exc.message}",
                                            exc.code, field))
                    kept.discard(number)
        accepted = len(kept)
    refused = {error.number for error in errors}
    count(INGEST_LINES, accepted, result="accepted")
    count(INGEST_LINES, len(refused), result="refused")
    count(INGEST_POINTS, points, via="line_protocol")
    return _reply(accepted, refused, errors, points, len(batches), skipped)


def _reply(accepted: int, refused: set, errors: list, points: int, streams: int,
           skipped: int) -> tuple[dict, int]:
    body = {"ok": not errors, "accepted_lines": accepted, "refused_lines": len(refused),
            "points": points, "streams": streams, "skipped_fields": skipped}
    if not errors:
        if not accepted:
            raise ApiError("bad_request", "the body holds no lines to write")
        return body, 202
    errors.sort(key=lambda error: error.number)
    total = accepted + len(refused)
    stored_any = bool(accepted) or points > 0
    stored = "; the rest was stored" if stored_any else "; nothing was stored"
    body["error"] = {"code": "bad_request",
                     "message": f"{len(refused)} of {total} lines refused{stored} "
                                "(see errors)"}
    body["errors"] = [error.as_dict() for error in errors[:MAX_REPORTED_ERRORS]]
    return body, 207 if stored_any else 400
