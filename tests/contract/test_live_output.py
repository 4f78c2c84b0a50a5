"""What a real server sends matches the contract's models, every request and event of them.

One ``pulseboard serve`` (eventlet, its own SQLite and tasks file) and real
python-socketio and HTTP clients: each ack, pushed event and REST body is
validated strictly against its model in :mod:`pulseboard.contract.registry`
(unknown fields refused). The last test checks that every request and event
the registry names was seen, so a new event cannot go unchecked.
"""

import time

import pytest
import requests
from pydantic import BaseModel

from pulseboard.contract.base import Failure
from pulseboard.contract.registry import NAMESPACES, ROUTES
from support.clients import SocketClient, register, wait_until
from support.tasks import start_server, wait_final

SEEN: set[tuple[str, str, str]] = set()  # (namespace or "rest", kind, name)


def check(model: type[BaseModel], data, where: tuple[str, str, str]):
    """Validate ``data`` against ``model`` (strict, no unknown keys) and note it as seen."""
    model.model_validate(data, strict=True)
    SEEN.add(where)
    return data


def acked(client: SocketClient, event: str, payload=None):
    """Call ``event`` and check its success ack against the registry's ack model."""
    ack = client.call(event, payload)
    assert ack.get("ok") is True, (event, ack)
    return check(NAMESPACES[client.namespace].requests[event].ack, ack,
                 (client.namespace, "request", event))


def pushed(client: SocketClient, event: str, predicate=lambda items: bool(items)):
    """Wait for ``event`` and check every one received so far against its event model."""
    items = client.wait_for(event, predicate, timeout=20)
    for item in items:
        check(NAMESPACES[client.namespace].events[event], item, (client.namespace, "event", event))
    return items


