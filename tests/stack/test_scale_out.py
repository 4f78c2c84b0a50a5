"""Scale-out through Redis: every emit reaches clients on every worker.

Clients connect straight to each worker's port (so which worker holds them
is certain) and through nginx; the data lives in the stack's Postgres.
"""

import json
import subprocess
import sys
import time

import requests

from pulseboard.emitter import Emitter
from support.clients import publish_points, unique_name


def publish(target, token, stream, body):
    """Publish through ``target`` (a worker or nginx), which must accept it."""
    response = publish_points(target.url, token, stream, body)
    assert response.status_code == 202, response.text


def values(client, stream):
    return [value for frame in client.events("points") if frame["stream"] == stream
            for _, value in frame["points"]]


def wait_for_value(client, stream, value):
    client.wait_for("points", lambda _: value in values(client, stream))


def subscribed_everywhere(stack, connect, token, stream):
    """A /charts client on each worker and one through nginx, all subscribed to ``stream``.

    The stream is created by one point published to the first worker only:
    the stored name makes it known to the other.
    """
    publish(stack.workers[0], token, stream, {"value": -1})
    clients = [connect(target, "/charts", token) for target in (*stack.workers, stack.nginx)]
    for client in clients:
        ack = client.call("subscribe", {"stream": stream})
        assert ack["ok"], ack
    return clients


def test_workers_share_postgres_and_redis(stack):
    # Both started at once against an empty database: they took turns migrating.
    bodies = [requests.get(f"{w.url}/api/health", timeout=5).json() for w in stack.workers]
    assert [(b["db"], b["message_queue"]) for b in bodies] == [("postgresql", "redis")] * 2
    assert bodies[0]["worker"] != bodies[1]["worker"]


def test_published_chart_point_reaches_clients_on_every_worker(stack, connect, new_user):
    token = new_user()["token"]
    stream = f"stack.{unique_name('points')}"
    clients = subscribed_everywhere(stack, connect, token, stream)

    base = int(time.time() * 1000)
    publish(stack.workers[0], token, stream, {"points": [[base, 42]]})
    publish(stack.workers[1], token, stream, {"points": [[base + 1, 43]]})
    publish(stack.nginx, token, stream, {"points": [[base + 2, 44]]})
    for client in clients:
        for value in (42, 43, 44):
            wait_for_value(client, stream, value)
    time.sleep(0.3)  # a duplicate delivery would arrive within a tick or two
    for client in clients:
        received = values(client, stream)
        assert [received.count(v) for v in (42, 43, 44)] == [1, 1, 1], received


def test_chat_message_reaches_clients_on_every_worker(stack, connect, new_user):
    room = unique_name("scale")
    first, second, third = new_user(), new_user(), new_user()
    clients = [connect(stack.workers[0], "/chat", first["token"]),
               connect(stack.workers[1], "/chat", second["token"]),
               connect(stack.nginx, "/chat", third["token"])]
    for client in clients:
        assert client.call("join", {"room": room})["ok"]

    sent = [clients[0].call("message", {"room": room, "text": "from worker 1"}),
            clients[1].call("message", {"room": room, "text": "from worker 2"})]
    assert all(ack["ok"] for ack in sent), sent
    ids = [ack["message"]["id"] for ack in sent]
    for client in clients:
        client.wait_for("message", lambda got: {m["id"] for m in got} >= set(ids))
        assert sorted(m["id"] for m in client.events("message")) == sorted(ids)

    # Stored once, in the shared database: each worker's history has both.
    for client in clients[:2]:
        history = client.call("history", {"room": room})
        assert [m["id"] for m in history["messages"]] == ids
        assert [m["user"] for m in history["messages"]] == [first["user"]["username"],
                                                            second["user"]["username"]]


def test_outside_emitter_reaches_clients_on_every_worker(stack, connect, new_user):
    token = new_user()["token"]
    stream = f"stack.{unique_name('outside')}"
    clients = subscribed_everywhere(stack, connect, token, stream)

    command = subprocess.run(
        [sys.executable, "-m", "pulseboard", "publish-point", stream, "7.25",
         "--message-queue", stack.redis.url, "--database-url", stack.database_url],
        capture_output=True, text=True, timeout=30,
    )
    assert command.returncode == 0, command.stderr
    assert "2 worker(s) listening" in command.stderr
    Emitter(stack.redis.url).publish_points(stream, [[int(time.time() * 1000), 8.5]])
    for client in clients:
        wait_for_value(client, stream, 7.25)
        wait_for_value(client, stream, 8.5)


def test_outside_emitter_reaches_a_users_sockets_on_every_worker(stack, connect, new_user):
    person = new_user()
    sockets = [connect(w, "/chat", person["token"]) for w in stack.workers]
    notice = {"kind": "deploy", "preview": unique_name("release")}
    command = subprocess.run(
        [sys.executable, "-m", "pulseboard", "emit", "notification", json.dumps(notice),
         "--namespace", "/chat", "--room", f"user:{person['user']['id']}"],
        capture_output=True, text=True, timeout=30,
        env={**stack.workers[0].env, "MESSAGE_QUEUE": stack.redis.url},
    )
    assert command.returncode == 0, command.stderr
    for socket in sockets:
        assert socket.wait_for("notification") == [notice]
