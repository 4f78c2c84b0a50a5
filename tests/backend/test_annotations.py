"""Annotations on a real server: runs, alert transitions and marked chat messages on the charts.

One ``pulseboard serve`` (eventlet) with the test tasks file and one alert
rule on a published stream. Every effect is observed through real clients:
the pushed ``/charts`` event ``annotation``, the ``annotations`` event and
``GET /api/annotations``; bad input gets ``bad_request`` (400 over REST).
"""

import time

import pytest
import requests

from pulseboard.annotations.service import check_range, newest
from pulseboard.contract.annotations import MAX_ANNOTATIONS, Annotation, AnnotationsAck
from pulseboard.wire import ApiError
from support.clients import SocketClient, api_get, publish_points, register, unique_name
from support.tasks import start, start_server, wait_final

RULES = """
[rules.annotated-load]
stream = "{stream}"
condition = "above"
threshold = 50
clear = 40
severity = "critical"
summary = "load above 50"
debug = false
"""


def now() -> int:
    return int(time.time() * 1000)


@pytest.fixture(scope="module")
def stream():
    return unique_name("ann").lower() + ".load"


@pytest.fixture(scope="module")
def server(tmp_path_factory, stream):
    workdir = tmp_path_factory.mktemp("annotations")
    rules = workdir / "alerts.toml"
    rules.write_text(RULES.format(stream=stream))
    server = start_server(workdir, env={"ALERTS_FILE": str(rules)})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def account(server):
    return register(server.url)


@pytest.fixture
def sockets(server, account):
    """``open(namespace)`` -> a connected client of ``account``; all closed after the test."""
    opened = []

    def open_(namespace, who=None):
        client = SocketClient(server.url, namespace, (who or account)["token"]).connect()
        opened.append(client)
        return client

    yield open_
    for client in opened:
        client.close()


def pushed(charts, annotation_id: str, timeout: float = 20) -> dict:
    """Wait for the pushed ``annotation`` with ``annotation_id``; validate it and return it."""
    items = charts.wait_for("annotation", lambda got: any(a["id"] == annotation_id for a in got),
                            timeout=timeout)
    found = next(a for a in items if a["id"] == annotation_id)
    Annotation.model_validate(found, strict=True)
    return found


def read(server, token, **query) -> dict:
    response = api_get(f"{server.url}/api/annotations", token, params=query)
    assert response.status_code == 200, response.text
    return AnnotationsAck.model_validate(response.json(), strict=True).model_dump(by_alias=True)


def ids(reply: dict) -> set[str]:
    return {a["id"] for a in reply["annotations"]}


# -- runs ------------------------------------------------------------------------------


def test_a_run_is_pushed_and_read_back_with_links_to_its_log(server, account, sockets):
    charts, logs = sockets("/charts"), sockets("/logs")
    since = now() - 1
    task_id = start(logs, "failing")
    started = pushed(charts, f"run:{task_id}:start")
    ended = pushed(charts, f"run:{task_id}:end")
    final = wait_final(logs, task_id)
    assert final["status"] == "failed"
    assert started["t"] == final["started_at"] and ended["t"] == final["finished_at"]
    assert started["streams"] is None and started["severity"] == "info"
    assert ended["severity"] == "critical" and "failed" in ended["title"]
    assert started["link"] == {"kind": "run", "task_id": task_id, "at": started["t"],
                               "path": f"/tasks/{task_id}?at={started['t']}"}
    # The first line printed at or after the start is the runner's "starting ..." line.
    lines = logs.call("subscribe", {"task_id": task_id})["lines"]
    first = next(line for line in lines if line["ts"] >= started["t"])
    assert first["seq"] == 1 and first["text"].startswith("starting failing")

    until = now() + 1
    reply = read(server, account["token"], **{"from": since, "to": until})
    assert {started["id"], ended["id"]} <= ids(reply)
    assert [a["t"] for a in reply["annotations"]] == sorted(a["t"] for a in reply["annotations"])
    assert not reply["truncated"]
    # On /charts too, and a stream filter keeps runs (they belong on every chart).
    ack = charts.call("annotations", {"from": since, "to": until, "stream": "demo.sine"})
    assert ack["ok"] and {started["id"], ended["id"]} <= ids(ack)
    # A range that ends before the run started has neither.
    assert not ids(read(server, account["token"], **{"from": since - 60_000, "to": since - 1}))\
        & {started["id"], ended["id"]}


# -- alerts ----------------------------------------------------------------------------


def test_alert_transitions_are_on_their_stream_only(server, account, sockets, stream):
    charts = sockets("/charts")
    since = now() - 1
    response = publish_points(server.url, account["token"], stream, {"value": 75})
    assert response.status_code == 202, response.text
    firing = charts.wait_for("annotation", lambda got: any(
        a["kind"] == "alert" and a["id"].endswith(":firing") for a in got), timeout=20)
    alert = next(a for a in firing if a["id"].endswith(":firing"))
    Annotation.model_validate(alert, strict=True)
    alert_id = alert["link"]["alert_id"]
    assert alert["streams"] == [stream] and alert["severity"] == "critical"
    assert alert["link"]["path"] == f"/alerts?alert={alert_id}"
    assert "load above 50" in alert["detail"] and "75" in alert["detail"]
    pushed(charts, f"alert:{alert_id}:pending")

    publish_points(server.url, account["token"], stream, {"value": 10})
    resolved = pushed(charts, f"alert:{alert_id}:resolved")
    assert resolved["severity"] == "success"

    until = now() + 1
    mine = {f"alert:{alert_id}:{kind}" for kind in ("pending", "firing", "resolved")}
    assert mine <= ids(read(server, account["token"], **{"from": since, "to": until,
                                                          "stream": stream}))
    assert not mine & ids(read(server, account["token"], **{"from": since, "to": until,
                                                             "stream": "demo.sine"}))
    assert mine <= ids(read(server, account["token"], **{"from": since, "to": until}))