def rest(method: str, path: str, route: str, token: str | None = None, **options):
    """Make a REST call and check its body against the route's reply model."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, path, headers=headers, timeout=10, **options)
    assert response.status_code < 300, (route, response.status_code, response.text)
    return check(ROUTES[route].reply, response.json(), ("rest", "route", route))


#: A rule that fires on the first point above 0 (no ``for``), with no actions.
ALERT_RULES = """
[rules.contract-live]
stream = "contract.alerting"
condition = "above"
threshold = 0
debug = false
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A started server running the test tasks file and :data:`ALERT_RULES`."""
    workdir = tmp_path_factory.mktemp("live")
    rules = workdir / "alerts.toml"
    rules.write_text(ALERT_RULES)
    server = start_server(workdir, env={"ALERTS_FILE": str(rules)})
    yield server
    server.stop()


@pytest.fixture
def clients(live):
    """``open(namespace, account)`` -> a connected client, all closed after the test."""
    opened = []

    def open_(namespace, account):
        client = SocketClient(live.url, namespace, account["token"]).connect()
        opened.append(client)
        return client

    yield open_
    for client in opened:
        client.close()


def test_rest_bodies(live):
    url = live.url
    user = check(ROUTES["POST /api/auth/register"].reply, register(url),
                 ("rest", "route", "POST /api/auth/register"))
    name, token = user["user"]["username"], user["token"]
    rest("POST", f"{url}/api/auth/login", "POST /api/auth/login",
         json={"username": name, "password": "correct-horse"})
    rest("GET", f"{url}/api/auth/me", "GET /api/auth/me", token)
    rest("GET", f"{url}/api/health", "GET /api/health")
    rest("POST", f"{url}/api/streams/contract.test/points", "POST /api/streams/{name}/points",
         token, json={"points": [[1, 2.5], [2, 3]]})
    streams = rest("GET", f"{url}/api/streams", "GET /api/streams", token)
    history = rest("GET", f"{url}/api/streams/contract.test/history?from=0&to=10",
                   "GET /api/streams/{name}/history", token)
    assert history["from"] == 0 and history["step_ms"] == 0
    assert any(s["name"] == "contract.test" for s in streams["streams"])
    started = rest("POST", f"{url}/api/tasks", "POST /api/tasks", token, json={"name": "long"})
    task_id = started["task"]["id"]
    rest("GET", f"{url}/api/tasks/{task_id}", "GET /api/tasks/{id}", token)
    rest("POST", f"{url}/api/tasks/{task_id}/cancel", "POST /api/tasks/{id}/cancel", token)
    rest("GET", f"{url}/api/tasks", "GET /api/tasks", token)
    rest("POST", f"{url}/api/debug", "POST /api/debug", token,
         json={"level": "info", "source": "contract", "message": "hello", "context": {"a": 1}})
    rest("GET", f"{url}/api/debug", "GET /api/debug", token)
    missing = requests.get(f"{url}/api/tasks/999999", timeout=10,
                           headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404
    check(Failure, missing.json(), ("rest", "failure", "404"))


def test_charts(live, clients):
    charts = clients("/charts", register(live.url))
    acked(charts, "streams")
    acked(charts, "subscribe", {"stream": "demo.sine"})
    pushed(charts, "points")
    acked(charts, "unsubscribe", {"stream": "demo.sine"})
    acked(charts, "history", {"stream": "demo.sine", "max_points": 10})
    failure = charts.call("subscribe", {"stream": "no.such.stream"})
    check(Failure, failure, ("/charts", "failure", "subscribe"))


def test_logs(live, clients):
    logs = clients("/logs", register(live.url))
    reply = acked(logs, "tasks")
    assert any(d["name"] == "pipeline" and d["steps"] for d in reply["definitions"])
    task_id = acked(logs, "start", {"name": "pipeline"})["task"]["id"]
    acked(logs, "subscribe", {"task_id": task_id})
    wait_final(logs, task_id)
    pushed(logs, "task")
    pushed(logs, "lines")
    acked(logs, "unsubscribe", {"task_id": task_id})
    long_id = acked(logs, "start", {"name": "long"})["task"]["id"]
    acked(logs, "cancel", {"task_id": long_id})
    wait_final(logs, long_id)
    pushed(logs, "task")


def test_debug(live, clients):
    account = register(live.url)
    feed = clients("/debug", account)
    reply = acked(feed, "subscribe", {"levels": ["warning"], "sources": ["contract*"]})
    assert reply["levels"] == ["warning"] and reply["sources"] == ["contract*"]
    requests.post(f"{live.url}/api/debug", timeout=10,
                  headers={"Authorization": f"Bearer {account['token']}"},
                  json={"level": "warning", "source": "contract.live", "message": "watch"})
    pushed(feed, "debug", lambda items: any(m["message"] == "watch" for m in items))
    acked(feed, "unsubscribe")


def test_chat(live, clients):
    alice, bob = register(live.url), register(live.url)
    a, b = clients("/chat", alice), clients("/chat", bob)
    bob_name, alice_name = bob["user"]["username"], alice["user"]["username"]
    acked(a, "join", {"room": "contract"})
    acked(b, "join", {"room": "contract"})
    pushed(a, "presence")
    sent = acked(a, "message", {"room": "contract", "text": f"hi @{bob_name}",
                                "client_id": "c-1",
                                "embed": {"kind": "stream", "stream": "demo.sine"}})["message"]
    pushed(b, "message")
    pushed(b, "notification", lambda items: any(n["kind"] == "mention" for n in items))
    acked(a, "dm", {"to": bob_name, "text": "psst"})
    pushed(b, "dm")
    pushed(b, "notification", lambda items: any(n["kind"] == "dm" for n in items))
    acked(b, "history", {"room": "contract"})
    acked(b, "resume", {"room": "contract", "after_id": sent["id"] - 1, "limit": 10})
    assert acked(b, "dm_history", {"with": alice_name, "limit": 10})["with"] == alice_name
    acked(b, "conversations")
    acked(a, "rooms")
    acked(b, "leave", {"room": "contract"})
    assert wait_until(lambda: any(not p["online"] for p in a.events("presence")))
    pushed(a, "presence")
    failure = a.call("message", {"room": "not-joined", "text": "x"})
    check(Failure, failure, ("/chat", "failure", "message"))


def test_alerts(live, clients):
    account = register(live.url)
    token = account["token"]
    board = clients("/alerts", account)
    assert [r["name"] for r in acked(board, "subscribe")["rules"]] == ["contract-live"]
    requests.post(f"{live.url}/api/streams/contract.alerting/points", timeout=10,
                  headers={"Authorization": f"Bearer {token}"},
                  json={"points": [[int(time.time() * 1000), 5]]})
    firing = pushed(board, "alert", lambda items: any(a["state"] == "firing" for a in items))
    alert_id = firing[-1]["id"]
    rest("GET", f"{live.url}/api/alerts", "GET /api/alerts", token)
    rest("GET", f"{live.url}/api/alerts/{alert_id}", "GET /api/alerts/{id}", token)
    acknowledged = acked(board, "ack", {"id": alert_id})["alert"]
    assert acknowledged["acked_by"] == account["user"]["username"]
    rest("POST", f"{live.url}/api/alerts/{alert_id}/ack", "POST /api/alerts/{id}/ack", token)
    events = acked(board, "get", {"id": alert_id})["events"]
    assert events[-1]["kind"] == "acknowledged"
    acked(board, "unsubscribe")


def test_ingest(live):
    token = register(live.url)["token"]
    now_ns = time.time_ns()
    body = f"contract_cpu,host=a usage_idle=91.5,usage_user=3i {now_ns}\n"
    reply = rest("POST", f"{live.url}/api/write", "POST /api/write", token, data=body)
    assert reply["ok"] and reply["points"] == 2
    reply = rest("POST", f"{live.url}/api/v2/write?precision=s", "POST /api/v2/write", token,
                 data=f"contract_mem used=1 {now_ns // 10**9}\nbroken line\n")
    assert not reply["ok"] and reply["errors"][0]["line"] == 2  # 207: one stored, one refused


def test_annotations(live, clients):
    account = register(live.url)
    charts = clients("/charts", account)
    logs = clients("/logs", account)
    since = int(time.time() * 1000) - 1000
    task_id = acked(logs, "start", {"name": "pipeline"})["task"]["id"]
    wait_final(logs, task_id)
    pushed(charts, "annotation", lambda items: any(a["id"] == f"run:{task_id}:end"
                                                   for a in items))
    now = int(time.time() * 1000) + 1000
    reply = acked(charts, "annotations", {"from": since, "to": now})
    assert {f"run:{task_id}:start", f"run:{task_id}:end"} <= {a["id"]
                                                              for a in reply["annotations"]}
    rest("GET", f"{live.url}/api/annotations?from={since}&to={now}", "GET /api/annotations",
         account["token"])


def test_every_request_and_event_was_checked():
    """Runs last in this module: the tests above covered the whole registry."""
    expected = {(ns, "request", event) for ns, spec in NAMESPACES.items()
                for event in spec.requests}
    expected |= {(ns, "event", event) for ns, spec in NAMESPACES.items() for event in spec.events
                 if event != "resync"}  # only after a queue outage (tests/stack); one literal
    expected |= {("rest", "route", route) for route in ROUTES}
    assert expected - SEEN == set()
