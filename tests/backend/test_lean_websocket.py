"""Two deques and a generator fewer per eventlet WebSocket (pulseboard.transport.lean_websocket).

The WebSockets themselves are exercised through the slimmed sockets by the
real-server tests (test_hostile_transport, test_batched_writes,
test_direct_writes); here the lock's own behaviour, the reader against
eventlet's own on the same frames, and the upstream code.
"""

import collections
import inspect

import eventlet
import pytest
from eventlet import semaphore, websocket
from eventlet.green import socket

from pulseboard.transport import lean_websocket
from pulseboard.transport.lean_websocket import lazy_semaphore_class, slim
from support.saved_stack import saved_stack_bytes

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
    assert ws.iterator is None  # the frames generator is gone


def _frames(*messages) -> bytes:
    """What a client writes: each message a masked frame (``(data, keyword arguments)``)."""
    client = websocket.RFC6455WebSocket(None, {}, 13, client=True)
    return b"".join(client._pack_message(data, masked=True, **kw) for data, kw in messages)


# A final frame with the reserved control opcode 0xB, masked with a zero key.
UNKNOWN_OPCODE = bytes([0x8B, 0x81, 0, 0, 0, 0]) + b"?"


CONVERSATIONS = {
    "text, binary, then a close": _frames(("héllo", {}), (b"\x00\x01", {}),
                                          (b"\x03\xe8", {"control_code": 8})),
    "a ping between fragments": _frames(("he", {"final": False}), (b"ping", {"control_code": 9}),
                                        ("llo", {"continuation": True}), ("next", {})),
    "an unknown opcode": _frames(("ok", {})) + UNKNOWN_OPCODE,
    "a bad close code": _frames((b"\x00\x05", {"control_code": 8}), ("never", {})),
    "the peer hangs up": _frames(("last", {})),
}


def _converse(frames: bytes, read) -> tuple[list, bytes]:
    """Feed ``frames`` to a server WebSocket, read it with ``read``: (messages, what it wrote)."""
    server_end, client_end = socket.socketpair()
    ws = websocket.RFC6455WebSocket(server_end, {}, 13)
    client_end.sendall(frames)
    client_end.shutdown(socket.SHUT_WR)
    messages = []
    for _ in range(8):  # bounded: past a close every read answers None
        messages.append(read(ws))
        if messages[-1] is None and len(messages) > 1 and messages[-2] is None:
            break
    server_end.close()
    written = b""
    while chunk := client_end.recv(4096):
        written += chunk
    client_end.close()
    return messages, written


def _lean_read(ws):
    if ws.iterator is not None:
        slim(ws)
    return lean_websocket.wait(ws)


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_wait_reads_what_eventlets_own_wait_reads_and_answers_the_same(name):
    frames = CONVERSATIONS[name]
    lean = _converse(frames, _lean_read)
    assert lean == _converse(frames, lambda ws: ws.wait())
    messages, _ = lean
    assert messages[-2:] == [None, None]  # ended, and stays ended


def test_wait_joins_fragments_answers_pings_and_ends_at_the_close():
    messages, written = _converse(CONVERSATIONS["a ping between fragments"], _lean_read)
    assert messages[:2] == ["hello", "next"]
    assert b"\x8a\x04ping" in written  # the pong, unmasked, with the ping's data
    messages, written = _converse(CONVERSATIONS["an unknown opcode"], _lean_read)
    assert messages[0] == "ok" and written.startswith(b"\x88") and b"\x03\xea" in written  # 1002


READER = """
from eventlet.green import socket
from eventlet.websocket import RFC6455WebSocket
from pulseboard.transport import lean_websocket
ends = []
def reader(lean):
    server_end, client_end = socket.socketpair()
    ends.append(client_end)  # open: the reader stays parked in recv
    ws = RFC6455WebSocket(server_end, {}, 13)
    if lean:
        lean_websocket.slim(ws)
        return eventlet.spawn_n(lean_websocket.wait, ws)
    return eventlet.spawn_n(ws.wait)
"""


def test_a_parked_reader_saves_less_c_stack_without_the_generator():
    generator = saved_stack_bytes(READER, "reader(False)")
    plain = saved_stack_bytes(READER, "reader(True)")
    # ~480 B on CPython 3.11 (x86-64): the generator's C-level frame; at least 250 asserted.
    assert generator - plain >= 250, (generator, plain)


# -- upstream behaviour lean_websocket relies on ----------------------------------


def test_upstream_eventlet_rfc6455_never_reads_the_hixie_message_deque():
    """Covered by lean_websocket.slim: ``_msgs`` is set by ``WebSocket.__init__`` only."""
    init = inspect.getsource(websocket.WebSocket.__init__)
    assert "self._msgs = collections.deque()" in init
    assert "self._sendlock = semaphore.Semaphore()" in init
    assert "_msgs" not in inspect.getsource(websocket.RFC6455WebSocket)
    assert "_msgs" in inspect.getsource(websocket.WebSocket.wait)  # the hixie reader


def test_upstream_eventlet_rfc6455_wait_is_the_frames_generator():
    """Covered by lean_websocket.wait: the loop it repeats, and nothing else reads ``iterator``."""
    assert "self.iterator = self._iter_frames()" in inspect.getsource(
        websocket.RFC6455WebSocket.__init__)
    source = inspect.getsource(websocket.RFC6455WebSocket)
    assert source.count("self.iterator") == 2  # set in __init__, read in wait
    assert "for i in self.iterator:" in inspect.getsource(websocket.RFC6455WebSocket.wait)
    frames = inspect.getsource(websocket.RFC6455WebSocket._iter_frames)
    for step in ("message = self._recv_frame(message=fragmented_message)",
                 "self._handle_control_frame(", "fragmented_message = None", "yield data",
                 "self.close(close_data=(exc_val.status, exc_val.message))",
                 "self.close(close_data=(1011, 'Internal Server Error'))"):
        assert step in frames, step


def test_upstream_eventlet_semaphore_touches_its_deque_only_to_wait():
    """Covered by LazySemaphore: ``()`` serves the fast paths, a deque is made to wait."""
    assert "self._waiters = collections.deque()" in inspect.getsource(semaphore.Semaphore.__init__)
    acquire = inspect.getsource(semaphore.Semaphore.acquire)
    assert "if self.counter <= 0 or self._waiters:" in acquire
    assert "self._waiters.append(current_thread)" in acquire
    release = inspect.getsource(semaphore.Semaphore.release)
    assert "if self._waiters:" in release
    assert "self._waiters.popleft()" in inspect.getsource(semaphore.Semaphore._do_acquire)