# -- chat ------------------------------------------------------------------------------


def test_only_annotated_room_messages_are_annotations(server, account, sockets):
    charts, chat = sockets("/charts"), sockets("/chat")
    other = register(server.url)
    since = now() - 1
    assert chat.call("join", {"room": "ops"})["ok"]
    marked = chat.call("message", {"room": "ops", "text": "deploying v2", "annotate": True})
    plain = chat.call("message", {"room": "ops", "text": "just talk"})
    assert marked["ok"] and marked["message"]["annotation"] is True
    assert plain["ok"] and plain["message"]["annotation"] is False
    mid = marked["message"]["id"]
    found = pushed(charts, f"chat:{mid}")
    assert found["t"] == marked["message"]["ts"] and found["detail"] == "deploying v2"
    assert found["streams"] is None
    assert found["link"] == {"kind": "chat", "room": "ops", "message_id": mid,
                             "path": f"/chat/room/ops?message={mid}"}
    # History carries the flag too.
    history = chat.call("history", {"room": "ops"})["messages"]
    assert {m["id"]: m["annotation"] for m in history}[mid] is True

    # A DM never is one: annotate is refused on dm.
    dm = chat.call("dm", {"to": other["user"]["username"], "text": "x", "annotate": True})
    assert dm["ok"] is False and dm["error"]["code"] == "bad_request"
    assert "annotate" in dm["error"]["message"]
    bad = chat.call("message", {"room": "ops", "text": "x", "annotate": "yes"})
    assert bad["ok"] is False and bad["error"]["code"] == "bad_request"

    reply = read(server, other["token"], **{"from": since, "to": now() + 1})
    assert f"chat:{mid}" in ids(reply) and f"chat:{plain['message']['id']}" not in ids(reply)
    time.sleep(0.3)  # the plain message pushed nothing meanwhile
    assert not any(a["id"] == f"chat:{plain['message']['id']}"
                   for a in charts.events("annotation"))


# -- who may read, and bad input -------------------------------------------------------


def test_reads_need_a_signed_in_user(server):
    response = requests.get(f"{server.url}/api/annotations?from=0&to=1", timeout=10)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    response = requests.get(f"{server.url}/api/annotations?from=0&to=1", timeout=10,
                            headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("query, expected", [
    ("", "from"),
    ("from=1", "to"),
    ("from=5&to=4", "from must not be after to"),
    ("from=abc&to=4", "from: must be milliseconds"),
    ("from=-1&to=4", "from: must be milliseconds"),
    ("from=1.5&to=4", "from: must be milliseconds"),
    ("from=0&to=99999999999999999", "to: must be milliseconds"),
    ("from=0&to=9007199254740993", "to"),
    (f"from=0&to={32 * 86_400_000}", "at most 31 days"),
    ("from=0&to=1&stream=Bad%20Name", "stream names"),
    ("from=0&to=1&stream=", "stream"),
    ("from=0&to=1&color=red", "color"),
    ("from=0&from=1&to=2", "from: give it once"),
])
def test_bad_rest_queries_are_bad_requests(server, account, query, expected):
    response = api_get(f"{server.url}/api/annotations?{query}", account["token"])
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_request" and expected in error["message"]


@pytest.mark.parametrize("payload", [
    None, [], {"from": 1}, {"from": "1", "to": 2}, {"from": 1, "to": 2.5},
    {"from": True, "to": 2}, {"from": 3, "to": 2}, {"from": -1, "to": 2},
    {"from": 0, "to": 2, "stream": 7}, {"from": 0, "to": 2, "stream": "UPPER"},
    {"from": 0, "to": 2, "extra": 1}, {"from": 0, "to": 40 * 86_400_000},
])
def test_bad_socket_queries_are_bad_requests(sockets, payload):
    ack = sockets("/charts").call("annotations", payload)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request", ack


# -- the pure parts ----------------------------------------------------------------------


def test_the_newest_are_kept_oldest_first():
    items = [{"id": f"chat:{i}", "t": i} for i in range(MAX_ANNOTATIONS + 5)]
    kept, truncated = newest(list(reversed(items)))
    assert truncated and len(kept) == MAX_ANNOTATIONS
    assert kept[0]["t"] == 5 and kept[-1]["t"] == MAX_ANNOTATIONS + 4
    assert newest(items[:3]) == (items[:3], False)


def test_range_checks():
    check_range(0, 0, None)
    check_range(0, 31 * 86_400_000, "a.b")
    for low, high, stream in ((2, 1, None), (0, 31 * 86_400_000 + 1, None), (0, 1, "a\n")):
        with pytest.raises(ApiError) as caught:
            check_range(low, high, stream)
        assert caught.value.code == "bad_request"
