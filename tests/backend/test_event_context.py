"""The request context Flask-SocketIO builds for every event stays cheap."""

import gc

from flask import request, session
from werkzeug.test import EnvironBuilder

from pulseboard import create_app


def websocket_handshake_environ() -> dict:
    """The environ an event's context is built from: the WebSocket handshake."""
    return EnvironBuilder(
        path="/socket.io/", query_string="EIO=4&transport=websocket",
        headers={"Upgrade": "websocket", "Connection": "Upgrade",
                 "Cookie": "session=anything"}).get_environ()


def test_an_event_context_matches_its_url_without_an_exception(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ctx.db'}",
                      "SECRET_KEY": "test", "ASYNC_MODE": "threading"})
    environ = websocket_handshake_environ()
    gc.collect()
    gc.disable()  # count the cyclic garbage the contexts leave
    try:
        for _ in range(100):
            with app.request_context(environ):
                assert request.routing_exception is None
                assert request.url_rule.endpoint == "socketio"
                assert session.get("anything") is None and not session.modified
        # Before: a WebsocketMismatch and its traceback per event, ~38 objects
        # here; what remains is werkzeug's matcher closure, 8 per match.
        assert gc.collect() < 15 * 100
    finally:
        gc.enable()
