"""REST for alerts: list them with the rules, read one with its events, acknowledge one."""

from flask import Blueprint, current_app, g, request
from werkzeug.routing import IntegerConverter

from ..contract.base import NoPayload
from ..http import json_body, require_token
from ..wire import MAX_ID, ApiError, parse

bp = Blueprint("alerts", __name__, url_prefix="/api/alerts")


class AlertIdConverter(IntegerConverter):
    """``<alert_id:...>``: an id of 1..2**53, digits only (a longer one is a plain 404)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


@bp.record_once
def _register_converter(state) -> None:
    state.app.url_map.converters["alert_id"] = AlertIdConverter


def _service():
    return current_app.extensions["pulseboard"].alerts


@bp.get("")
@require_token
def list_alerts():
    """``{alerts, rules}``: stored alerts newest first, and every rule."""
    return _service().overview()


@bp.get("/<alert_id:alert_id>")
@require_token
def get_alert(alert_id: int):
    """``{alert, events}``: one alert with its transitions and acknowledgement."""
    return _service().get(alert_id)


@bp.post("/<alert_id:alert_id>/ack")
@require_token
def acknowledge(alert_id: int):
    """Acknowledge as the caller; the body is empty or ``{}``. 200 with the alert."""
    if request.get_data(cache=True):
        parse(NoPayload, json_body())  # anything but {} is a bad_request
    elif request.content_length not in (None, 0):
        raise ApiError("bad_request", "the body must be empty or {}")
    return {"ok": True, "alert": _service().acknowledge(alert_id, g.user.username, "board")}
