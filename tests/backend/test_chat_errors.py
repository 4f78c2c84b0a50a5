"""/chat refuses bad requests with the contract's error codes and keeps DMs private."""

import pytest

from pulseboard import create_app, schema
from pulseboard.auth.service import register as register_user
from pulseboard.chat import store
from pulseboard.chat.mentions import mentioned_names
from pulseboard.chat.models import ChatMessage
from support.clients import register


def chat(connect, server, account):
    return connect(server, "/chat", account["token"])


def code(ack):
    assert ack["ok"] is False and ack["error"]["message"], ack
    return ack["error"]["code"]


BAD_REQUESTS = [
    ("join", None), ("join", "general"), ("join", {}), ("join", {"room": 5}),
    ("join", {"room": "General"}), ("join", {"room": "-x"}), ("join", {"room": "a" * 33}),
    ("join", {"room": "user:1"}), ("join", {"room": "general", "extra": 1}),
    ("message", {"room": "general"}), ("message", {"room": "general", "text": "   \n "}),
    ("message", {"room": "general", "text": ""}), ("message", {"room": "general", "text": 7}),
    ("message", {"room": "general", "text": "hi", "user": "someone-else"}),
    ("message", {"room": "general", "text": "hi", "client_id": ""}),
    ("message", {"room": "general", "text": "hi", "client_id": "c" * 65}),
    ("message", {"room": "general", "text": "hi", "client_id": 12}),
    ("history", {"room": "general", "limit": 201}), ("history", {"room": "general", "limit": 0}),
    ("history", {"room": "general", "before_id": "9"}), ("resume", {"room": "general"}),
    ("resume", {"room": "general", "after_id": -1}), ("dm", {"to": "someone"}),
    ("dm_history", {}), ("dm_history", {"with": "x", "before_id": 5, "after_id": 1}),
]


def test_malformed_payloads_are_bad_requests(server, user, connect):
    client = chat(connect, server, user)
    client.call("join", {"room": "general"})
    answers = {(event, repr(payload)[:60]): client.call(event, payload)
               for event, payload in BAD_REQUESTS}
    assert {key: code(ack) for key, ack in answers.items()} == {
        key: "bad_request" for key in answers}
    assert client.call("history", {"room": "general"}) == {
        "ok": True, "messages": [], "has_more": False}  # nothing was stored


def test_self_is_not_a_dm_partner(server, user, connect):
    client = chat(connect, server, user)
    me = user["user"]["username"]
    assert code(client.call("dm", {"to": me, "text": "hi me"})) == "bad_request"
    assert code(client.call("dm_history", {"with": me})) == "bad_request"


def test_unknown_targets_are_not_found(server, user, connect):
    client = chat(connect, server, user)
    assert code(client.call("dm", {"to": "nobody-at-all", "text": "hi"})) == "not_found"
    assert code(client.call("dm_history", {"with": "nobody-at-all"})) == "not_found"
    assert code(client.call("shout", {"text": "hi"})) == "not_found"
    assert client.call("rooms")["ok"]


def test_reading_or_posting_without_joining_is_forbidden(server, user, connect):
    client = chat(connect, server, user)
    for event, payload in [("message", {"room": "general", "text": "hi"}),
                           ("history", {"room": "general"}),
                           ("resume", {"room": "general", "after_id": 0})]:
        assert code(client.call(event, payload)) == "forbidden"


def test_text_over_2000_characters_is_too_large(server, connect):
    alice, bob = register(server.url), register(server.url)
    client = chat(connect, server, alice)
    client.call("join", {"room": "general"})
    assert client.call("message", {"room": "general", "text": "y" * 2000})["ok"]
    assert code(client.call("message", {"room": "general", "text": "y" * 2001})) == "too_large"
    bob_name = bob["user"]["username"]
    assert code(client.call("dm", {"to": bob_name, "text": "y" * 2001})) == "too_large"


