"""The /chat namespace against a real server: rooms, DMs, presence, notifications."""

import threading
import time

from support.clients import register


def chat(connect, server, account):
    """A /chat socket of ``account`` (another call is another tab)."""
    return connect(server, "/chat", account["token"])


def name_of(account):
    return account["user"]["username"]


def settle(client, room):
    """Wait until every event emitted to ``client`` before now has arrived.

    A socket's events arrive in the order the server sent them, so once a
    marker posted now is back, anything that was going to arrive has.
    """
    marker = f"marker-{time.monotonic_ns()}"
    client.call("join", {"room": room})
    assert client.call("message", {"room": room, "text": marker})["ok"]
    client.wait_for("message", lambda ms: any(m["text"] == marker for m in ms))


def test_join_returns_members_and_last_messages(server, connect):
    alice, bob = register(server.url), register(server.url)
    a = chat(connect, server, alice)
    first = a.call("join", {"room": "general"})
    assert first == {"ok": True, "room": "general", "members": [name_of(alice)], "messages": []}
    sent = [a.call("message", {"room": "general", "text": f"hello {i}"})["message"]
            for i in range(3)]
    ack = chat(connect, server, bob).call("join", {"room": "general"})
    assert ack["members"] == sorted([name_of(alice), name_of(bob)])
    assert ack["messages"] == sent
    assert [m["id"] for m in sent] == sorted(m["id"] for m in sent)
    message = sent[0]
    assert set(message) == {"id", "room", "user", "text", "ts", "client_id", "annotation",
                            "embed"}
    assert message["user"] == name_of(alice) and message["client_id"] is None
    assert message["annotation"] is False  # only a message sent with annotate: true is one
    assert isinstance(message["ts"], int) and abs(message["ts"] - time.time() * 1000) < 60_000
    rooms = a.call("rooms")["rooms"]
    assert {"name": "general", "online": 2} in rooms


def test_general_exists_before_anyone_joins(server, user, connect):
    assert chat(connect, server, user).call("rooms") == {
        "ok": True, "rooms": [{"name": "general", "online": 0}]}


def test_room_messages_reach_members_only(server, connect):
    alice, bob, carol = (register(server.url) for _ in range(3))
    a, b, c = (chat(connect, server, u) for u in (alice, bob, carol))
    for client in (a, b):
        assert client.call("join", {"room": "ops"})["ok"]
    assert c.call("join", {"room": "other"})["ok"]
    ack = a.call("message", {"room": "ops", "text": "deploy at 5"})
    assert ack["ok"] and ack["message"]["room"] == "ops"
    for client in (a, b):
        assert client.wait_for("message") == [ack["message"]]
    settle(c, "other")
    assert all(m["room"] == "other" for m in c.events("message"))
    assert c.call("history", {"room": "ops"})["error"]["code"] == "forbidden"


def test_leave_stops_delivery_and_posting(server, connect):
    alice, bob = register(server.url), register(server.url)
    a, b = chat(connect, server, alice), chat(connect, server, bob)
    for client in (a, b):
        client.call("join", {"room": "ops"})
    assert b.call("leave", {"room": "ops"}) == {"ok": True}
    a.call("message", {"room": "ops", "text": "still here?"})
    settle(b, "elsewhere")
    assert [m["room"] for m in b.events("message")] == ["elsewhere"]
    ack = b.call("message", {"room": "ops", "text": "I left"})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert b.call("leave", {"room": "never-joined"}) == {"ok": True}


def test_joining_is_per_socket(server, user, connect):
    first, second = chat(connect, server, user), chat(connect, server, user)
    first.call("join", {"room": "ops"})
    assert first.call("message", {"room": "ops", "text": "from tab one"})["ok"]
    ack = second.call("message", {"room": "ops", "text": "from tab two"})
    assert ack["error"]["code"] == "forbidden"
    assert second.call("resume", {"room": "ops", "after_id": 0})["error"]["code"] == "forbidden"


