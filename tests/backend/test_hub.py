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


def test_items_within_the_tick_wait_for_it_and_leave_in_one_frame(hub_and_client):
    hub, client = hub_and_client
    hub.append("r", [1])  # idle: at once
    hub.append("r", [2])  # within the tick of that emit: batched
    hub.append("r", [3])
    assert frames(client) == [{"room": "r", "items": [1]}]
    with hub.lock:
        assert hub.pending_count("r") == 2
    hub.flush()  # what the flusher does at the tick
    assert frames(client) == [{"room": "r", "items": [2, 3]}]
    assert hub.immediate_flushes == 1


def test_an_append_from_inside_a_flush_waits_for_the_tick(hub_and_client):
    """An emit that logs, and a log bridge that appends, must not recurse."""
    hub, client = hub_and_client
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


def test_items_faster_than_the_tick_leave_about_one_frame_per_tick():
    """The flusher's tick counts from the last emit, also one made by an append."""
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="threading")
    tick = 0.2
    hub = Hub(socketio, "/t", "items", lambda room, items: items, tick=tick)

    @socketio.on("connect", namespace="/t")
    def connect():
        from flask import request

        socketio.server.enter_room(request.sid, "r", namespace="/t")

    client = socketio.test_client(app, namespace="/t")
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
        assert got[0] == [0]  # the first item found the hub idle
        # About one frame per tick, +1 for the idle one; slack for a stalled machine
        # (an append after a whole tick without emits finds the hub idle again).
        assert len(got) <= 1.0 / tick + 4
        assert 1 <= hub.immediate_flushes <= 3
    finally:
        client.disconnect(namespace="/t")
