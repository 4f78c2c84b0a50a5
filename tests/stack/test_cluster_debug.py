"""Debug dedupe across two workers: a repeat through the other worker counts on the same id."""

from support.clients import post_debug, unique_name


def test_a_message_repeated_through_both_workers_is_one_message(stack, connect, new_user):
    token = new_user()["token"]
    source = unique_name("dedupe")
    watcher = connect(stack.workers[1], "/debug", token)
    assert watcher.call("subscribe", {"sources": [source]})["ok"]
    body = {"level": "warning", "source": source, "message": "disk almost full"}
    replies = [post_debug(stack.workers[n % 2].url, token, body) for n in range(4)]
    assert all(r.status_code == 202 for r in replies), [r.text for r in replies]
    messages = [r.json()["message"] for r in replies]
    assert len({m["id"] for m in messages}) == 1
    assert [m["count"] for m in messages] == [1, 2, 3, 4]
    watcher.wait_for("debug", lambda got: any(m["count"] == 4 for m in got))
    assert {m["id"] for m in watcher.events("debug")} == {messages[0]["id"]}
    recent = connect(stack.workers[0], "/debug", token).call("subscribe", {"sources": [source]})
    assert [(m["id"], m["count"]) for m in recent["messages"]] == [(messages[0]["id"], 4)]
