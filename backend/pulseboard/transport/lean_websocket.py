"""Two deques fewer per eventlet WebSocket (740 bytes each, allocated and never used).

eventlet 0.41's ``RFC6455WebSocket.__init__`` (through ``WebSocket.__init__``)
creates ``_msgs = collections.deque()``, which only the old hixie-76
``WebSocket.wait`` reads, and ``_sendlock = semaphore.Semaphore()``, whose
``__init__`` creates its waiters' ``deque`` at once. A ``deque`` allocates its
first 64-slot block eagerly: 740 bytes, twice per connection, for a queue
the RFC 6455 socket never has and a lock that is almost never contended.

:func:`slim` drops the first and gives the second a ``LazySemaphore``
(:func:`lazy_semaphore_class`),
which makes its deque only when a greenlet has to wait. Pinned by
tests/backend/test_lean_websocket.py; upstream could create both lazily.
"""

import collections
import functools


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
    """Drop ``ws``'s unused ``_msgs`` deque; give it a lazy-deque send lock.

    :param ws: eventlet's ``RFC6455WebSocket`` of a connection, before any send.
    """
    ws._msgs = ()
    ws._sendlock = lazy_semaphore_class()()
