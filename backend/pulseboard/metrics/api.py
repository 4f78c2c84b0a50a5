"""``GET /metrics`` and who may read it.

With ``METRICS_TOKEN`` set, a scraper must send ``Authorization: Bearer
<METRICS_TOKEN>`` (Prometheus: ``authorization: {credentials: ...}``), from
wherever it is. Without it, only a client on the worker's own host that
came straight to it may read: a loopback peer and none of the proxy headers
``X-Real-IP``, ``X-Forwarded-For`` or ``Forwarded`` (a request through nginx
always carries one; a same-host proxy may set only one of the others). The shipped nginx.conf does
not pass ``/metrics`` on at all: it is an internal, per-worker endpoint.
"""

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from ..wire import ApiError

bp = Blueprint("metrics", __name__)

PROXY_HEADERS = ("X-Real-IP", "X-Forwarded-For", "Forwarded")  # any one: came through a proxy


def _direct_from_loopback() -> bool:
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return peer.is_loopback and not any(name in request.headers for name in PROXY_HEADERS)


def check_reader() -> None:
    """Raise ``unauthorized`` / ``forbidden`` unless this request may read ``/metrics``."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 token.encode()):
            raise ApiError("unauthorized", "GET /metrics needs Authorization: Bearer "
                                           "<METRICS_TOKEN>")
    elif not _direct_from_loopback():
        raise ApiError("forbidden", "GET /metrics answers only loopback clients that come "
                                    "straight to the worker; set METRICS_TOKEN to scrape "
                                    "from elsewhere")


@bp.get("/metrics")
def metrics():
    """This worker's metrics in Prometheus' text exposition format."""
    check_reader()
    registry = current_app.extensions["pulseboard_metrics"]
    # Every name here is a classic one, so the 0.0.4 text format, which every
    # Prometheus (2.x included) reads; prometheus_client's own server says the same.
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4,
                    headers={"Cache-Control": "no-store"})
