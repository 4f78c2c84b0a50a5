"""One ``sendall()`` per writer wake-up on eventlet WebSockets.

python-engineio 4.15's WebSocket writer (``Socket._websocket_handler``) takes
everything queued for a client with ``self.poll()`` and then calls
``ws.send(pkt.encode())`` once per packet; eventlet 0.41's ``RFC6455WebSocket``
writes each frame with its own ``sendall()``. With ``TCP_NODELAY`` (see
:mod:`pulseboard.connections`) each of those is its own TCP segment and its
own system call: a client in five chart rooms costs five writes per tick.

:class:`BatchingWebSocket` packs each frame as eventlet would and keeps it;
the frames go out in one ``sendall()`` when the writer comes back to
``poll()`` (the engine.io socket's ``poll`` is wrapped for that), or when the
connection closes. So whatever the queue held when the writer woke leaves in
one write, and a lone packet still leaves at once: no delay is added, only
system calls are saved.

Sends before the writer's first ``poll()`` (the upgrade's ``pong probe``,
which the client waits for before it sends ``upgrade``) are written
directly. Pinned by tests/backend/test_transport_upstream.py; the same change
in python-engineio's writer (``ws.send`` of the joined frames, or a
``send_many``) would make this module unnecessary.
"""

import logging

log = logging.getLogger(__name__)


class BatchingWebSocket:
    """Frames of eventlet's ``ws`` kept until the writer next polls, then sent at once.

    :param ws: eventlet's ``RFC6455WebSocket`` of one connection.
    :param eio_socket: python-engineio's ``Socket`` whose writer sends on ``ws``.
    """

    def __init__(self, ws, eio_socket):
        self._ws = ws
        self._frames: list[bytes] = []
        self._batching = False
        self._broken = False
        poll = eio_socket.poll

        def poll_after_flush():
            self._batching = True  # only the writer polls once the WebSocket is up
            if not self.flush():
                return []  # python-engineio's writer ends and closes the WebSocket
            return poll()

        eio_socket.poll = poll_after_flush

    def send(self, message) -> None:
        """Keep ``message``'s frame for the next flush (write it now before the writer runs)."""
        if not self._batching:
            self._ws.send(message)
            return
        if self._broken:
            raise OSError("the WebSocket's connection is gone")
        self._frames.append(self._ws._pack_message(message, masked=self._ws.client))

    def flush(self) -> bool:
        """Write the kept frames in one ``sendall()``; False once the connection is gone."""
        if self._broken:
            return False
        if not self._frames:
            return True
        data = self._frames[0] if len(self._frames) == 1 else b"".join(self._frames)
        self._frames.clear()
        with self._ws._sendlock:
            try:
                self._ws.socket.sendall(data)
            except OSError as exc:
                log.debug("WebSocket write failed: %s", exc)
                self._broken = True
                return False
        return True
