"""REST for annotations: ``GET /api/annotations?from=<t_ms>&to=<t_ms>[&stream=<name>]``."""

from flask import Blueprint, current_app, request

from ..contract.annotations import AnnotationsQuery
from ..http import require_token
from ..wire import ApiError, parse

bp = Blueprint("annotations", __name__, url_prefix="/api/annotations")

_NUMBERS = ("from", "to")


def query_args() -> AnnotationsQuery:
    """The query string as :class:`AnnotationsQuery`; anything else is ``bad_request``."""
    args = {}
    for key in request.args:
        values = request.args.getlist(key)
        if len(values) != 1:
            raise ApiError("bad_request", f"{key}: give it once")
        value = values[0]
        if key in _NUMBERS:
            if not value.isascii() or not value.isdigit() or len(value) > 16:
                raise ApiError("bad_request", f"{key}: must be milliseconds since the epoch "
                                              "(digits)")
            args[key] = int(value)
        else:
            args[key] = value  # unknown keys are refused by the model
    return parse(AnnotationsQuery, args)


@bp.get("")
@require_token
def list_annotations():
    """``{ok, from, to, annotations, truncated}``: annotations in the range, oldest first."""
    query = query_args()
    service = current_app.extensions["pulseboard"].annotations
    return {"ok": True, **service.between(query.from_, query.to, query.stream)}
