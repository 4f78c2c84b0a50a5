"""WebSocket transports that close a bad connection with the right close code.

What they cover, per server:

* eventlet 0.41 (``pulseboard serve``): a message sent as many fragments is
  buffered without bound (``max_frame_length`` is checked per frame: 20 MB
  in 1 MB fragments cost 55 MB of RSS); text that is not UTF-8 closes with
  1011 instead of 1007. :class:`BoundedMessage` replaces the per-socket
  ``Message`` class: 1009 as soon as the fragments pass the limit, 1007 for
  invalid UTF-8.
* simple-websocket (threading, gevent): python-engineio 4.15 passes it no
  ``max_message_size``, so a message of any size is assembled before
  python-engineio refuses it; here the limit is passed (close 1009).
* every server: an Engine.IO packet python-engineio cannot decode escapes
  its WebSocket loop (an HTTP 500 written into the open WebSocket under
  eventlet). :func:`~pulseboard.transport.packets.check_engineio_packet`
  runs first and a bad packet closes the connection with 1002, as does a
  Socket.IO protocol error found later (``pulseboard_close`` on the
  Engine.IO socket, set by the packet guard).
* eventlet: one ``sendall()`` per writer wake-up instead of one per packet
  (:mod:`~pulseboard.transport.batched_writes`), and no deques the RFC 6455
  socket never uses (:mod:`~pulseboard.transport.lean_websocket`).
"""

import contextlib
import functools

from ..connections import GEVENT_HANDLER
from . import lean_websocket
from .batched_writes import BatchingWebSocket
from .flat_calls import flat_websocket_class
from .guard import warnings
from .packets import ProtocolError, check_engineio_packet

PROTOCOL_ERROR = 1002
INVALID_DATA = 1007
TOO_BIG = 1009


def _close_code(eio_socket) -> tuple[int, str] | None:
    return getattr(eio_socket, "pulseboard_close", None)


def _checked(data, eio_socket):
    """``data`` if it is a packet python-engineio can take; else mark a 1002 close."""
    if data is None:
        return None
    try:
        check_engineio_packet(data)
    except ProtocolError as exc:
        warnings.warning("protocol", "closing WebSocket %s: %s",
                         getattr(eio_socket, "sid", "?"), exc)
        eio_socket.pulseboard_close = (PROTOCOL_ERROR, str(exc)[:100])
        return None
    return data


@functools.cache  # one class per base: a class per connection cost ~3 KB of each
def bounded_message_class(base):
    """eventlet's ``RFC6455WebSocket.Message`` with a total size and UTF-8 close codes."""
    from eventlet.websocket import FailedConnectionError

    class BoundedMessage(base):
        size = 0

        def push(self, data, final=False):
            self.size += len(data)
            if self.size > self.max_frame_length:
                raise FailedConnectionError(
                    TOO_BIG, f"message over {self.max_frame_length} bytes")
            super().push(data, final)

        def getvalue(self):
            try:
                return super().getvalue()
            except (UnicodeDecodeError, ValueError):
                raise FailedConnectionError(INVALID_DATA, "text is not valid UTF-8") from None

    return BoundedMessage


class _EventletSocket:
    """What python-engineio's WebSocket loop sees instead of eventlet's socket."""

    def __init__(self, ws, eio_socket):
        ws.Message = bounded_message_class(type(ws).Message)
        lean_websocket.slim(ws)  # two deques and a generator fewer per connection
        self._ws = ws
        self._eio_socket = eio_socket
        # With direct_writes the writer never polls and frames bypass send():
        # the batching (and its poll wrapper) would only cost memory.
        direct = getattr(eio_socket.server, "pulseboard_direct_writes", False)
        self._writes = None if direct else BatchingWebSocket(ws, eio_socket)

    def __getattr__(self, name):  # _sock/socket for python-engineio's settimeout
        return getattr(self._ws, name)

    def wait(self):
        if _close_code(self._eio_socket):
            self.close()
            return None
        data = _checked(lean_websocket.wait(self._ws), self._eio_socket)
        if data is None:
            self.close(linger=True)  # the reader: it may read what the client still sends
        return data

    def send(self, message):
        if self._writes is None:
            self._ws.send(message)
        else:
            self._writes.send(message)

    def close(self, linger: bool = False):
        if self._writes is not None:
            self._writes.flush()  # what the writer sent last, before the close frame
        if self._ws.websocket_closed:
            return  # eventlet already sent its own close frame (1002/1007/1009)
        if linger:
            lean_websocket.close_lingering(self._ws, _close_code(self._eio_socket))
        else:
            self._ws.close(close_data=_close_code(self._eio_socket))


def eventlet_websocket_class():
    """python-engineio's eventlet WebSocket app with the guards above."""
    from engineio.async_drivers.eventlet import WebSocketWSGI

    class GuardedWebSocketWSGI(WebSocketWSGI):
        def __init__(self, handler, server):
            eio_socket = handler.__self__  # the Engine.IO Socket being served
            super().__init__(lambda ws: handler(_EventletSocket(ws, eio_socket)), server)

    return GuardedWebSocketWSGI


def simple_websocket_class(base):
    """python-engineio's simple-websocket app (threading, gevent) with the guards above."""

    class GuardedSimpleWebSocketWSGI(base):
        def __init__(self, handler, server):
            self._eio_socket = handler.__self__
            super().__init__(handler, server)
            self.server_args["max_message_size"] = int(server.max_http_buffer_size)

        def __call__(self, environ, start_response):
            handler = environ.get(GEVENT_HANDLER)
            if handler is not None:
                handler.websocket_served = True  # it lingers at the close
            return super().__call__(environ, start_response)

        def wait(self):
            if _close_code(self._eio_socket):
                self.close()
                return None
            data = _checked(super().wait(), self._eio_socket)
            if data is None:
                self.close()
            return data

        def close(self):
            # Called by python-engineio's reader and writer alike, in two threads:
            # wsproto raises if a second close (or the peer's) crosses the first.
            if getattr(self, "_closing", False) or not self.ws.connected:
                return
            self._closing = True
            code = _close_code(self._eio_socket)
            with contextlib.suppress(Exception):
                self.ws.close(*(code or ()))

    return GuardedSimpleWebSocketWSGI


def install(eio_server) -> None:
    """Give ``eio_server`` (a python-engineio ``Server``) the guarded WebSocket app."""
    base = eio_server._async["websocket"]
    if eio_server.async_mode == "eventlet":
        guarded = eventlet_websocket_class()
    elif base is not None and any(c.__name__ == "SimpleWebSocketWSGI" for c in base.__mro__):
        guarded = simple_websocket_class(base)
    else:
        return
    # A copy: the driver's _async dict is module-level, shared by every server.
    # The app built per upgrade is called as a bound method (flat_calls: less C stack).
    eio_server._async = {**eio_server._async, "websocket": flat_websocket_class(guarded)}