def test_dm_reaches_every_tab_of_both_users_and_nobody_else(server, connect):
    alice, bob, carol = (register(server.url) for _ in range(3))
    a1, a2 = chat(connect, server, alice), chat(connect, server, alice)
    b1, b2 = chat(connect, server, bob), chat(connect, server, bob)
    c = chat(connect, server, carol)
    ack = a1.call("dm", {"to": name_of(bob), "text": "lunch?", "client_id": "dm-1"})
    assert ack["ok"]
    message = ack["message"]
    assert set(message) == {"id", "from", "to", "text", "ts", "client_id", "embed"}
    assert (message["from"], message["to"], message["text"], message["client_id"]) == (
        name_of(alice), name_of(bob), "lunch?", "dm-1")
    for client in (a1, a2, b1, b2):
        assert client.wait_for("dm") == [message]
    expected = {"kind": "dm", "from": name_of(alice), "message_id": message["id"],
                "preview": "lunch?"}
    for client in (b1, b2):
        assert client.wait_for("notification") == [expected]
    settle(a2, "sync")
    settle(c, "sync")
    assert a1.events("notification") == a2.events("notification") == []
    assert c.events("dm") == c.events("notification") == []


def test_mentions_notify_existing_users_but_not_the_author(server, connect):
    alice, bob, carol = (register(server.url) for _ in range(3))
    a, b, c = (chat(connect, server, u) for u in (alice, bob, carol))
    for client in (a, b):
        client.call("join", {"room": "ops"})
    text = f"@{name_of(carol)} look, cc @{name_of(alice)} @nobody-here mail@{name_of(bob)}"
    message = a.call("message", {"room": "ops", "text": text})["message"]
    note = c.wait_for("notification")
    assert note == [{"kind": "mention", "from": name_of(alice), "room": "ops",
                     "message_id": message["id"], "preview": text}]
    assert c.events("message") == []  # notified, though not in the room
    settle(a, "ops")
    settle(b, "ops")
    assert a.events("notification") == b.events("notification") == []


def test_long_message_preview_is_cut(server, connect):
    alice, bob = register(server.url), register(server.url)
    a, b = chat(connect, server, alice), chat(connect, server, bob)
    assert a.call("dm", {"to": name_of(bob), "text": "x" * 500})["ok"]
    preview = b.wait_for("notification")[0]["preview"]
    assert 0 < len(preview) <= 100 and preview.startswith("xxx")


def test_presence_counts_tabs(server, connect):
    alice, bob = register(server.url), register(server.url)
    watcher = chat(connect, server, bob)
    watcher.call("join", {"room": "ops"})
    tab1, tab2 = chat(connect, server, alice), chat(connect, server, alice)
    assert tab1.call("join", {"room": "ops"})["members"] == sorted([name_of(alice), name_of(bob)])
    online = {"room": "ops", "user": name_of(alice), "online": True}
    offline = {**online, "online": False}
    assert watcher.wait_for("presence") == [online]
    tab2.call("join", {"room": "ops"})
    tab1.close()  # alice is still in the room through tab2
    settle(watcher, "ops")
    assert watcher.events("presence") == [online]
    assert watcher.call("join", {"room": "ops"})["members"] == sorted(
        [name_of(alice), name_of(bob)])

    assert tab2.call("leave", {"room": "ops"}) == {"ok": True}
    assert watcher.wait_for("presence", lambda e: len(e) == 2) == [online, offline]
    tab2.call("join", {"room": "ops"})
    watcher.wait_for("presence", lambda e: len(e) == 3)  # recorded before the next one
    tab2.close()
    assert watcher.wait_for("presence", lambda e: len(e) == 4) == [online, offline,
                                                                   online, offline]
    assert watcher.call("join", {"room": "ops"})["members"] == [name_of(bob)]


def test_resume_returns_exactly_the_missed_messages(server, connect):
    alice, bob = register(server.url), register(server.url)
    a, b = chat(connect, server, alice), chat(connect, server, bob)
    for client in (a, b):
        client.call("join", {"room": "ops"})
    for i in range(2):
        a.call("message", {"room": "ops", "text": f"before {i}"})
    last_seen = max(m["id"] for m in b.wait_for("message", lambda ms: len(ms) == 2))
    b.close()
    missed = [a.call("message", {"room": "ops", "text": f"missed {i}"})["message"]
              for i in range(5)]

    again = chat(connect, server, bob)
    again.call("join", {"room": "ops"})
    ack = again.call("resume", {"room": "ops", "after_id": last_seen})
    assert ack == {"ok": True, "messages": missed, "has_more": False}
    part = again.call("resume", {"room": "ops", "after_id": last_seen, "limit": 3})
    assert part["messages"] == missed[:3] and part["has_more"] is True
    latest = again.call("resume", {"room": "ops", "after_id": missed[-1]["id"]})
    assert latest["messages"] == []


