"""The hub: an item appended to an idle hub leaves at once; later ones coalesce per tick.

In process, on a real python-socketio server (Flask-SocketIO's test client,
threading mode); tests/backend/test_charts.py covers the same through a real
``pulseboard serve``. The tick here is 5 s, so "at once" and "at the tick"
cannot be confused on a slow machine.
"""

import time

import pytest
from flask import Flask
from flask_socketio import SocketIO

from pulseboard.hub import Hub

TICK = 5.0


@pytest.fixture
def hub_and_client():
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="threading")
    hub = Hub(socketio, "/t", "items", lambda room, items: {"room": room, "items": items},
              tick=TICK)

    @socketio.on("connect", namespace="/t")
    def connect():
        from flask import request

        socketio.server.enter_room(request.sid, "r", namespace="/t")

    client = socketio.test_client(app, namespace="/t")
    assert client.is_connected("/t")
    yield hub, client
    client.disconnect(namespace="/t")


def frames(client) -> list[dict]:
    return [m["args"][0] for m in client.get_received("/t") if m["name"] == "items"]


def test_an_item_appended_to_an_idle_hub_is_emitted_at_once(hub_and_client):
    hub, client = hub_and_client
    started = time.monotonic()
    hub.append("r", [1])
    assert frames(client) == [{"room": "r", "items": [1]}]
    assert time.monotonic() - started < TICK / 2
    assert hub.immediate_flushes == 1


def test_items_past_the_burst_wait_for_the_tick_and_leave_in_one_frame(hub_and_client):
    hub, client = hub_and_client
    hub.append("r", [1])  # within the rate: at once
    hub.append("r", [2])  # the burst's second flush: at once too
    hub.append("r", [3])  # faster than the tick from here on: batched
    hub.append("r", [4])
    assert frames(client) == [{"room": "r", "items": [1]}, {"room": "r", "items": [2]}]
    with hub.lock:
        assert hub.pending_count("r") == 2
    hub.flush()  # what the flusher does at the tick
    assert frames(client) == [{"room": "r", "items": [3, 4]}]
    assert hub.immediate_flushes == 2


def test_a_strict_hub_batches_the_second_item_of_a_tick(hub_and_client):
    hub, client = hub_and_client
    hub.burst = 1
    hub.append("r", [1])
    hub.append("r", [2])
    assert frames(client) == [{"room": "r", "items": [1]}]
    assert hub.immediate_flushes == 1


def test_a_source_at_the_ticks_own_rate_is_never_held():
    """Items every tick, one in two a little early: each leaves at once.

    With the strict rule ("a tick since the last emit"), the early one
    waited for the tick, and from then on the source's phase lagged the
    emits': every later item waited about as long.
    """
    tick = 0.2
    hub, client, stop = _hub_on_a_real_server(tick)
    try:
        started = time.monotonic()
        for k in range(8):
            early = 0.02 if k % 2 else 0.0  # 10 % of a tick: jitter of a steady source
            time.sleep(max(0.0, started + k * tick - early - time.monotonic()))
            hub.append("r", [k])
        time.sleep(2 * tick)
        got = [m["args"][0] for m in client.get_received("/t") if m["name"] == "items"]
        assert got == [[k] for k in range(8)]
        assert hub.immediate_flushes == 8
    finally:
        stop()


def test_an_append_from_inside_a_flush_waits_for_the_tick(hub_and_client):
    """An emit that logs, and a log bridge that appends, must not recurse."""
    hub, client = hub_and_client
    hub.burst = 1  # else the flusher may send the inner item at once, within the burst
    appended = []

    def frames_that_append(pending):
        if not appended:
            appended.append(True)
            hub.append("r", ["from inside"])
        yield from Hub.frames(hub, pending)

    hub.frames = frames_that_append
    hub.append("r", [1])
    assert frames(client) == [{"room": "r", "items": [1]}]
    with hub.lock:
        assert hub.pending_count("r") == 1


def _hub_on_a_real_server(tick: float):
    """A hub with a ``tick`` on a threading-mode server, a client in room "r", and a stop."""
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="threading")
    hub = Hub(socketio, "/t", "items", lambda room, items: items, tick=tick)

    @socketio.on("connect", namespace="/t")
    def connect():
        from flask import request

        socketio.server.enter_room(request.sid, "r", namespace="/t")

    client = socketio.test_client(app, namespace="/t")
    assert client.is_connected("/t")
    return hub, client, lambda: client.disconnect(namespace="/t")


def test_items_faster_than_the_tick_leave_about_one_frame_per_tick():
    """The flusher's tick counts from the last emit, also one made by an append."""
    tick = 0.2
    hub, client, stop = _hub_on_a_real_server(tick)
    try:
        started = time.monotonic()
        sent = 0
        while time.monotonic() - started < 1.0:  # 50 items/s for 1 s: 5 ticks
            hub.append("r", [sent])
            sent += 1
            time.sleep(0.02)
        time.sleep(2 * tick)  # the last batch's tick
        got = [m["args"][0] for m in client.get_received("/t") if m["name"] == "items"]
        assert [item for frame in got for item in frame] == list(range(sent))
        assert got[:2] == [[0], [1]]  # the first two items were within the rate (the burst)
        # About one frame per tick, +2 for the burst; slack for a stalled machine
        # (an append after a whole tick without emits is within the rate again).
        assert len(got) <= 1.0 / tick + 5
        assert 2 <= hub.immediate_flushes <= 4
    finally:
        stop()
