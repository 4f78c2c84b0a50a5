"""Alerts on a real server: rules on a published stream, actions, acknowledgements, bad input.

One ``pulseboard serve`` (eventlet) reads a rules file written here; points
are published over HTTP and every effect is observed through real clients:
``/alerts``, ``/debug`` and ``/chat`` sockets and REST.
"""

import itertools
import time

import pytest
import requests

from support.clients import api_get, publish_points, register, unique_name, wait_until
from support.server import ServerProcess

SYSTEM_USER = "pulseboard.alerts"


@pytest.fixture(scope="module")
def names():
    """The stream, room and chat user the rules name (unique to this run)."""
    return {"user": unique_name("oncall"), "room": "ops", "prefix": unique_name("t").lower()}


@pytest.fixture(scope="module")
def alerts_server(tmp_path_factory, names):
    workdir = tmp_path_factory.mktemp("alerts")
    tasks = workdir / "tasks.toml"
    tasks.write_text('[tasks.remedy]\ncommand = ["{python}", "-c", "print(\'remedied\')"]\n')
    rules = workdir / "alerts.toml"
    p = names["prefix"]
    rules.write_text(f"""
[rules.load-high]
stream = "{p}.load"
condition = "above"
threshold = 50
clear = 40
for = 2
clear_for = 1
severity = "critical"
summary = "load above 50"
chat_room = "{names['room']}"
chat_user = "{names['user']}"
task = "remedy"

[rules.chat-ack]
stream = "{p}.chat"
condition = "above"
threshold = 0
chat_room = "{names['room']}"
debug = false

[rules.sine-watched]
stream = "demo.sine"
condition = "below"
threshold = 1000
debug = false
""")
    server = ServerProcess(workdir / "server", env={"TASKS_FILE": str(tasks),
                                                    "ALERTS_FILE": str(rules)}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def oncall(alerts_server, names):
    return register(alerts_server.url, names["user"])


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def alerts_of(server, token, rule):
    body = api_get(f"{server.url}/api/alerts", token).json()
    return [a for a in body["alerts"] if a["rule"] == rule]


def latest(client, rule, predicate):
    """Wait for an ``alert`` event of ``rule`` matching ``predicate``; return it."""
    events = client.wait_for("alert", lambda items: any(
        a["rule"] == rule and predicate(a) for a in items), timeout=20)
    return [a for a in events if a["rule"] == rule and predicate(a)][-1]


def test_an_alert_goes_pending_firing_is_acknowledged_and_resolves(alerts_server, oncall, names,
                                                                   connect):
    server, stream = alerts_server, f"{names['prefix']}.load"
    bob = register(server.url)
    feed = connect(server, "/alerts", bob["token"])
    first = feed.call("subscribe")
    assert first["ok"] and {r["name"] for r in first["rules"]} >= {"load-high", "chat-ack"}
    debug = connect(server, "/debug", bob["token"])
    assert debug.call("subscribe", {"sources": ["alert:load-high"]})["ok"]
    room = connect(server, "/chat", bob["token"])
    assert room.call("join", {"room": names["room"]})["ok"]
    dms = connect(server, "/chat", oncall["token"])

    assert publish_points(server.url, bob["token"], stream, {"value": 10}).status_code == 202
    time.sleep(2.5)  # below the threshold: nothing happens
    assert alerts_of(server, bob["token"], "load-high") == []

    assert publish_points(server.url, bob["token"], stream, {"value": 70}).status_code == 202
    pending = latest(feed, "load-high", lambda a: a["state"] == "pending")
    assert pending["value"] == 70 and pending["severity"] == "critical"
    firing = latest(feed, "load-high", lambda a: a["state"] == "firing")
    assert firing["id"] == pending["id"]
    assert firing["fired_at"] - firing["started_at"] >= 2000  # `for = 2`, with no new point

    # The actions: a debug message, the room, a DM to the on-call user, the task.
    message = debug.wait_for("debug", lambda items: any("firing" in m["message"]
                                                         for m in items))[-1]
    assert message["level"] == "error" and message["source"] == "alert:load-high"
    assert message["context"]["alert_id"] == firing["id"]
    posted = room.wait_for("message", lambda items: any(m["user"] == SYSTEM_USER
                                                         for m in items))[-1]
    assert f"alert #{firing['id']} load-high firing" in posted["text"]
    assert posted["room"] == names["room"]
    dm = dms.wait_for("dm", lambda items: bool(items))[-1]
    assert dm["from"] == SYSTEM_USER and dm["to"] == names["user"] and "firing" in dm["text"]
    assert dms.wait_for("notification")[-1]["kind"] == "dm"

    def remedy_runs():
        tasks = api_get(f"{server.url}/api/tasks", bob["token"]).json()["tasks"]
        return [t for t in tasks if t["name"] == "remedy"]
    assert wait_until(lambda: remedy_runs(), 10)
    assert remedy_runs()[0]["started_by"] == SYSTEM_USER

    # Acknowledged from the board (the socket), by bob: recorded and pushed.
    ack = feed.call("ack", {"id": firing["id"]})
    assert ack["ok"] and ack["alert"]["acked_by"] == bob["user"]["username"]
    assert ack["alert"]["acked_via"] == "board" and ack["alert"]["state"] == "firing"
    latest(feed, "load-high", lambda a: a["acked_by"] == bob["user"]["username"])
    # A second acknowledgement keeps the first.
    again = requests.post(f"{server.url}/api/alerts/{firing['id']}/ack",
                          headers=auth(oncall["token"]), timeout=5)
    assert again.status_code == 200 and again.json()["alert"]["acked_by"] == bob["user"]["username"]

    # Hysteresis: 45 is below the threshold but above `clear`: still firing.
    assert publish_points(server.url, bob["token"], stream, {"value": 45}).status_code == 202
    time.sleep(2.5)
    assert alerts_of(server, bob["token"], "load-high")[0]["state"] == "firing"
    assert publish_points(server.url, bob["token"], stream, {"value": 30}).status_code == 202
    resolved = latest(feed, "load-high", lambda a: a["state"] == "resolved")
    assert resolved["id"] == firing["id"] and resolved["value"] == 30
    debug.wait_for("debug", lambda items: any("resolved" in m["message"] and
                                              m["level"] == "success" for m in items))

    detail = api_get(f"{server.url}/api/alerts/{firing['id']}", bob["token"]).json()
    kinds = [e["kind"] for e in detail["events"]]
    assert kinds == ["pending", "firing", "acknowledged", "resolved"]
    assert detail["events"][2]["actor"] == bob["user"]["username"]
    # One firing, one resolving: exactly one debug message each (acknowledged is the third).
    sent = [m for m in debug.events("debug") if m["source"] == "alert:load-high"]
    assert sorted({m["id"]: m["message"].split(":")[0] for m in sent}.values()) == sorted([
        f"🔥 [critical] alert #{firing['id']} load-high firing",
        f"👍 [critical] alert #{firing['id']} load-high acknowledged by {bob['user']['username']}",
        f"✅ [critical] alert #{firing['id']} load-high resolved"])


def test_an_alert_is_acknowledged_from_chat(alerts_server, oncall, names, connect):
    server, stream = alerts_server, f"{names['prefix']}.chat"
    carol = register(server.url)
    room = connect(server, "/chat", carol["token"])
    assert room.call("join", {"room": names["room"]})["ok"]
    assert publish_points(server.url, carol["token"], stream, {"value": 5}).status_code == 202
    posted = room.wait_for("message", lambda items: any(
        m["user"] == SYSTEM_USER and "chat-ack firing" in m["text"] for m in items), 20)
    alert = next(a for a in alerts_of(server, carol["token"], "chat-ack") if a["state"] == "firing")
    assert f"#{alert['id']}" in posted[-1]["text"]

    sent = room.call("message", {"room": names["room"], "text": f"/ack {alert['id']}"})
    assert sent["ok"]  # the command is an ordinary message too
    room.wait_for("message", lambda items: any(
        m["user"] == SYSTEM_USER and f"acknowledged by {carol['user']['username']}" in m["text"]
        for m in items))
    stored = api_get(f"{server.url}/api/alerts/{alert['id']}", carol["token"]).json()["alert"]
    assert (stored["acked_by"], stored["acked_via"]) == (carol["user"]["username"], "chat")

    # From a DM to the alerts user; an unknown id is answered, not ignored.
    dms = connect(server, "/chat", oncall["token"])
    assert dms.call("dm", {"to": SYSTEM_USER, "text": "/ack #999999"})["ok"]
    reply = dms.wait_for("dm", lambda items: any(m["from"] == SYSTEM_USER for m in items))
    assert "cannot acknowledge: no alert #999999" in reply[-1]["text"]
    # Text that only mentions /ack is left alone: the alerts user answers the
    # next real command (an unknown id) and nothing before it.
    before = len(dms.events("dm"))
    assert dms.call("dm", {"to": SYSTEM_USER, "text": "please /ack 1 later"})["ok"]
    assert dms.call("dm", {"to": SYSTEM_USER, "text": "/ack 999998"})["ok"]
    replies = dms.wait_for("dm", lambda items: any(
        m["from"] == SYSTEM_USER and "#999998" in m["text"] for m in items[before:]))
    answers = [m["text"] for m in replies[before:] if m["from"] == SYSTEM_USER]
    assert len(answers) == 1 and "#999998" in answers[0], answers


def test_a_built_in_stream_is_produced_for_a_rule_without_subscribers(alerts_server, oncall):
    def sine():
        streams = api_get(f"{alerts_server.url}/api/streams", oncall["token"]).json()["streams"]
        return next(s for s in streams if s["name"] == "demo.sine")
    assert sine()["subscribers"] == 0
    assert wait_until(lambda: sine()["producing"], 10)
    assert wait_until(lambda: any(a["state"] == "firing" for a in alerts_of(
        alerts_server, oncall["token"], "sine-watched")), 10)


def test_a_subscriber_to_a_watched_stream_does_not_start_a_second_producer(
        alerts_server, oncall, connect):
    client = connect(alerts_server, "/charts", oncall["token"])
    window = client.call("subscribe", {"stream": "demo.sine"})["points"]
    interval = next(s for s in client.call("streams")["streams"]
                    if s["name"] == "demo.sine")["interval_ms"]
    client.wait_for("points", lambda frames: sum(len(f["points"]) for f in frames) >= 10,
                    timeout=20)
    times = [t for t, _ in window] + [t for f in client.events("points") for t, _ in f["points"]]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # One producer samples every interval; a second would halve the gaps (or repeat a t).
    assert min(gaps) > interval / 2, (interval, gaps)


def test_bad_acknowledgements_are_clear_errors(alerts_server, oncall, connect):
    server, token = alerts_server, oncall["token"]
    feed = connect(server, "/alerts", token)
    for payload, code in [(None, "bad_request"), ({}, "bad_request"), ({"id": "1"}, "bad_request"),
                          ({"id": 0}, "bad_request"), ({"id": 1, "x": 1}, "bad_request"),
                          ([1], "bad_request"), ({"id": 999_999}, "not_found")]:
        ack = feed.call("ack", payload) if payload is not None else feed.call("ack")
        assert ack["ok"] is False and ack["error"]["code"] == code, (payload, ack)
    assert feed.call("subscribe", {"extra": 1})["error"]["code"] == "bad_request"
    assert feed.call("nope")["error"]["code"] == "not_found"

    url = f"{server.url}/api/alerts"
    missing = requests.post(f"{url}/999999/ack", headers=auth(token), timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert api_get(f"{url}/999999", token).status_code == 404
    not_an_id = requests.post(f"{url}/abc/ack", headers=auth(token), timeout=5)
    assert not_an_id.status_code in (404, 405) and not_an_id.json()["ok"] is False
    bad = requests.post(f"{url}/1/ack", json=[1], headers=auth(token), timeout=5)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    bad = requests.post(f"{url}/1/ack", json={"by": "mallory"}, headers=auth(token), timeout=5)
    assert bad.status_code == 400
    assert requests.post(f"{url}/1/ack", timeout=5).status_code == 401
    assert requests.get(url, timeout=5).status_code == 401
    # Nobody may post debug messages as an alert.
    posed = requests.post(f"{server.url}/api/debug", headers=auth(token), timeout=5,
                          json={"level": "error", "source": "alert:load-high", "message": "x"})
    assert posed.status_code == 403


def test_the_alerts_user_cannot_log_in_or_be_registered(alerts_server):
    response = requests.post(f"{alerts_server.url}/api/auth/register", timeout=5,
                             json={"username": SYSTEM_USER, "password": "correct-horse"})
    assert response.status_code == 400
    response = requests.post(f"{alerts_server.url}/api/auth/login", timeout=5,
                             json={"username": SYSTEM_USER, "password": "!alerts: no login"})
    assert response.status_code in (400, 401)


@pytest.mark.parametrize(("text", "says"), [
    ("[rules.r]\nstream = 'a.b'\ncondition = 'above'\n",
     "rule 'r': threshold: an 'above' rule needs a threshold"),
    ("[rules.r\n", "not valid TOML"),
    ("[rules.r]\nstream = 'a.b'\ncondition = 'above'\nthreshold = 1\ntask = 'no-such-task'\n",
     "rule 'r': task: no task named 'no-such-task' in the tasks file"),
])
def test_a_malformed_rules_file_stops_the_server_with_a_clear_message(tmp_path, text, says):
    rules = tmp_path / "alerts.toml"
    rules.write_text(text)
    server = ServerProcess(tmp_path / "server", env={"ALERTS_FILE": str(rules)})
    try:
        with pytest.raises(RuntimeError, match="server exited with 2"):
            server.start(timeout=30)
        log = server.log()
        assert f"pulseboard: invalid setting: alerts file {rules}" in log and says in log
        assert "Traceback" not in log
    finally:
        server.stop()


def test_alerts_need_a_token(alerts_server):
    import socketio

    from support.clients import SocketClient

    for token in (None, "forged"):
        client = SocketClient(alerts_server.url, "/alerts", token)
        with pytest.raises(socketio.exceptions.ConnectionError, match="unauthorized"):
            client.connect()
        client.close()


def test_the_alerts_user_takes_an_ack_dm_before_any_alert_fired(tmp_path, connect):
    rules = tmp_path / "alerts.toml"
    rules.write_text('[rules.quiet]\nstream = "never.published"\ncondition = "above"\n'
                     'threshold = 1\ndebug = false\n')
    server = ServerProcess(tmp_path / "server", env={"ALERTS_FILE": str(rules)}).start()
    try:
        user = register(server.url)
        chat = connect(server, "/chat", user["token"])
        # The evaluator creates the alerts user when it starts, not at a first action.
        assert wait_until(lambda: chat.call("dm", {"to": SYSTEM_USER, "text": "/ack 5"})["ok"],
                          10)
        reply = chat.wait_for("dm", lambda items: any(m["from"] == SYSTEM_USER for m in items))
        assert "cannot acknowledge: no alert #5" in reply[-1]["text"]
    finally:
        server.stop()