def test_history_pages_backwards(server, connect):
    writers = [register(server.url) for _ in range(3)]  # 12 messages, under each rate limit
    clients = [chat(connect, server, w) for w in writers]
    for client in clients:
        client.call("join", {"room": "ops"})
    sent = [clients[i % 3].call("message", {"room": "ops", "text": f"m{i}"})["message"]
            for i in range(12)]
    reader = clients[0]
    page = reader.call("history", {"room": "ops", "limit": 5})
    assert page["messages"] == sent[7:] and page["has_more"] is True
    page = reader.call("history", {"room": "ops", "limit": 5,
                                   "before_id": page["messages"][0]["id"]})
    assert page["messages"] == sent[2:7] and page["has_more"] is True
    page = reader.call("history", {"room": "ops", "before_id": page["messages"][0]["id"]})
    assert page["messages"] == sent[:2] and page["has_more"] is False
    assert reader.call("history", {"room": "ops"})["messages"] == sent


def test_repeated_client_id_is_stored_and_broadcast_once(server, connect):
    alice, bob = register(server.url), register(server.url)
    a, b = chat(connect, server, alice), chat(connect, server, bob)
    for client in (a, b):
        client.call("join", {"room": "ops"})
    first = a.call("message", {"room": "ops", "text": "once", "client_id": "c-1"})
    again = a.call("message", {"room": "ops", "text": "once", "client_id": "c-1"})
    assert first["ok"] and again == first
    # Another user may use the same client_id: the key is (author, client_id).
    other = b.call("message", {"room": "ops", "text": "mine", "client_id": "c-1"})
    assert other["message"]["id"] != first["message"]["id"]
    settle(b, "ops")
    assert [m["text"] for m in b.events("message")].count("once") == 1
    texts = [m["text"] for m in b.call("history", {"room": "ops"})["messages"]]
    assert texts.count("once") == 1

    a.call("join", {"room": "ops2"})
    reused = a.call("message", {"room": "ops2", "text": "once", "client_id": "c-1"})
    assert reused["error"]["code"] == "bad_request"
    dm = a.call("dm", {"to": name_of(bob), "text": "hi", "client_id": "d-1"})
    assert a.call("dm", {"to": name_of(bob), "text": "hi", "client_id": "d-1"}) == dm
    b.wait_for("dm")
    settle(b, "ops")
    assert len(b.events("dm")) == 1 and len(b.events("notification")) == 1
    assert len(b.call("dm_history", {"with": name_of(alice)})["messages"]) == 1


def test_more_than_ten_messages_in_ten_seconds_is_rate_limited(server, connect):
    alice, bob = register(server.url), register(server.url)
    a = chat(connect, server, alice)
    a.call("join", {"room": "ops"})
    for i in range(6):
        assert a.call("message", {"room": "ops", "text": f"r{i}", "client_id": f"r{i}"})["ok"]
    for i in range(4):  # room messages and DMs share one budget
        assert a.call("dm", {"to": name_of(bob), "text": f"d{i}"})["ok"]
    ack = a.call("message", {"room": "ops", "text": "one too many"})
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"
    assert a.call("dm", {"to": name_of(bob), "text": "dm too"})["error"]["code"] == "rate_limited"
    # A retry of a stored message is answered, not counted.
    retry = a.call("message", {"room": "ops", "text": "r0", "client_id": "r0"})
    assert retry["ok"] and retry["message"]["text"] == "r0"
    texts = [m["text"] for m in a.call("history", {"room": "ops"})["messages"]]
    assert texts == [f"r{i}" for i in range(6)]
    # Other users are not affected.
    b = chat(connect, server, bob)
    assert b.call("dm", {"to": name_of(alice), "text": "fine"})["ok"]


def test_simultaneous_retries_from_two_tabs_store_one_message(server, connect):
    alice, bob = register(server.url), register(server.url)
    tabs = [chat(connect, server, alice) for _ in range(2)]
    listener = chat(connect, server, bob)
    for client in (*tabs, listener):
        client.call("join", {"room": "ops"})
    payload = {"room": "ops", "text": "exactly once", "client_id": "race-1"}
    acks = [None, None]

    def send(i):
        acks[i] = tabs[i].call("message", payload)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert acks[0]["ok"] and acks[0] == acks[1]
    settle(listener, "ops")
    assert [m["text"] for m in listener.events("message")].count("exactly once") == 1
    history = listener.call("history", {"room": "ops"})["messages"]
    assert [m["id"] for m in history if m["client_id"] == "race-1"] == [acks[0]["message"]["id"]]
