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
from .lineprotocol import LineError, parse_body
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


def _name_fields(line, options: WriteOptions) -> list[tuple[str, str, float]]:
    head = (options.prefix,) if options.prefix else ()
    tail = tuple(tag_values(line.tags, options.tags))
    return [(cached_stream_name((*head, line.measurement, key, *tail)), key, value)
            for key, value in line.values.items()]


def write(body: bytes, options: WriteOptions, sink, now_ms: int) -> tuple[dict, int]:
    """Publish the lines of ``body`` through ``sink``; return the reply body and status.

    202: every line accepted. 207: something was stored and something
    refused (listed in ``errors``). 400: nothing was stored. 413: over the
    points limit (nothing stored).
    """
    parsed = parse_body(body, options.precision, now_ms)
    errors: list[LineError] = list(parsed.errors)
    batches: dict[str, list] = {}
    named_lines = []  # (line number, its [(stream, field, value)]), for refused streams
    accepted, skipped, points = set(), 0, 0
    for line in parsed.lines:
        try:
            named = _name_fields(line, options)
        except NameRefused as exc:
            errors.append(LineError(line.number, exc.message, exc.code))
            continue
        t_ms = line.t_ms
        for name, _, value in named:
            batch = batches.get(name)
            if batch is None:
                batch = batches[name] = []
            batch.append([t_ms, value])
        named_lines.append((line.number, named))
        accepted.add(line.number)
        skipped += line.skipped
        points += len(named)
    if points > MAX_POINTS_PER_REQUEST:
        raise ApiError("too_large", f"{points} points in one request; at most "
                                    f"{MAX_POINTS_PER_REQUEST}: send smaller batches")
    refused_streams = sink.publish(batches)
    for name in refused_streams:
        points -= len(batches.pop(name))
    if refused_streams:  # rare: walk the lines again to say which carried them
        for number, named in named_lines:
            for name, key, _ in named:
                if name in refused_streams:
                    exc = refused_streams[name]
                    errors.append(LineError(number, f"stream {name!r}: {exc.message}",
                                            exc.code, key))
                    accepted.discard(number)
    refused = {error.number for error in errors}
    count(INGEST_LINES, len(accepted), result="accepted")
    count(INGEST_LINES, len(refused), result="refused")
    count(INGEST_POINTS, points, via="line_protocol")
    return _reply(accepted, refused, errors, points, len(batches), skipped)


def _reply(accepted: set, refused: set, errors: list, points: int, streams: int,
           skipped: int) -> tuple[dict, int]:
    body = {"ok": not errors, "accepted_lines": len(accepted), "refused_lines": len(refused),
            "points": points, "streams": streams, "skipped_fields": skipped}
    if not errors:
        if not accepted:
            raise ApiError("bad_request", "the body holds no lines to write")
        return body, 202
    errors.sort(key=lambda error: error.number)
    total = len(accepted) + len(refused)
    stored_any = bool(accepted) or points > 0
    stored = "; the rest was stored" if stored_any else "; nothing was stored"
    body["error"] = {"code": "bad_request",
                     "message": f"{len(refused)} of {total} lines refused{stored} "
                                "(see errors)"}
    body["errors"] = [error.as_dict() for error in errors[:MAX_REPORTED_ERRORS]]
    return body, 207 if stored_any else 400
