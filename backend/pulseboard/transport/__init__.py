"""Pulseboard's guards around python-engineio and python-socketio.

Each module covers named upstream behaviour (see their docstrings) and is
pinned by tests/backend/test_transport_upstream.py, which fails when an
upgrade changes what they rely on:

* :mod:`.strict_json`: JSON in, strictly (NaN, lone surrogates, depth).
* :mod:`.packets`: Socket.IO/Engine.IO packet decoding that refuses, not raises.
* :mod:`.guard`: every event answered, no lifecycle names, protocol errors closed.
* :mod:`.websocket`: close codes 1002/1007/1009 and bounded fragmented messages.
* :mod:`.batched_writes`: one write per WebSocket writer wake-up (eventlet).
* :mod:`.direct_writes`: no parked writer greenlet per WebSocket (eventlet).
* :mod:`.lean_websocket`: no deques the RFC 6455 socket never uses (eventlet).
* :mod:`.flat_calls`: WSGI layers called as bound methods (less C stack per connection).
* :mod:`.light_pool`: no GreenThread per connection (eventlet; ``pulseboard serve`` uses it).
* :mod:`.ping_timer`: one timer for every connection's pings.
* :mod:`.polling`: every long-polling POST answered (400/411/413).
* :mod:`.sessions`: unauthenticated sessions bounded in count and lifetime.
"""

from dataclasses import dataclass

from . import direct_writes, flat_calls, guard, ping_timer, sessions, websocket
from .packets import StrictPacket
from .polling import PollingGuard

#: python-socketio's ``serializer``: strict packet and payload decoding.
SERIALIZER = StrictPacket


@dataclass
class Transport:
    """The installed guards of one app."""

    guard: guard.PacketGuard
    sessions: sessions.SessionLimits


def install(app, socketio) -> Transport:
    """Install every guard on ``socketio`` (initialised for ``app``); return them.

    Also wraps ``app.wsgi_app`` in the long-polling guard. Settings:
    ``MAX_PENDING_SESSIONS`` and ``PENDING_SESSION_TIMEOUT`` (seconds).
    """
    server = socketio.server
    transport = Transport(
        guard=guard.install(server),
        sessions=sessions.SessionLimits(
            server,
            app.config.get("MAX_PENDING_SESSIONS", sessions.DEFAULT_MAX_PENDING),
            app.config.get("PENDING_SESSION_TIMEOUT", sessions.DEFAULT_PENDING_TIMEOUT)),
    )
    websocket.install(server.eio)
    ping_timer.install(server.eio)
    direct_writes.install(server.eio)
    app.wsgi_app = PollingGuard(app.wsgi_app, server, socketio.sockio_mw.engineio_path)
    # Bound methods, not callable instances, from here down: a WebSocket's greenlet
    # parks under every layer, each instance costing it ~700 B of saved C stack.
    app.wsgi_app = flat_calls.flatten(app.wsgi_app)
    app.extensions["pulseboard.transport"] = transport
    return transport


def current_transport(app) -> Transport | None:
    """The :class:`Transport` installed on ``app``, if any."""
    return app.extensions.get("pulseboard.transport")
