"""REST for alerts: list them with the rules, read one with its events, acknowledge one."""

from flask import Blueprint, current_app, g, request

from ..contract.base import NoPayload
from ..http import json_body, register_id_converter, require_token
from ..wire import ApiError, parse

bp = Blueprint("alerts", __name__, url_prefix="/api/alerts")


register_id_converter(bp, "alert_id")


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
