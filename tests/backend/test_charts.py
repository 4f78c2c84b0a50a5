"""The /charts namespace and the stream REST endpoints, against a real server."""

import json
import time

import pytest
import requests

from support.clients import api_get, publish_points, wait_until
from support.server import ServerProcess


def stream_state(server, name):
    streams = api_get(f"{server.url}/api/streams", timeout=5).json()["streams"]
    return next(s for s in streams if s["name"] == name)


def all_points(client, stream):
    return [p for frame in client.events("points") if frame["stream"] == stream
            for p in frame["points"]]


def test_streams_lists_built_ins_and_file_keys(server, user, connect):
    (server.workdir / "data.json").write_text(json.dumps({"load": 1.5, "nested": {"v": 2},
                                                          "name": "text", "flag": True}))
    ack = connect(server, "/charts", user["token"]).call("streams")
    names = {s["name"] for s in ack["streams"]}
    assert {"system.cpu", "system.memory", "demo.sine", "demo.random"} <= names
    assert {"file.load", "file.nested.v"} <= names
    assert "file.name" not in names and "file.flag" not in names
    assert all({"name", "label", "unit", "window_points", "interval_ms"} == set(s)
               for s in ack["streams"])
    by_name = {s["name"]: s for s in ack["streams"]}
    assert by_name["demo.sine"]["interval_ms"] == 100
    assert by_name["system.cpu"]["interval_ms"] == 1000
    assert by_name["file.load"]["interval_ms"] == 500
    assert all(s["window_points"] == 600 for s in ack["streams"])


def test_subscribe_returns_window_then_batched_points(server, user, connect):
    first = connect(server, "/charts", user["token"])
    assert first.call("subscribe", {"stream": "demo.sine"})["ok"]
    first.wait_for("points", lambda frames: len(frames) >= 5)

    second = connect(server, "/charts", user["token"])
    ack = second.call("subscribe", {"stream": "demo.sine"})
    assert ack["ok"] and ack["stream"] == "demo.sine"
    assert len(ack["points"]) >= 5
    assert all(isinstance(t, int) and isinstance(v, float) for t, v in ack["points"])
    frames = second.wait_for("points", lambda f: len(f) >= 3)
    assert all(frame["stream"] == "demo.sine" for frame in frames)
    # python-socketio's client may hand frames over out of order (a thread
    # per message), so order is checked within frames and uniqueness across.
    times = [t for t, _ in all_points(second, "demo.sine")]
    assert len(times) == len(set(times))
    assert all(f["points"] == sorted(f["points"]) for f in frames)


def test_http_points_arrive_batched_one_frame_per_tick(server, user, connect):
    client = connect(server, "/charts", user["token"])
    response = publish_points(server.url, user["token"], "app.latency", {"value": -1})
    assert response.status_code == 202
    ack = client.call("subscribe", {"stream": "app.latency"})
    assert ack["ok"]
    base = int(time.time() * 1000)
    for i in range(40):
        response = publish_points(server.url, user["token"], "app.latency",
                                  {"points": [[base + i, i]]})
        assert response.status_code == 202
    client.wait_for("points", lambda f: len(ack["points"]) + sum(len(x["points"]) for x in f) >= 41)
    received = ack["points"] + all_points(client, "app.latency")
    # Every point exactly once, whether it came in the window or in a frame.
    assert sorted(v for _, v in received) == [-1, *range(40)]
    # 40 requests in well under a second arrive in fewer frames than requests.
    assert len(client.events("points")) < 40


def test_points_reach_every_subscriber_and_not_others(server, user, connect):
    a = connect(server, "/charts", user["token"])
    b = connect(server, "/charts", user["token"])
    outsider = connect(server, "/charts", user["token"])
    publish_points(server.url, user["token"], "orders", {"value": 1})
    time.sleep(0.2)  # past a tick: the point is in the window, not pending
    for client in (a, b):
        assert client.call("subscribe", {"stream": "orders"})["points"][0][1] == 1
    publish_points(server.url, user["token"], "orders", {"points": [[1, 10], [2, 20]]})
    for client in (a, b):
        client.wait_for("points", lambda f: any(x["points"] == [[1, 10], [2, 20]] for x in f))
    time.sleep(0.3)
    assert outsider.events("points") == []


def test_producer_stops_after_last_subscriber_leaves(server, user, connect):
    assert stream_state(server, "demo.random")["producing"] is False
    a = connect(server, "/charts", user["token"])
    b = connect(server, "/charts", user["token"])
    a.call("subscribe", {"stream": "demo.random"})
    b.call("subscribe", {"stream": "demo.random"})
    state = stream_state(server, "demo.random")
    assert state["producing"] is True and state["subscribers"] == 2

    assert a.call("unsubscribe", {"stream": "demo.random"}) == {"ok": True}
    time.sleep(0.5)
    assert stream_state(server, "demo.random")["producing"] is True
    b.close()  # a disconnect counts as leaving
    assert wait_until(lambda: stream_state(server, "demo.random")["producing"] is False)
    assert stream_state(server, "demo.random")["subscribers"] == 0
    stopped_at = int(time.time() * 1000)
    time.sleep(0.6)  # three sampling intervals of demo.random
    # A stopped producer added nothing since: the next subscriber's window (taken
    # before its subscribe restarts the producer) ends before the stop.
    window = a.call("subscribe", {"stream": "demo.random"})["points"]
    assert window and window[-1][0] <= stopped_at


