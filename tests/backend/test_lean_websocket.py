"""Two deques fewer per eventlet WebSocket (pulseboard.transport.lean_websocket).

The WebSockets themselves are exercised through the slimmed sockets by the
real-server tests (test_hostile_transport, test_batched_writes,
test_direct_writes); here the lock's own behaviour and the upstream code.
"""

import collections
import inspect

import eventlet
from eventlet import semaphore, websocket

from pulseboard.transport.lean_websocket import lazy_semaphore_class, slim

LazySemaphore = lazy_semaphore_class()


def test_an_uncontended_lock_makes_no_deque():
    lock = LazySemaphore()
    for _ in range(3):
        with lock:
            assert lock.locked()
        assert not lock.locked()
    assert lock._waiters == () and lock.balance == 1


def test_a_contended_lock_excludes_and_wakes_every_waiter():
    lock, inside, order = LazySemaphore(), [], []

    def worker(name):
        with lock:
            inside.append(name)
            assert len(inside) == 1  # nobody else holds it
            eventlet.sleep(0.01)  # yield while holding: the others must wait
            order.append(name)
            inside.remove(name)

    threads = [eventlet.spawn(worker, n) for n in range(4)]
    for thread in threads:
        thread.wait()
    assert sorted(order) == [0, 1, 2, 3]
    assert isinstance(lock._waiters, collections.deque) and not lock._waiters
    assert not lock.locked() and lock.acquire(blocking=False) is True
    assert lock.acquire(blocking=False) is False  # held: not taken twice


def test_slim_replaces_the_unused_queue_and_the_lock():
    class Socket:
        _msgs = collections.deque()
        _sendlock = semaphore.Semaphore()

    ws = Socket()
    slim(ws)
    assert ws._msgs == () and isinstance(ws._sendlock, LazySemaphore)


# -- upstream behaviour lean_websocket relies on ----------------------------------


def test_upstream_eventlet_rfc6455_never_reads_the_hixie_message_deque():
    """Covered by lean_websocket.slim: ``_msgs`` is set by ``WebSocket.__init__`` only."""
    init = inspect.getsource(websocket.WebSocket.__init__)
    assert "self._msgs = collections.deque()" in init
    assert "self._sendlock = semaphore.Semaphore()" in init
    assert "_msgs" not in inspect.getsource(websocket.RFC6455WebSocket)
    assert "_msgs" in inspect.getsource(websocket.WebSocket.wait)  # the hixie reader


def test_upstream_eventlet_semaphore_touches_its_deque_only_to_wait():
    """Covered by LazySemaphore: ``()`` serves the fast paths, a deque is made to wait."""
    assert "self._waiters = collections.deque()" in inspect.getsource(semaphore.Semaphore.__init__)
    acquire = inspect.getsource(semaphore.Semaphore.acquire)
    assert "if self.counter <= 0 or self._waiters:" in acquire
    assert "self._waiters.append(current_thread)" in acquire
    release = inspect.getsource(semaphore.Semaphore.release)
    assert "if self._waiters:" in release
    assert "self._waiters.popleft()" in inspect.getsource(semaphore.Semaphore._do_acquire)
