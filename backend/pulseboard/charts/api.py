"""REST for charts: list streams with their state, and publish points."""

import math
import re

from flask import Blueprint, current_app, request

from ..contract.charts import MAX_POINTS_PER_REQUEST, PublishBody, StreamHistoryQuery
from ..http import json_body, require_token
from ..wire import ApiError, now_ms, parse
from . import history
from .streams import STREAM_NAME

#: The query parameters of ``GET .../history``; each an unsigned decimal integer.
HISTORY_PARAMS = ("from", "to", "max_points")
DIGITS = re.compile(r"[0-9]{1,16}")  # ASCII only: str.isdigit() takes "²", int() does not

bp = Blueprint("charts", __name__, url_prefix="/api/streams")


def _service():
    return current_app.extensions["pulseboard"].charts


def _points(body: PublishBody) -> list[list[float]]:
    if (body.points is None) == (body.value is None):
        raise ApiError("bad_request", "send either 'points' or 'value'")
    points = [[now_ms(), body.value]] if body.points is None else body.points
    if len(points) > MAX_POINTS_PER_REQUEST:
        raise ApiError("too_large", f"at most {MAX_POINTS_PER_REQUEST} points per request")
    if not all(math.isfinite(t) and math.isfinite(v) for t, v in points):
        raise ApiError("bad_request", "points must be finite numbers")
    return points


@bp.get("")
@require_token
def list_streams():
    """Every stream with cluster-wide subscriber count and producer state."""
    return {"streams": _service().list_streams(with_stats=True)}


@bp.post("/<name>/points")
@require_token
def publish(name: str):
    """Publish points into a stream (202); a new name creates the stream."""
    if not STREAM_NAME.fullmatch(name):  # its `$` would let "name\n" through
        raise ApiError("bad_request", "stream names are 1-64 of a-z 0-9 . _ -, "
                                      "starting with a letter or digit")
    body = parse(PublishBody, json_body())
    accepted = _service().publish(name, _points(body), body.unit)
    return {"ok": True, "stream": name, "accepted": accepted}, 202


@bp.get("/<name>/history")
@require_token
def stream_history(name: str):
    """Stored points of a stream: ``?from=<t_ms>&to=<t_ms>&max_points=<n>`` (contract)."""
    unknown = set(request.args) - set(HISTORY_PARAMS)
    if unknown:
        raise ApiError("bad_request", f"unknown query parameters {sorted(unknown)}: "
                                      f"use {', '.join(HISTORY_PARAMS)}")
    query = {"stream": name}
    for param in HISTORY_PARAMS:
        values = request.args.getlist(param)
        if len(values) > 1:
            raise ApiError("bad_request", f"query parameter {param!r} given more than once")
        if values:
            if not DIGITS.fullmatch(values[0]):
                raise ApiError("bad_request", f"{param} must be a non-negative integer")
            query[param] = int(values[0])
    return history.answer(_service(), parse(StreamHistoryQuery, query))
