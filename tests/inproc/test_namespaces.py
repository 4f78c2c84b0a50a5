"""Every feature namespace's handlers, in process: refusal, validation as acks, a happy path."""

import pytest

from inproc.acks import call
from support.clients import wait_until

NAMESPACES = ("/charts", "/chat", "/logs", "/debug")


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_namespace_refuses_a_socket_without_a_token(sio, namespace):
    assert not sio(namespace).is_connected(namespace)
    assert not sio(namespace, "not-a-token").is_connected(namespace)


@pytest.mark.parametrize(("namespace", "event"), [
    ("/charts", "subscribe"), ("/chat", "join"), ("/logs", "subscribe"), ("/debug", "subscribe")])
def test_every_namespace_answers_a_bad_payload_with_bad_request(sio, account, namespace, event):
    client = sio(namespace, account()["token"])
    for payload in ("a string", [1, 2], {"unknown_key": 1}):
        ack = call(client, namespace, event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request", (payload, ack)
    assert call(client, namespace, "no_such_event", {})["error"]["code"] == "not_found"


def test_charts_lists_subscribes_and_refuses_an_unknown_stream(sio, account):
    client = sio("/charts", account()["token"])
    names = [s["name"] for s in call(client, "/charts", "streams")["streams"]]
    assert {"system.cpu", "demo.sine"} <= set(names)
    ack = call(client, "/charts", "subscribe", {"stream": "demo.sine"})
    assert ack["ok"] and ack["stream"] == "demo.sine" and isinstance(ack["points"], list)
    assert wait_until(lambda: any(e["name"] == "points"
                                  for e in client.get_received("/charts")), 5)
    assert call(client, "/charts", "unsubscribe", {"stream": "demo.sine"}) == {"ok": True}
    ack = call(client, "/charts", "subscribe", {"stream": "no.such.stream"})
    assert ack["error"]["code"] == "not_found"


def test_chat_joins_posts_and_delivers_to_the_room(sio, account):
    alice, bob = account("alice"), account("bob")
    a, b = sio("/chat", alice["token"]), sio("/chat", bob["token"])
    assert call(a, "/chat", "join", {"room": "inproc"})["ok"]
    joined = call(b, "/chat", "join", {"room": "inproc"})
    assert alice["user"]["username"] in joined["members"]
    ack = call(a, "/chat", "message", {"room": "inproc", "text": "  hello  ", "client_id": "c1"})
    assert ack["ok"] and ack["message"]["text"] == "hello"
    assert ack["message"]["user"] == alice["user"]["username"]
    # (the test client files a `message` event's one argument as `args` itself)
    delivered = [e["args"] for e in b.get_received("/chat") if e["name"] == "message"]
    assert [m["id"] for m in delivered] == [ack["message"]["id"]]


def test_chat_rules_come_back_as_acks(sio, account):
    client = sio("/chat", account()["token"])
    assert call(client, "/chat", "join", {"room": "Not A Room"})["error"]["code"] == "bad_request"
    ack = call(client, "/chat", "message", {"room": "elsewhere", "text": "hi"})
    assert ack["error"]["code"] == "forbidden"  # not joined
    call(client, "/chat", "join", {"room": "long"})
    ack = call(client, "/chat", "message", {"room": "long", "text": "x" * 2001})
    assert ack["error"]["code"] == "too_large"
    assert call(client, "/chat", "dm", {"to": "nobody-here", "text": "hi"})["error"]["code"] \
        == "not_found"


def test_tasks_start_a_run_and_stream_it_to_the_end(sio, account):
    client = sio("/logs", account()["token"])
    listing = call(client, "/logs", "tasks")
    assert "pipeline" in [d["name"] for d in listing["definitions"]]
    assert call(client, "/logs", "start", {"name": "no-such-task"})["error"]["code"] == "not_found"
    task = call(client, "/logs", "start", {"name": "pipeline"})["task"]
    assert call(client, "/logs", "subscribe", {"task_id": task["id"]})["ok"]

    def finished():
        return call(client, "/logs", "subscribe", {"task_id": task["id"]})["task"]["status"] \
            not in ("queued", "running")

    assert wait_until(finished, 30)
    done = call(client, "/logs", "subscribe", {"task_id": task["id"]})
    assert done["task"]["status"] == "succeeded" and done["lines"]
    assert call(client, "/logs", "subscribe", {"task_id": 10**9})["error"]["code"] == "not_found"


def test_debug_subscribes_with_a_filter_and_gets_posted_messages(sio, account, http):
    me = account()
    client = sio("/debug", me["token"])
    ack = call(client, "/debug", "subscribe", {"levels": ["warning"], "sources": ["inproc"]})
    assert ack["ok"] and ack["levels"] == ["warning"] and ack["sources"] == ["inproc"]
    for level in ("error", "warning"):  # the error is filtered out
        response = http.post("/api/debug", json={"level": level, "source": "inproc",
                                                 "message": f"disk almost full ({level})"},
                             headers={"Authorization": f"Bearer {me['token']}"})
        assert response.status_code == 202, response.get_json()
    received = []

    def arrived():
        received.extend(e["args"][0] for e in client.get_received("/debug")
                        if e["name"] == "debug")
        return bool(received)

    assert wait_until(arrived, 5)
    assert [m["message"] for m in received] == ["disk almost full (warning)"]
    again = call(client, "/debug", "subscribe", {"levels": ["warning"], "sources": ["inproc"]})
    assert [m["id"] for m in again["messages"]] == [received[0]["id"]]
    ack = call(client, "/debug", "subscribe", {"levels": ["loud"]})
    assert ack["error"]["code"] == "bad_request"
    assert call(client, "/debug", "unsubscribe") == {"ok": True}