def test_half_megabyte_payloads_are_refused_and_the_connection_survives(server, connect):
    alice, bob = register(server.url), register(server.url)
    a, b = chat(connect, server, alice), chat(connect, server, bob)
    for client in (a, b):
        client.call("join", {"room": "general"})
    big = "z" * 500_000
    bob_name = bob["user"]["username"]
    assert code(a.call("message", {"room": "general", "text": big})) == "too_large"
    assert code(a.call("dm", {"to": bob_name, "text": big})) == "too_large"
    assert code(a.call("message", {"room": "general", "text": "ok",
                                   "client_id": big})) == "bad_request"
    assert code(a.call("join", {"room": big})) == "bad_request"
    ack = a.call("message", {"room": "general", "text": "after the big ones"})
    assert ack["ok"]
    assert b.wait_for("message") == [ack["message"]]  # nothing big was delivered
    assert b.call("history", {"room": "general"})["messages"] == [ack["message"]]


def test_a_third_user_cannot_read_a_conversation(server, connect):
    alice, bob, eve = (register(server.url) for _ in range(3))
    names = {k: v["user"]["username"] for k, v in
             {"alice": alice, "bob": bob, "eve": eve}.items()}
    a, b, e = (chat(connect, server, u) for u in (alice, bob, eve))
    sent = [a.call("dm", {"to": names["bob"], "text": "secret 1"})["message"],
            b.call("dm", {"to": names["alice"], "text": "secret 2"})["message"]]
    mine = e.call("dm", {"to": names["alice"], "text": "hello alice"})["message"]

    assert a.call("dm_history", {"with": names["bob"]})["messages"] == sent
    assert b.call("dm_history", {"with": names["alice"], "after_id": 0})["messages"] == sent
    assert e.call("dm_history", {"with": names["bob"]})["messages"] == []
    assert e.call("dm_history", {"with": names["alice"]})["messages"] == [mine]
    assert e.call("dm_history", {"with": names["alice"], "after_id": 0,
                                 "limit": 200})["messages"] == [mine]
    assert [c["with"] for c in e.call("conversations")["conversations"]] == [names["alice"]]
    assert [c["with"] for c in a.call("conversations")["conversations"]] == [
        names["eve"], names["bob"]]
    # A conversation is not a room: its names are refused, not joinable.
    for room in (f"user:{alice['user']['id']}", f"dm:{names['alice']}:{names['bob']}"):
        assert code(e.call("join", {"room": room})) == "bad_request"
        assert code(e.call("resume", {"room": room, "after_id": 0})) == "bad_request"
    assert code(e.call("dm_history", {"with": names["bob"], "from": names["alice"]})) == (
        "bad_request")
    assert e.events("dm") == [mine]


@pytest.mark.parametrize(("text", "names"), [
    ("@bob hi", ["bob"]), ("hi @bob, @carol and @bob", ["bob", "carol"]),
    ("mail me@bob.org", []), ("@@bob", []), ("@ab is too short", []), ("(@dave)", ["dave"]),
])
def test_mentions_are_parsed_from_text(text, names):
    assert mentioned_names(text) == names


def test_a_socket_joins_at_most_100_rooms(server, user, connect):
    client = chat(connect, server, user)
    assert all(client.call("join", {"room": f"r{i}"})["ok"] for i in range(100))
    assert code(client.call("join", {"room": "one-more"})) == "too_large"
    assert client.call("join", {"room": "r5"})["ok"]  # already joined: fine
    client.call("leave", {"room": "r0"})
    assert client.call("join", {"room": "one-more"})["ok"]


def test_store_answers_a_lost_insert_race_with_the_first_row(tmp_path):
    # A repeated client_id is found by the unique constraint: the second
    # insert must come back with the first row.
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.db'}",
                      "SECRET_KEY": "test", "ASYNC_MODE": "threading"})
    schema.upgrade(app)  # create_app builds only
    with app.app_context():
        alice = register_user("alice", "long-enough-password")

        def row(text):
            return ChatMessage(room="ops", sender_id=alice.id, sender_name="alice", text=text,
                               ts=1, client_id="same")
        first, created = store.save(row("first"))
        again, created_again = store.save(row("second"))
        assert (created, created_again) == (True, False)
        assert again.id == first.id and again.text == "first"
        stored, _ = store.page(ChatMessage.room == "ops", 10)
        assert [(m.id, m.text) for m in stored] == [(first.id, "first")]
