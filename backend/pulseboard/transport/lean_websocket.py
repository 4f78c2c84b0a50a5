"""Two deques and a generator fewer per eventlet WebSocket, and a C frame less under its reader.

eventlet 0.41's ``RFC6455WebSocket.__init__`` (through ``WebSocket.__init__``)
creates ``_msgs = collections.deque()``, which only the old hixie-76
``WebSocket.wait`` reads, and ``_sendlock = semaphore.Semaphore()``, whose
``__init__`` creates its waiters' ``deque`` at once. A ``deque`` allocates its
first 64-slot block eagerly: 740 bytes, twice per connection, for a queue
the RFC 6455 socket never has and a lock that is almost never contended.

:func:`slim` drops the first and gives the second a ``LazySemaphore``
(:func:`lazy_semaphore_class`),
which makes its deque only when a greenlet has to wait.

``RFC6455WebSocket.wait`` is ``for i in self.iterator: return i`` over the
``_iter_frames`` generator it creates in ``__init__``. On CPython 3.11 a
generator resumes in a new C-level frame, so every idle connection's reader,
parked in ``recv`` inside the generator, has one more C frame saved by greenlet
(~1 KB with the generator's own frame). :func:`wait` is the same loop as a
plain function (the state a generator kept between messages, an unfinished
fragmented message, is always empty when it yields), and :func:`slim` drops
the generator. A frame it refuses is closed with :func:`close_lingering`.

Pinned by tests/backend/test_lean_websocket.py; upstream could create the
deques lazily and read frames without a generator.
"""

import collections
import functools

from ..connections import linger


@functools.cache
def lazy_semaphore_class():
    """:class:`LazySemaphore`, made on first use: only eventlet servers import eventlet."""
    from eventlet.semaphore import Semaphore

    class LazySemaphore(Semaphore):
        """eventlet's ``Semaphore(1)`` whose waiters' deque is made at the first wait."""

        def __init__(self):
            self.counter = 1
            self._waiters = ()  # falsy and iterable as eventlet's fast paths read it

        def acquire(self, blocking=True, timeout=None):
            """eventlet's ``acquire``; the waiters' deque is made when the caller will wait."""
            if self.counter <= 0 and not isinstance(self._waiters, collections.deque):
                self._waiters = collections.deque()
            return super().acquire(blocking, timeout)

    return LazySemaphore


def slim(ws) -> None:
    """Drop ``ws``'s unused ``_msgs`` deque and its frames generator; give it a lazy-deque lock.

    :param ws: eventlet's ``RFC6455WebSocket`` of a connection, before any send or
        wait; from then on it is read with :func:`wait`, not ``ws.wait()``.
    """
    ws._msgs = ()
    ws._sendlock = lazy_semaphore_class()()
    ws.iterator = None  # ws.wait() would fail loudly: wait(ws) reads it


def wait(ws):
    """The next message of ``ws``, or ``None`` once it is closed: ``RFC6455WebSocket.wait``.

    eventlet's ``_iter_frames`` loop, without the generator: control frames
    are answered, fragments joined, and a protocol error closes the socket
    with its status (1002, 1007, 1009) or 1011 for anything else, re-raised.
    """
    from eventlet.websocket import ConnectionClosedError, FailedConnectionError

    if getattr(ws, "frames_ended", False):
        return None  # as an exhausted generator: every later wait answers None
    fragmented = None
    try:
        while True:
            message = ws._recv_frame(message=fragmented)
            if message.opcode & 8:
                ws._handle_control_frame(message.opcode, message.getvalue())
                continue
            if fragmented and message is not fragmented:
                raise RuntimeError("Unexpected message change.")
            fragmented = message
            if message.finished:
                return message.getvalue()
    except FailedConnectionError as error:
        ws.frames_ended = True
        close_lingering(ws, (error.status, error.message))
    except ConnectionClosedError:
        ws.frames_ended = True
    except Exception:
        ws.frames_ended = True
        ws.close(close_data=(1011, "Internal Server Error"))
        raise
    return None


def close_lingering(ws, close_data=None) -> None:
    """eventlet's ``RFC6455WebSocket.close``, reading what the client still sends before closing.

    Refused mid-message (1009 for a frame past the limit, read no further),
    the client's unread bytes would make the socket's close a TCP reset, and
    a reset makes the client drop what it has not read: the close frame with
    its code. Called by the connection's reader only: a second greenlet may
    not read the same socket.
    """
    try:
        ws._send_closing_frame(close_data=close_data, ignore_send_errors=True)
        linger(ws.socket)
    finally:
        ws.socket.close()
