"""Clients without a token cannot take the capacity authenticated users need.

Issue 13's starvation: with ``MAX_CONNECTIONS=12``, twelve clients that open
polling sessions without a token and POST to them stopped the server from
answering anyone, ``/api/health`` included.
"""

import threading
import time

import pytest
import requests

from pulseboard.connections import ConnectionBudget
from support.clients import SocketClient, register, wait_until
from support.raw import RawPolling
from support.server import ServerProcess

CAP = 12


@pytest.fixture
def capped_server(tmp_path):
    server = ServerProcess(tmp_path / "capped", env={
        "MAX_CONNECTIONS": str(CAP), "PENDING_SESSION_TIMEOUT": "3", "GUEST_TIMEOUT": "5",
    }).start()
    yield server
    server.stop()


class Squatter:
    """A client without a token: a polling session, a POST, then a long-poll held open."""

    def __init__(self, url):
        self.url = url
        self.sessions: list[RawPolling] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            try:
                session = RawPolling(self.url, timeout=30)
                self.sessions.append(session)
                session.post("40/chat,")  # CONNECT without a token
                session.poll(timeout=30)  # and hold a long-poll open
            except (requests.RequestException, ValueError):
                time.sleep(0.2)

    def close(self):
        self.stop.set()
        for session in self.sessions:
            session.close()


def test_guests_cannot_starve_health_or_members(capped_server):
    account = register(capped_server.url)  # before the flood: a member-to-be
    squatters = [Squatter(capped_server.url) for _ in range(CAP)]
    for squatter in squatters:
        squatter.thread.start()
    try:
        time.sleep(3)  # every squatter has had time to take its connections
        started = time.monotonic()
        health = requests.get(f"{capped_server.url}/api/health", timeout=10)
        assert health.status_code == 200 and time.monotonic() - started < 5
        # An authenticated user still gets in and is served, again and again.
        client = SocketClient(capped_server.url, "/chat", account["token"])
        # A new user's handshake is a guest until its CONNECT carries the token,
        # so it races the flood for a guest slot: it wins, but not at once.
        assert wait_until(lambda: _try_connect(client), timeout=60)
        for _ in range(5):
            assert client.call("rooms")["ok"] is True
            time.sleep(0.5)
        client.close()
    finally:
        for squatter in squatters:
            squatter.close()


def _try_connect(client) -> bool:
    try:
        client.connect(timeout=5)
        return True
    except Exception:  # refused while the server sheds guests: retry
        return False


def test_a_handshake_only_session_is_closed_after_the_pending_timeout(capped_server):
    session = RawPolling(capped_server.url)
    try:
        started = time.monotonic()
        reply = session.poll(timeout=20)  # the server closes the session: CLOSE, or 400 after
        while reply.status_code == 200 and "1" not in reply.text.split("\x1e"):
            reply = session.poll(timeout=20)
        assert time.monotonic() - started < 3 + 5
    finally:
        session.close()


class FakeSocket:
    def shutdown(self, how):
        self.shut = how


class Connection:
    """What the budget touches of eventlet's protocol object (hashed by identity)."""

    def __init__(self):
        self.request = FakeSocket()
        self.close_connection = 0


def connection():
    return Connection()


def test_a_flood_of_new_guests_cannot_close_a_fresh_handshake():
    budget = ConnectionBudget(12, max_guests=3, guest_grace=60)
    handshakes = [connection() for _ in range(3)]
    for handshake in handshakes:
        budget.accept(handshake)
    flood = [connection() for _ in range(20)]
    for newcomer in flood:
        budget.accept(newcomer)
    # The fresh guests are kept, each newcomer is answered 503 and closed.
    assert list(budget.guests) == handshakes
    assert all(c.close_connection == 0 for c in handshakes)
    assert all(c.limited for c in flood) and budget.evicted == 0


def test_a_guest_past_its_grace_makes_room_for_a_newcomer():
    budget = ConnectionBudget(12, max_guests=2, guest_grace=0)
    first, second, third = connection(), connection(), connection()
    for c in (first, second, third):
        budget.accept(c)
    assert list(budget.guests) == [second, third] and not third.limited
    assert first.close_connection == 1 and budget.evicted == 1
