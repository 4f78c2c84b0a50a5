"""Alerts on the stack: two workers with one rules file evaluate each rule once, and a
survivor takes a rule over when its evaluating worker is killed (kill -9).

Two extra workers beside the stack's own read the rules (the stack's own two
have none); points are published through a third worker, and every count is
read from the shared database through REST and from both workers' sockets.
"""

import os
import signal
import time

import requests

from support.clients import api_get, publish_points, unique_name, wait_until

SYSTEM_USER = "pulseboard.alerts"


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def write_rules(path, rule, stream, room):
    path.write_text(f"""
[rules.{rule}]
stream = "{stream}"
condition = "above"
threshold = 50
clear = 40
for = 2
severity = "warning"
chat_room = "{room}"
""")
    return path


def alert_of(url, token, rule):
    alerts = [a for a in api_get(f"{url}/api/alerts", token).json()["alerts"] if a["rule"] == rule]
    assert len(alerts) <= 1, alerts
    return alerts[0] if alerts else None


def events_of(url, token, alert_id):
    return api_get(f"{url}/api/alerts/{alert_id}", token).json()["events"]


def test_one_evaluation_per_rule_and_a_takeover_after_kill_9(stack, connect, new_user, tmp_path):
    token = new_user()["token"]
    rule, stream, room = unique_name("rule").lower(), unique_name("s").lower() + ".load", "oncall"
    rules = write_rules(tmp_path / "alerts.toml", rule, stream, room)
    evaluators = []
    try:
        evaluators = [stack.extra_worker(f"alerts-{n}", ALERTS_FILE=str(rules)) for n in (1, 2)]
        feeds = [connect(worker, "/alerts", token) for worker in evaluators]
        for feed in feeds:
            assert feed.call("subscribe")["ok"]
        chat = connect(stack.workers[1], "/chat", token)
        assert chat.call("join", {"room": room})["ok"]

        # One crossing, published through a worker that evaluates nothing.
        publisher = stack.workers[0]
        assert publish_points(publisher.url, token, stream, {"value": 70}).status_code == 202
        for feed in feeds:  # both workers' clients see it fire
            feed.wait_for("alert", lambda items: any(
                a["rule"] == rule and a["state"] == "firing" for a in items), timeout=20)
        time.sleep(3)  # three more evaluation ticks: nothing may be recorded twice
        alert = alert_of(publisher.url, token, rule)
        assert alert["state"] == "firing"
        events = events_of(publisher.url, token, alert["id"])
        assert [e["kind"] for e in events] == ["pending", "firing"]
        assert len({e["actor"] for e in events}) == 1
        debug = api_get(f"{publisher.url}/api/debug?sources=alert:{rule}", token).json()["messages"]
        assert len(debug) == 1 and "firing" in debug[0]["message"] and debug[0]["count"] == 1
        posted = chat.wait_for("message", lambda items: any(m["user"] == SYSTEM_USER
                                                             for m in items))
        assert len([m for m in posted if m["user"] == SYSTEM_USER]) == 1
        for feed in feeds:
            firing = [a for a in feed.events("alert") if a["rule"] == rule
                      and a["state"] == "firing"]
            assert len(firing) == 1, firing

        # Kill -9 the worker that evaluates the rule: the other carries on with the same alert.
        pid = int(events[0]["actor"].split(":")[-2])  # <host>:<pid>:<random>
        victim = next(w for w in evaluators if w.process.pid == pid)
        survivor = next(w for w in evaluators if w is not victim)
        os.kill(pid, signal.SIGKILL)
        victim.process.wait(10)
        killed_at = time.monotonic()
        assert wait_until(lambda: f"resuming alert #{alert['id']}" in survivor.log(), 20)
        took_over = time.monotonic() - killed_at
        assert publish_points(publisher.url, token, stream, {"value": 30}).status_code == 202
        assert wait_until(lambda: alert_of(publisher.url, token, rule)["state"] == "resolved", 20)
        events = events_of(publisher.url, token, alert["id"])
        assert [e["kind"] for e in events] == ["pending", "firing", "resolved"]
        assert f":{survivor.process.pid}:" in events[2]["actor"]
        print(f"takeover after kill -9: {took_over:.1f} s")  # lease 5 s + a tick
        assert took_over < 15

        # Acknowledged through nginx: the survivor's client sees who it was.
        ack = requests.post(f"{stack.nginx.url}/api/alerts/{alert['id']}/ack",
                            headers=auth(token), timeout=10)
        assert ack.status_code == 200
        name = ack.json()["alert"]["acked_by"]
        feeds[evaluators.index(survivor)].wait_for("alert", lambda items: any(
            a["id"] == alert["id"] and a["acked_by"] == name for a in items))
    finally:
        for worker in evaluators:
            worker.stop()
