"""Every Socket.IO packet a client sends is answered or its connection closed.

Installed on python-socketio's ``Server`` by :func:`install`; it covers
these behaviours of python-socketio 5.18 / python-engineio 4.15:

* ``_handle_eio_message`` raises ``ValueError`` on a broken packet and
  python-engineio logs it with a traceback (``message handler error``) while
  the client waits forever. Here the connection is closed as a protocol
  error instead (WebSocket close 1002; a polling POST answers 400), with one
  rate-limited warning line.
* ``_handle_event`` indexes ``data[0]`` without checking it and hands any
  name to the namespace, ``connect`` and ``disconnect`` included, so a
  client could run the server's own connection handlers. Here an event must
  be ``[name, ...]`` with a non-reserved string name, and every refused
  event that asked for an ack gets ``bad_request``.
"""

import logging
import time

from socketio import packet as sio_packet

from ..wire import fail
from .packets import ProtocolError, Refused

log = logging.getLogger(__name__)

#: Names a client may not emit: the server's lifecycle events and those
#: socket.io-client reserves for itself.
RESERVED_EVENTS = frozenset({
    "connect", "connect_error", "disconnect", "disconnecting",
    "newListener", "removeListener",
})
MAX_EVENT_NAME = 64
WARNING_INTERVAL = 10.0  # seconds between two warnings of one kind


class RateLimitedLog:
    """Log one line per reason per interval: a bad client must not flood the log."""

    def __init__(self, interval: float = WARNING_INTERVAL):
        self.interval = interval
        self._last: dict[str, float] = {}
        self.suppressed = 0

    def warning(self, kind: str, message: str, *args) -> None:
        """Warn about ``kind`` unless it was warned about within the interval."""
        now = time.monotonic()
        if now - self._last.get(kind, -self.interval) < self.interval:
            self.suppressed += 1
            return
        self._last[kind] = now
        log.warning(message, *args)


warnings = RateLimitedLog()


def event_refusal(data) -> str | None:
    """Why an EVENT payload cannot be dispatched, or None if it can."""
    if isinstance(data, Refused):
        return f"payload refused: {data.reason}"
    if not isinstance(data, list) or not data:
        return "an event must be [name, ...args]"
    name = data[0]
    if not isinstance(name, str) or not name or len(name) > MAX_EVENT_NAME:
        return f"an event name must be a string of 1-{MAX_EVENT_NAME} characters"
    if name in RESERVED_EVENTS:
        return f"{name!r} is a reserved event name"
    return None


class PacketGuard:
    """Wraps one python-socketio server's Engine.IO message and event entry points."""

    def __init__(self, server):
        self.server = server
        self._dispatch_message = server._handle_eio_message
        self._dispatch_event = server._handle_event

    def on_message(self, eio_sid, data):
        """The Engine.IO ``message`` handler: decode, dispatch, or close."""
        try:
            self._dispatch_message(eio_sid, data)
        except ValueError as exc:  # ProtocolError, or python-socketio's own refusals
            self.protocol_error(eio_sid, str(exc))

    def handle_event(self, eio_sid, namespace, id, data):
        """python-socketio's ``_handle_event`` with the payload checked first."""
        reason = event_refusal(data)
        if reason is None:
            return self._dispatch_event(eio_sid, namespace, id, data)
        namespace = namespace or "/"
        if id is None:
            warnings.warning("event-no-ack", "dropped an event without ack on %s: %s",
                             namespace, reason)
            return None
        sid = self.server.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is None or not self.server.manager.is_connected(sid, namespace):
            return None  # python-socketio ignores events of unconnected namespaces too
        self.server._send_packet(eio_sid, self.server.packet_class(
            sio_packet.ACK, namespace=namespace, id=id, data=[fail("bad_request", reason)]))
        return None

    def protocol_error(self, eio_sid, reason: str) -> None:
        """Close ``eio_sid``'s session: the client broke the framing."""
        warnings.warning("protocol", "closing Engine.IO session %s: %s", eio_sid, reason)
        self.server._binary_packet.pop(eio_sid, None)
        socket = self.server.eio.sockets.get(eio_sid)
        if socket is not None:
            # Read by the WebSocket close (code 1002) and the polling POST (400).
            socket.pulseboard_close = (1002, reason[:100])
            socket.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_ERROR)


def install(server) -> PacketGuard:
    """Put a :class:`PacketGuard` in front of ``server`` (a ``socketio.Server``)."""
    guard = PacketGuard(server)
    server._handle_event = guard.handle_event  # _handle_eio_message looks it up here
    server.eio.on("message", guard.on_message)
    return guard


__all__ = ["RESERVED_EVENTS", "PacketGuard", "ProtocolError", "event_refusal", "install"]
