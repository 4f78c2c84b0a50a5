"""Chat embeds against a real server: a message carrying a live chart or a run.

An embed is checked against what exists (unknown → ``not_found``), refused
when malformed (``bad_request``), stored with the message and carried by
every payload that carries the message: the ack, the live event, ``join``,
``history``, ``resume`` and ``dm_history``.
"""

import pytest

from support.clients import register
from support.tasks import start

STREAM = {"kind": "stream", "stream": "demo.sine"}


def chat(connect, server, account):
    return connect(server, "/chat", account["token"])


def name_of(account):
    return account["user"]["username"]


def a_run(connect, server, account) -> int:
    """The id of a run that exists (the shipped task that fails at once)."""
    return start(connect(server, "/logs", account["token"]), "missing-program")


def test_stream_embed_is_stored_and_carried_everywhere(server, connect):
    alice, bob = register(server.url), register(server.url)
    a, b = chat(connect, server, alice), chat(connect, server, bob)
    for client in (a, b):
        assert client.call("join", {"room": "ops"})["ok"]
    before = a.call("message", {"room": "ops", "text": "before"})["message"]
    assert before["embed"] is None  # a plain message says so too

    ack = a.call("message", {"room": "ops", "text": "  look at this  ", "embed": STREAM})
    assert ack["ok"], ack
    message = ack["message"]
    assert message["embed"] == STREAM and message["text"] == "look at this"
    assert set(message) == {"id", "room", "user", "text", "ts", "client_id", "annotation", "embed"}
    events = b.wait_for("message", lambda ms: any(m["id"] == message["id"] for m in ms))
    assert events[-1] == message

    # Text may be empty (or left out) when there is an embed: stored as "".
    bare = a.call("message", {"room": "ops", "embed": STREAM})
    assert bare["ok"] and bare["message"]["text"] == "" and bare["message"]["embed"] == STREAM
    blank = a.call("message", {"room": "ops", "text": "   ", "embed": STREAM})
    assert blank["ok"] and blank["message"]["text"] == ""

    carol = chat(connect, server, register(server.url))
    joined = carol.call("join", {"room": "ops"})["messages"]
    assert [m["embed"] for m in joined] == [None, STREAM, STREAM, STREAM]
    assert carol.call("history", {"room": "ops"})["messages"] == joined
    resumed = carol.call("resume", {"room": "ops", "after_id": before["id"]})["messages"]
    assert resumed == joined[1:]


def test_run_embed_in_a_dm(server, connect):
    alice, bob = register(server.url), register(server.url)
    a, b = chat(connect, server, alice), chat(connect, server, bob)
    task_id = a_run(connect, server, alice)
    embed = {"kind": "run", "task_id": task_id}
    ack = a.call("dm", {"to": name_of(bob), "embed": embed})
    assert ack["ok"], ack
    message = ack["message"]
    assert message["embed"] == embed and message["text"] == ""
    assert b.wait_for("dm")[-1] == message
    # A message with no text is previewed by what it embeds.
    note = b.wait_for("notification")[-1]
    assert note["kind"] == "dm" and note["preview"] == f"[run #{task_id}]"
    history = b.call("dm_history", {"with": name_of(alice)})
    assert history["messages"] == [message]
    assert b.call("conversations")["conversations"][0]["last"]["embed"] == embed

    # A run embed in a room works alike.
    assert a.call("join", {"room": "ops"})["ok"]
    assert a.call("message", {"room": "ops", "text": "it failed",
                              "embed": embed})["message"]["embed"] == embed


@pytest.mark.parametrize(("embed", "code"), [
    ({"kind": "graph", "stream": "demo.sine"}, "bad_request"),       # unknown kind
    ({"stream": "demo.sine"}, "bad_request"),                        # no kind
    ({"kind": "stream"}, "bad_request"),                             # no stream
    ({"kind": "stream", "stream": "demo.sine", "x": 1}, "bad_request"),  # extra field
    ({"kind": "run", "task_id": 1, "stream": "demo.sine"}, "bad_request"),
    ({"kind": "run", "task_id": "1"}, "bad_request"),                # strict types
    ({"kind": "run", "task_id": -1}, "bad_request"),
    ({"kind": "stream", "stream": "x" * 65}, "bad_request"),
    ("demo.sine", "bad_request"),
    ([STREAM], "bad_request"),
    ({"kind": "stream", "stream": "no.such.stream"}, "not_found"),
    ({"kind": "stream", "stream": "file.nothing"}, "not_found"),
    ({"kind": "run", "task_id": 999_999}, "not_found"),
])
def test_bad_embeds_are_refused_and_nothing_is_stored(server, connect, embed, code):
    alice, bob = register(server.url), register(server.url)
    a = chat(connect, server, alice)
    assert a.call("join", {"room": "ops"})["ok"]
    for event, payload in (("message", {"room": "ops", "text": "see", "embed": embed}),
                           ("dm", {"to": name_of(bob), "text": "see", "embed": embed})):
        ack = a.call(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == code, (event, ack)
        assert ack["error"]["message"]
    assert a.call("history", {"room": "ops"})["messages"] == []
    assert a.call("dm_history", {"with": name_of(bob)})["messages"] == []
    # Nothing was broadcast either: the next message is the first one to arrive.
    sent = a.call("message", {"room": "ops", "text": "marker"})["message"]
    assert a.wait_for("message") == [sent]


def test_empty_text_needs_an_embed(server, connect):
    alice, bob = register(server.url), register(server.url)
    a = chat(connect, server, alice)
    assert a.call("join", {"room": "ops"})["ok"]
    for payload in ({"room": "ops"}, {"room": "ops", "text": "  "}, {"room": "ops", "embed": None}):
        ack = a.call("message", payload)
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request", ack
    ack = a.call("dm", {"to": name_of(bob), "text": ""})
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    # An unknown embed is not_found even with text; a forbidden room is checked first.
    ack = a.call("message", {"room": "elsewhere", "text": "x",
                             "embed": {"kind": "stream", "stream": "no.such"}})
    assert ack["error"]["code"] == "forbidden"
