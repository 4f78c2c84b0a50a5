"""The /debug namespace, POST /api/debug, task completion messages and the logging bridge."""

import time

import pytest
import requests

from support.clients import api_get, post_debug, register, unique_name
from support.server import ServerProcess

TASKS_TOML = """
[tasks.ok]
command = ["{python}", "-c", "print('fine')"]

[tasks.broken]
command = ["{python}", "-c", "import sys; sys.exit(2)"]

[tasks.missing]
command = ["pulseboard-no-such-program"]
"""


@pytest.fixture(scope="module")
def debug_server(tmp_path_factory):
    """One server for this module; tests use their own sources so they stay apart."""
    workdir = tmp_path_factory.mktemp("debug")
    tasks = workdir / "tasks.toml"
    tasks.write_text(TASKS_TOML)
    server = ServerProcess(workdir / "server", env={"TASKS_FILE": str(tasks)}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(debug_server):
    return register(debug_server.url)["token"]


def message(level="info", source=None, text="hello", context=None):
    body = {"level": level, "source": source or unique_name("app"), "message": text}
    if context is not None:
        body["context"] = context
    return body


def settle(server, token, level: str, source: str, *clients) -> None:
    """Wait until every ``debug`` event sent to ``clients`` before now has arrived.

    A tick emits pending messages in the order they were posted and a
    socket's events arrive in order, so once a marker posted now is back,
    anything sent before it has come. The marker (its text starts with
    ``marker``) must pass each client's filter.
    """
    text = f"marker {time.monotonic_ns()}"
    assert post_debug(server.url, token, message(level, source, text)).status_code == 202
    for client in clients:
        client.wait_for("debug", lambda events: any(e["message"] == text for e in events))


def upserted(messages: list[dict], client) -> list[dict]:
    """A subscribe reply's messages updated with the events that followed, by id.

    Messages posted within the last tick reach a new subscriber as events,
    not in its reply; a client upserts both by ``id``, keeping the top count.
    Markers (see :func:`settle`) are left out.
    """
    latest = {}
    for m in messages + client.events("debug"):
        if m["id"] not in latest or m["count"] >= latest[m["id"]]["count"]:
            latest[m["id"]] = m
    return [latest[i] for i in sorted(latest) if not latest[i]["message"].startswith("marker")]


def debug_events(client, **match) -> list[dict]:
    return [e for e in client.events("debug") if all(e[k] == v for k, v in match.items())]


def test_posted_message_reaches_subscribers(debug_server, token, connect):
    client = connect(debug_server, "/debug", token)
    assert client.call("subscribe", {})["ok"] is True
    body = message(level="warning", text="disk 91% full", context={"disk": "/var", "pct": 91})
    response = post_debug(debug_server.url, token, body)
    assert response.status_code == 202, response.text
    stored = response.json()["message"]
    assert stored["count"] == 1 and stored["level"] == "warning"
    event = client.wait_for("debug", lambda e: debug_events(client, id=stored["id"]))[-1]
    assert {k: event[k] for k in ("level", "source", "message", "context", "count")} == {
        **{k: body[k] for k in ("level", "source", "message", "context")}, "count": 1}
    assert isinstance(event["ts"], int)

    later = connect(debug_server, "/debug", token).call("subscribe", {})
    assert stored["id"] in [m["id"] for m in later["messages"]]


def test_repeats_within_the_window_share_an_id_and_count(debug_server, token, connect):
    client = connect(debug_server, "/debug", token)
    client.call("subscribe", {})
    body = message(level="error", text="connection refused")
    ids = [post_debug(debug_server.url, token, body).json()["message"] for _ in range(3)]
    assert len({m["id"] for m in ids}) == 1
    assert [m["count"] for m in ids] == [1, 2, 3]
    client.wait_for("debug", lambda e: any(x["id"] == ids[0]["id"] and x["count"] == 3
                                           for x in e))
    counts = [e["count"] for e in debug_events(client, id=ids[0]["id"])]
    assert set(counts) <= {1, 2, 3} and max(counts) == 3

    other_level, other_text = (
        post_debug(debug_server.url, token, {**body, **change}).json()["message"]
        for change in ({"level": "warning"}, {"message": "timed out"}))
    assert len({ids[0]["id"], other_level["id"], other_text["id"]}) == 3
    assert other_level["id"] < other_text["id"]  # ids grow

    fresh = connect(debug_server, "/debug", token)
    snapshot = fresh.call("subscribe", {"sources": [body["source"]]})
    settle(debug_server, token, "info", body["source"], fresh)
    assert [(m["id"], m["count"]) for m in upserted(snapshot["messages"], fresh)] == [
        (ids[0]["id"], 3), (other_level["id"], 1), (other_text["id"], 1)]


def test_filters_by_level_and_source(debug_server, token, connect):
    prefix = unique_name("svc")
    errors = connect(debug_server, "/debug", token)
    mine = connect(debug_server, "/debug", token)
    both = connect(debug_server, "/debug", token)
    assert errors.call("subscribe", {"levels": ["error"], "sources": [f"{prefix}*"]})["ok"]
    assert mine.call("subscribe", {"sources": [f"{prefix}.api"]})["ok"]
    ack = both.call("subscribe", {"levels": ["error", "success"], "sources": [f"{prefix}.db"]})
    assert ack["levels"] == ["error", "success"] and ack["sources"] == [f"{prefix}.db"]

    sent = [("error", f"{prefix}.api"), ("info", f"{prefix}.api"), ("error", f"{prefix}.db"),
            ("success", f"{prefix}.db"), ("warning", f"{prefix}.db"), ("error", "elsewhere")]
    for level, source in sent:
        assert post_debug(debug_server.url, token, message(level, source, f"{level} {source}")).ok
    settle(debug_server, token, "error", f"{prefix}.api", errors, mine)
    settle(debug_server, token, "error", f"{prefix}.db", errors, both)

    def got(client):  # sorted: the sync client may record two events out of arrival order
        return sorted((e["level"], e["source"]) for e in client.events("debug")
                      if not e["message"].startswith("marker"))

    assert got(errors) == [("error", f"{prefix}.api"), ("error", f"{prefix}.db")]
    assert got(mine) == [("error", f"{prefix}.api"), ("info", f"{prefix}.api")]
    assert got(both) == [("error", f"{prefix}.db"), ("success", f"{prefix}.db")]

    # The recent history honours the same filter; a new filter replaces the old one.
    history = mine.call("subscribe", {"levels": ["info"], "sources": [f"{prefix}*"]})
    assert [(m["level"], m["source"]) for m in history["messages"]] == [("info", f"{prefix}.api")]
    post_debug(debug_server.url, token, message("error", f"{prefix}.api", "after the change"))
    post_debug(debug_server.url, token, message("info", f"{prefix}.db", "info after"))
    mine.wait_for("debug", lambda e: any(x["message"] == "info after" for x in e))
    assert not any(e["message"] == "after the change" for e in mine.events("debug"))

    response = api_get(f"{debug_server.url}/api/debug",
                            params={"levels": "success", "sources": f"{prefix}*"}, timeout=5)
    assert [m["source"] for m in response.json()["messages"]] == [f"{prefix}.db"]


def test_unsubscribe_stops_events(debug_server, token, connect):
    client = connect(debug_server, "/debug", token)
    watcher = connect(debug_server, "/debug", token)
    source = unique_name("quiet")
    for subscriber in (client, watcher):
        subscriber.call("subscribe", {"sources": [source]})
    post_debug(debug_server.url, token, message("info", source, "one"))
    client.wait_for("debug")
    assert client.call("unsubscribe") == {"ok": True}
    post_debug(debug_server.url, token, message("info", source, "two"))
    # Once the watcher has "two", the emit that would have reached ``client``
    # too is done: anything it queued for ``client`` comes before this reply.
    watcher.wait_for("debug", lambda events: any(e["message"] == "two" for e in events))
    assert client.call("unsubscribe") == {"ok": True}
    assert [e["message"] for e in client.events("debug")] == ["one"]


def test_recent_history_is_the_last_200_in_order(debug_server, token, connect):
    source = unique_name("bulk")
    watcher = connect(debug_server, "/debug", token)
    watcher.call("subscribe", {"sources": [source]})
    for i in range(205):
        response = post_debug(debug_server.url, token, message("debug", source, f"n{i}"))
        assert response.status_code == 202
    # Emitted, so no longer pending: a new subscriber gets all of them in its reply.
    watcher.wait_for("debug", lambda events: any(e["message"] == "n204" for e in events))
    ack = connect(debug_server, "/debug", token).call("subscribe", {"sources": [source]})
    assert [m["message"] for m in ack["messages"]] == [f"n{i}" for i in range(5, 205)]
    ids = [m["id"] for m in ack["messages"]]
    assert ids == sorted(ids)


def test_task_completion_is_success_or_error_from_the_task(debug_server, token, connect):
    client = connect(debug_server, "/debug", token)
    client.call("subscribe", {"sources": ["task:*"]})
    logs = connect(debug_server, "/logs", token)
    ok_id = logs.call("start", {"name": "ok"})["task"]["id"]
    broken_id = logs.call("start", {"name": "broken"})["task"]["id"]
    client.wait_for("debug", lambda e: {x["source"] for x in e} >= {f"task:{ok_id}",
                                                                   f"task:{broken_id}"})
    done = debug_events(client, source=f"task:{ok_id}")[0]
    failed = debug_events(client, source=f"task:{broken_id}")[0]
    assert done["level"] == "success" and "succeeded" in done["message"]
    assert done["context"]["status"] == "succeeded" and done["context"]["task_id"] == ok_id
    assert failed["level"] == "error" and "exited with code 2" in failed["message"]
    assert failed["context"]["exit_code"] == 2


def test_server_warnings_are_bridged(debug_server, token, connect):
    client = connect(debug_server, "/debug", token)
    ack = client.call("subscribe", {"levels": ["warning", "error"], "sources": ["log:*", "task:*"]})
    assert ack["ok"]
    logs = connect(debug_server, "/logs", token)
    task_id = logs.call("start", {"name": "missing"})["task"]["id"]

    def bridged(events):
        return [e for e in events if e["source"].startswith("log:")
                and f"task {task_id} " in e["message"]]

    warning = bridged(client.wait_for("debug", bridged))[0]
    assert warning["level"] == "warning" and warning["source"] == "log:pulseboard.tasks.runner"
    assert "cannot start 'pulseboard-no-such-program'" in warning["message"]
    assert warning["context"]["logger"] == "pulseboard.tasks.runner"
    error = client.wait_for("debug", lambda e: debug_events(client, source=f"task:{task_id}"))
    assert [e["level"] for e in error if e["source"] == f"task:{task_id}"] == ["error"]
    # The bridge posts through the service; what it logs itself is not bridged back.
    time.sleep(0.5)
    assert len(bridged(client.events("debug"))) == 1


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"level": "fatal", "source": "app", "message": "x"}, 400, "bad_request"),
    ({"level": "info", "source": "app"}, 400, "bad_request"),
    ({"level": "info", "source": "app", "message": ""}, 400, "bad_request"),
    ({"level": "info", "source": "app", "message": 5}, 400, "bad_request"),
    ({"level": "info", "source": "app", "message": "x", "context": [1]}, 400, "bad_request"),
    ({"level": "info", "source": "app", "message": "x", "extra": 1}, 400, "bad_request"),
    ({"level": "info", "source": "bad source!", "message": "x"}, 400, "bad_request"),
    ({"level": "info", "source": "s" * 65, "message": "x"}, 400, "bad_request"),
    ({"level": "info", "source": "app", "message": "x" * 4001}, 413, "too_large"),
    ({"level": "info", "source": "app", "message": "x", "context": {"blob": "y" * 9000}},
     413, "too_large"),
    ({"level": "info", "source": "task:1", "message": "spoof"}, 403, "forbidden"),
    ({"level": "info", "source": "log:pulseboard", "message": "spoof"}, 403, "forbidden"),
    ("just text", 400, "bad_request"),
])
def test_post_bad_input(debug_server, token, body, status, code):
    response = post_debug(debug_server.url, token, body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_post_needs_a_token(debug_server):
    response = requests.post(f"{debug_server.url}/api/debug", json=message(), timeout=5)
    assert response.status_code == 401


@pytest.mark.parametrize(("event", "payload", "code"), [
    ("subscribe", {"levels": ["fatal"]}, "bad_request"),
    ("subscribe", {"levels": "error"}, "bad_request"),
    ("subscribe", {"sources": [""]}, "bad_request"),
    ("subscribe", {"sources": ["x"] * 21}, "bad_request"),
    ("subscribe", {"level": ["error"]}, "bad_request"),
    ("subscribe", ["error"], "bad_request"),
    ("unsubscribe", {"x": 1}, "bad_request"),
    ("post", {"level": "info"}, "not_found"),
])
def test_socket_bad_input(debug_server, token, connect, event, payload, code):
    client = connect(debug_server, "/debug", token)
    ack = client.call(event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert client.call("subscribe", {})["ok"] is True


def test_get_bad_filters(debug_server):
    for params in ({"levels": "fatal"}, {"limit": "0"}, {"limit": "x"}):
        response = api_get(f"{debug_server.url}/api/debug", params=params, timeout=5)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"