def test_system_metrics_are_percentages(server, user, connect):
    client = connect(server, "/charts", user["token"])
    for name in ("system.cpu", "system.memory"):
        assert client.call("subscribe", {"stream": name})["ok"]
    for name in ("system.cpu", "system.memory"):
        client.wait_for("points", lambda f, n=name: any(x["stream"] == n for x in f))
        values = [v for _, v in all_points(client, name)]
        assert values and all(0 <= v <= 100 for v in values)


def test_data_file_change_reaches_subscribers(server, user, connect):
    data_file = server.workdir / "data.json"
    data_file.write_text(json.dumps({"depth": 3}))
    client = connect(server, "/charts", user["token"])
    assert client.call("subscribe", {"stream": "file.depth"})["ok"]
    client.wait_for("points", lambda f: any(p[1] == 3 for x in f for p in x["points"]))
    time.sleep(0.05)
    data_file.write_text(json.dumps({"depth": 17, "new_key": 1}))
    client.wait_for("points", lambda f: any(p[1] == 17 for x in f for p in x["points"]))
    streams = {s["name"] for s in client.call("streams")["streams"]}
    assert "file.new_key" in streams


def test_unknown_stream_is_not_found(server, user, connect):
    client = connect(server, "/charts", user["token"])
    for event in ("subscribe", "unsubscribe"):
        ack = client.call(event, {"stream": "no.such.stream"})
        assert ack["ok"] is False and ack["error"]["code"] == "not_found"


@pytest.mark.parametrize("payload", [None, "demo.sine", ["demo.sine"], {"stream": 5},
                                     {}, {"stream": "demo.sine", "extra": 1}])
def test_wrong_shape_is_bad_request(server, user, connect, payload):
    client = connect(server, "/charts", user["token"])
    ack = client.call("subscribe", payload)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    assert ack["error"]["message"]
    assert client.call("streams")["ok"]  # the connection survives


@pytest.mark.parametrize("body", [
    {"value": "12"}, {"value": None}, {"points": [[1, "x"]]}, {"points": [[1]]},
    {"points": []}, {"value": 1, "points": [[1, 1]]}, {"value": True}, [1, 2],
    {"points": [[2, 2], [3, "three"]]},  # half good: none of it is kept
])
def test_bad_points_are_400_and_store_nothing(server, user, connect, body):
    client = connect(server, "/charts", user["token"])
    publish_points(server.url, user["token"], "clean", {"points": [[1, 1]]})
    assert client.call("subscribe", {"stream": "clean"})["ok"]
    response = publish_points(server.url, user["token"], "clean", body)
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]["code"] == "bad_request"
    # A good point after the bad request: what reached the subscriber by then
    # is everything stored, and the bad request added nothing.
    publish_points(server.url, user["token"], "clean", {"points": [[9, 9]]})
    client.wait_for("points", lambda f: any([9, 9] in x["points"] for x in f))
    window = connect(server, "/charts", user["token"]).call("subscribe", {"stream": "clean"})
    assert sorted(window["points"]) == [[1, 1], [9, 9]]
    assert [p for p in all_points(client, "clean") if p != [1, 1]] == [[9, 9]]


def test_non_json_and_non_finite_points_are_refused(server, user):
    headers = {"Authorization": f"Bearer {user['token']}", "Content-Type": "application/json"}
    url = f"{server.url}/api/streams/nf/points"
    assert requests.post(url, data="not json", headers=headers, timeout=5).status_code == 400
    response = requests.post(url, data='{"value": NaN}', headers=headers, timeout=5)
    assert response.status_code == 400


def test_server_streams_cannot_be_published_into(server, user):
    response = publish_points(server.url, user["token"], "system.cpu", {"value": 1})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert publish_points(server.url, user["token"], "Bad Name!", {"value": 1}).status_code == 400


def test_published_stream_is_known_to_another_worker_on_the_same_database(server, user, tmp_path,
                                                                        connect):
    other = ServerProcess(tmp_path / "other",
                          env={"DATABASE_URL": server.env["DATABASE_URL"]}).start()
    try:
        publish_points(server.url, user["token"], "shared.orders", {"value": 5, "unit": "ops"})
        client = connect(other, "/charts", user["token"])
        listed = {s["name"]: s for s in client.call("streams")["streams"]}
        assert listed["shared.orders"]["unit"] == "ops"
        ack = client.call("subscribe", {"stream": "shared.orders"})
        assert ack["ok"] and ack["points"] == []  # windows are per worker
        publish_points(other.url, user["token"], "shared.orders", {"points": [[1, 6]]})
        client.wait_for("points", lambda f: any(x["points"] == [[1, 6]] for x in f))
    finally:
        other.stop()
