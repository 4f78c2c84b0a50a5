"""REST for debug messages: read recent ones, and post one (202)."""

import re

from flask import Blueprint, current_app, request

from ..contract.debug import LEVELS, RECENT_LIMIT, PostBody
from ..http import json_body, require_token
from ..wire import ApiError, parse
from .filters import DebugFilter

bp = Blueprint("debug", __name__, url_prefix="/api/debug")

MAX_BODY = 64 * 1024
LIMIT = re.compile(r"[0-9]{1,4}")
#: Prefixes of the debug sources only the server posts (task runs, bridged log
#: records, alert rules); a client may not pose as them.
SERVER_SOURCE_PREFIXES = ("task:", "log:", "alert:")


def _service():
    return current_app.extensions["pulseboard"].debug


def _csv(name: str) -> list[str]:
    return [part.strip() for part in request.args.get(name, "").split(",") if part.strip()]


@bp.get("")
@require_token
def recent():
    """Recent messages, oldest first; ``?levels=a,b&sources=x,y*&limit=n`` filter them."""
    levels = _csv("levels")
    if any(level not in LEVELS for level in levels):
        raise ApiError("bad_request", f"levels must be among {', '.join(LEVELS)}")
    limit = request.args.get("limit", str(RECENT_LIMIT))
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not LIMIT.fullmatch(limit) or not 1 <= int(limit) <= 1000:
        raise ApiError("bad_request", "limit must be 1-1000")
    flt = DebugFilter.of(levels, _csv("sources"))
    return {"messages": _service().recent(flt, int(limit))}


@bp.post("")
@require_token
def post():
    """Post a message (202 with the stored message, its count raised on a repeat)."""
    request.max_content_length = MAX_BODY  # tighter than the app-wide MAX_CONTENT_LENGTH
    body = parse(PostBody, json_body())
    if body.source.startswith(SERVER_SOURCE_PREFIXES):
        raise ApiError("forbidden", f"sources starting {' or '.join(SERVER_SOURCE_PREFIXES)} "
                                    "are the server's own")
    message = _service().post(body.level, body.source, body.message, body.context)
    return {"ok": True, "message": message}, 202
