"""Stored chart history against a real server: the history read, downsampling, restarts."""

import time

import pytest
import requests

from support.clients import api_get, publish_points, register, wait_until
from support.server import ServerProcess

HOUR = 3_600_000


def history(server, token, stream, **params):
    """``GET /api/streams/<stream>/history`` with ``params``: the response."""
    return api_get(f"{server.url}/api/streams/{stream}/history", token, params=params)


def stored(server, token, stream, count, **params):
    """Wait until the history of ``stream`` holds ``count`` points (flushed each second)."""
    body = {}

    def enough():
        body.update(history(server, token, stream, **params).json())
        return len(body.get("points", [])) >= count

    assert wait_until(enough, timeout=10), body
    return body


def test_published_points_come_back_raw_then_averaged(server, user, connect):
    token = user["token"]
    base = int(time.time() * 1000) - 10 * 60_000
    points = [[base + i * 100, float(i)] for i in range(3000)]  # 5 minutes at 10 Hz
    assert publish_points(server.url, token, "app.history", {"points": points}).status_code == 202

    raw = stored(server, token, "app.history", 3000, **{"from": base, "to": base + 299_999,
                                                        "max_points": 5000})
    assert raw["ok"] is True and raw["step_ms"] == 0
    assert raw["points"] == points and (raw["from"], raw["to"]) == (base, base + 299_999)

    # 3000 points into at most 100 buckets of 3 s: 30 points averaged in each.
    body = history(server, token, "app.history", **{"from": base, "to": base + 299_999,
                                                    "max_points": 100}).json()
    assert body["step_ms"] == 3000 and len(body["points"]) == 100
    assert body["points"][0] == [base, sum(range(30)) / 30]
    assert body["points"][-1] == [base + 99 * 3000, sum(range(2970, 3000)) / 30]

    # The same over the /charts event; a sub-range holds only its own points.
    client = connect(server, "/charts", token)
    ack = client.call("history", {"stream": "app.history", "from": base + 1000,
                                  "to": base + 1900})
    assert ack == {"ok": True, "stream": "app.history", "from": base + 1000, "to": base + 1900,
                   "step_ms": 0, "points": points[10:20]}
    # Defaults: to = now, from = to - 1 h, max_points 1000 (3000 points: averaged).
    ack = client.call("history", {"stream": "app.history"})
    assert ack["ok"] and ack["to"] - ack["from"] == HOUR
    assert abs(ack["to"] - time.time() * 1000) < 5000
    assert ack["step_ms"] == -(-(HOUR + 1) // 1000) and len(ack["points"]) <= 1000
    assert sum(1 for _ in ack["points"]) == len({t for t, _ in ack["points"]})


def test_bad_history_queries_are_refused(server, user, connect):
    token = user["token"]
    publish_points(server.url, token, "app.bad", {"value": 1})
    cases = [
        ({"from": 10, "to": 5}, "bad_request"),
        ({"from": "abc"}, "bad_request"),
        ({"to": "1e5"}, "bad_request"),
        ({"from": "-5"}, "bad_request"),
        ({"max_points": 0}, "bad_request"),
        ({"max_points": 5001}, "bad_request"),
        ({"to": 2**60}, "bad_request"),
        ({"step": 5}, "bad_request"),
    ]
    for params, code in cases:
        response = history(server, token, "app.bad", **params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["error"]["code"] == code
    response = api_get(f"{server.url}/api/streams/app.bad/history?from=1&from=2", token)
    assert response.status_code == 400
    response = history(server, token, "no.such.stream")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = requests.get(f"{server.url}/api/streams/app.bad/history", timeout=5)
    assert response.status_code == 401 and response.json()["ok"] is False

    client = connect(server, "/charts", token)
    for payload in ({"stream": "app.bad", "from": 10, "to": 5},
                    {"stream": "app.bad", "from": "10"},
                    {"stream": "app.bad", "from": 1.5},
                    {"stream": "app.bad", "max_points": 0},
                    {"stream": "app.bad", "max_points": 5001},
                    {"stream": "app.bad", "extra": 1},
                    {"from": 1}, None, "app.bad"):
        ack = client.call("history", payload)
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request", (payload, ack)
    ack = client.call("history", {"stream": "no.such.stream"})
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"


def test_sampled_points_are_stored(server, user, connect):
    client = connect(server, "/charts", user["token"])
    assert client.call("subscribe", {"stream": "demo.sine"})["ok"]
    client.wait_for("points", lambda frames: sum(len(f["points"]) for f in frames) >= 15)
    body = stored(server, user["token"], "demo.sine", 10)
    live = {t for f in client.events("points") for t, _ in f["points"]}
    assert {t for t, _ in body["points"]} & live  # the same points, once each
    assert len(body["points"]) == len({t for t, _ in body["points"]})


def test_window_and_history_survive_a_restart(tmp_path):
    """A restart on the same SQLite file: the window is seeded, history is there.

    The last points are published just before the stop: the flush at exit stores them.
    """
    workdir = tmp_path / "server"
    first = ServerProcess(workdir).start()
    try:
        account = register(first.url)
        base = int(time.time() * 1000) - 60_000
        points = [[base + i, float(i)] for i in range(50)]
        assert publish_points(first.url, account["token"], "app.restart",
                              {"points": points}).status_code == 202
        last = [[base + 1000, 99.5]]
        assert publish_points(first.url, account["token"], "app.restart",
                              {"points": last}).status_code == 202
    finally:
        first.stop()
    assert "final flush failed" not in first.log()

    second = ServerProcess(workdir, port=None).start()
    try:
        from support.clients import SocketClient

        client = SocketClient(second.url, "/charts", account["token"]).connect()
        try:
            ack = client.call("subscribe", {"stream": "app.restart"})
            assert ack["ok"] and ack["points"] == points + last
            body = client.call("history", {"stream": "app.restart", "from": base,
                                           "to": base + 1000})
            assert body["step_ms"] == 0 and body["points"] == points + last
        finally:
            client.close()
    finally:
        second.stop()


@pytest.mark.parametrize("async_mode", ["gevent", "threading"])
def test_history_under_other_async_modes(tmp_path, async_mode):
    """The flusher is a socketio background task: it runs in every async mode."""
    server = ServerProcess(tmp_path / "server", async_mode=async_mode).start()
    try:
        token = register(server.url)["token"]
        base = int(time.time() * 1000) - 1000
        publish_points(server.url, token, "app.modes", {"points": [[base, 1], [base + 1, 2]]})
        body = stored(server, token, "app.modes", 2, **{"from": base})
        assert body["points"] == [[base, 1.0], [base + 1, 2.0]]
    finally:
        server.stop()


def test_the_sweep_rolls_up_and_deletes_on_a_running_server(tmp_path):
    """Short retention settings: the sweeper of ``pulseboard serve`` does its rounds."""
    from support.tasks import start_server

    # 15 s: long enough to see the log and the message before they go on a slow,
    # shared CI machine; the sweep that deletes them is waited for below.
    retention = str(15 / 86_400)
    server = start_server(tmp_path, env={"RETENTION_SWEEP_SECONDS": "0.5",
                                         "TASK_LOG_RETENTION_DAYS": retention,
                                         "DEBUG_RETENTION_DAYS": retention})
    try:
        token = register(server.url)["token"]
        auth = {"Authorization": f"Bearer {token}"}
        old = (int(time.time() * 1000) - 7 * HOUR) // 60_000 * 60_000
        points = [[old + i * 1000, float(i)] for i in range(120)]  # past CHART_RAW_HOURS (6)
        publish_points(server.url, token, "app.sweep", {"points": points})
        params = {"from": old, "to": old + 119_999}

        def rolled():
            body = history(server, token, "app.sweep", **params).json()
            return body["step_ms"] == 60_000 and body["points"] == [[old, 29.5],
                                                                    [old + 60_000, 89.5]]

        assert wait_until(rolled, timeout=10)

        run = requests.post(f"{server.url}/api/tasks", json={"name": "pipeline"}, headers=auth,
                            timeout=10).json()["task"]["id"]
        log_url = f"{server.url}/api/tasks/{run}/log"
        assert wait_until(lambda: api_get(f"{server.url}/api/tasks/{run}", token).json()
                          ["task"]["status"] == "succeeded", timeout=20)
        assert "checkout" in requests.get(log_url, headers=auth, timeout=10).text
        requests.post(f"{server.url}/api/debug", headers=auth, timeout=10,
                      json={"level": "info", "source": "sweep-test", "message": "soon gone"})
        assert any(m["source"] == "sweep-test"
                   for m in api_get(f"{server.url}/api/debug", token).json()["messages"])

        def swept():
            gone = requests.get(log_url, headers=auth, timeout=10).text == ""
            messages = api_get(f"{server.url}/api/debug", token).json()["messages"]
            return gone and not any(m["source"] == "sweep-test" for m in messages)

        assert wait_until(swept, timeout=40)
        task = api_get(f"{server.url}/api/tasks/{run}", token).json()["task"]
        assert task["status"] == "succeeded" and task["line_count"] > 0  # the run stays
        assert "retention sweep:" in server.log()
    finally:
        server.stop()
