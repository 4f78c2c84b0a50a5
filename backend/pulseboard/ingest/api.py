"""``POST /api/write`` and ``POST /api/v2/write``: InfluxDB line protocol into chart streams.

Both paths take the same body and answer the same way; ``/api/v2/write`` is
where Telegraf's ``outputs.influxdb_v2`` (and InfluxDB 2 clients) write when
given the server's URL, ``/api/write`` is for ``outputs.http`` and for
``outputs.influxdb`` (1.x) given ``<server>/api``. docs/ingest.md has the rules.
"""

import base64
import binascii
import hmac
import zlib

from flask import Blueprint, current_app, g, request

from ..auth.tokens import verify_token
from ..wire import ApiError, now_ms
from .lineprotocol import PRECISIONS
from .naming import PART_NAME
from .sink import ChartSink
from .write import WriteOptions, write

bp = Blueprint("ingest", __name__, url_prefix="/api")

#: Query parameters InfluxDB clients send that name a database: accepted, ignored.
IGNORED_PARAMS = {"org", "orgID", "bucket", "db", "rp", "consistency"}
OPTIONS = {"precision", "prefix", "tags"}
MAX_TAG_KEYS = 16


def _token_from_header() -> str | None:
    """The token of ``Bearer <t>``, ``Token <t>`` (InfluxDB 2) or Basic ``user:<t>`` (1.x)."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    scheme, credential = scheme.lower(), credential.strip()
    if scheme in ("bearer", "token"):
        return credential or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def authenticate_writer() -> None:
    """Accept a user's token or ``INGEST_TOKEN``; else ``unauthorized``.

    The connection counts as a signed-in one from then on, as a Bearer
    request's does (:class:`pulseboard.middleware.ConnectionGate`), so that
    a Telegraf using ``Token`` keeps its keep-alive connection.
    """
    token = _token_from_header()
    ingest_token = current_app.config.get("INGEST_TOKEN")
    if token and ingest_token and hmac.compare_digest(token.encode(), ingest_token.encode()):
        g.user = None
    else:
        g.user = verify_token(token) if token else None
        if g.user is None:
            raise ApiError("unauthorized", "a valid token is required: Authorization: "
                                           "Bearer <token> (or Token <token>)")
    connection = request.environ.get("pulseboard.connection")
    if connection is not None and connection.member is False:
        connection.promote()


def _one(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError("bad_request", f"query parameter {name!r} given more than once")
    return values[0] if values else None


def write_options() -> WriteOptions:
    """The request's ``precision``, ``prefix`` and ``tags``, validated."""
    unknown = set(request.args) - OPTIONS - IGNORED_PARAMS
    if unknown:
        raise ApiError("bad_request", f"unknown query parameters {sorted(unknown)}: "
                                      "precision, prefix and tags are understood")
    precision = _one("precision") or "ns"
    if precision not in PRECISIONS:
        raise ApiError("bad_request", "precision must be one of ns, us, ms, s")
    prefix = _one("prefix")
    if prefix is not None and not PART_NAME.fullmatch(prefix):
        raise ApiError("bad_request", "prefix must be 1-32 of a-z 0-9 _ -, starting with "
                                      "a letter or digit")
    tags = _one("tags")
    keys = None if tags is None else tuple(key for key in tags.split(",") if key)
    if keys is not None and (len(keys) > MAX_TAG_KEYS or any(len(k) > 64 for k in keys)):
        raise ApiError("bad_request", f"tags names at most {MAX_TAG_KEYS} keys of at most "
                                      "64 characters")
    return WriteOptions(precision, prefix, keys)


def request_body() -> bytes:
    """The body, gunzipped when ``Content-Encoding: gzip``; at most ``MAX_CONTENT_LENGTH``.

    The limit holds for the decompressed body too (``too_large``), so a small
    gzip bomb costs nothing.
    """
    limit = request.max_content_length
    # Werkzeug: 413 past a Content-Length over the limit; a chunked body (see
    # middleware.TerminatedChunkedInput) is read up to the limit.
    data = request.get_data(cache=False)
    if limit is not None and len(data) >= limit:  # a chunked body cut at the limit
        raise ApiError("too_large", f"request body over {limit} bytes")
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding != "gzip":
        raise ApiError("bad_request", "Content-Encoding must be gzip or identity")
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        body = inflater.decompress(data, limit or 0)
    except zlib.error as exc:
        raise ApiError("bad_request", f"gzip body does not decompress: {exc}") from None
    if inflater.unconsumed_tail or (limit is not None and len(body) >= limit):
        raise ApiError("too_large", f"decompressed body over {limit} bytes")
    if not inflater.eof or inflater.unused_data:
        raise ApiError("bad_request", "gzip body is truncated or has trailing data")
    return body


def _write():
    authenticate_writer()
    options = write_options()
    arrived = now_ms()
    sink = ChartSink(current_app.extensions["pulseboard"].charts)
    return write(request_body(), options, sink, arrived)


@bp.post("/write")
def write_lines():
    """Write line protocol (Telegraf ``outputs.http``, InfluxDB 1.x clients)."""
    return _write()


@bp.post("/v2/write")
def write_lines_v2():
    """Write line protocol as InfluxDB 2's ``/api/v2/write`` (``Authorization: Token``)."""
    return _write()
