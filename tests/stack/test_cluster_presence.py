"""Presence across two workers: members, online counts and presence events are cluster-wide."""

import time

from support.clients import unique_name, wait_until


def name(person):
    return person["user"]["username"]


def about(client, user):
    return [e for e in client.events("presence") if e["user"] == user]


def test_members_and_presence_count_every_workers_users(stack, connect, new_user):
    room = unique_name("presence")
    alice, bob = new_user(), new_user()
    first = connect(stack.workers[0], "/chat", alice["token"])
    assert first.call("join", {"room": room})["ok"]
    watcher = connect(stack.workers[1], "/chat", bob["token"])
    ack = watcher.call("join", {"room": room})
    assert ack["members"] == sorted([name(alice), name(bob)])
    first.wait_for("presence", lambda got: any(e["user"] == name(bob) for e in got))
    for worker in stack.workers:
        probe = connect(worker, "/chat", bob["token"])
        online = {r["name"]: r["online"] for r in probe.call("rooms")["rooms"]}
        assert online[room] == 2, worker.url

    # A second tab of alice on the other worker: already online, nothing is sent.
    second_tab = connect(stack.workers[1], "/chat", alice["token"])
    assert second_tab.call("join", {"room": room})["ok"]
    first.close()  # one of her two tabs leaves: still online
    time.sleep(1)
    assert about(watcher, name(alice)) == []
    assert second_tab.call("leave", {"room": room})["ok"]
    watcher.wait_for("presence", lambda got: any(e["user"] == name(alice) for e in got))
    time.sleep(0.5)
    assert about(watcher, name(alice)) == [{"room": room, "user": name(alice), "online": False}]
    assert watcher.call("join", {"room": room})["members"] == [name(bob)]


def test_a_killed_workers_users_go_offline_within_30_seconds(stack, connect, new_user):
    room = unique_name("expiry")
    victim = stack.spare()
    survivor = next(w for w in stack.workers if w is not victim)
    carol, dave = new_user(), new_user()
    doomed = connect(victim, "/chat", carol["token"])
    assert doomed.call("join", {"room": room})["ok"]
    watcher = connect(survivor, "/chat", dave["token"])
    assert watcher.call("join", {"room": room})["members"] == sorted([name(carol), name(dave)])
    try:
        victim.kill()
        killed_at = time.monotonic()
        watcher.wait_for("presence", lambda got: any(
            e["user"] == name(carol) and not e["online"] for e in got), timeout=40)
        assert time.monotonic() - killed_at <= 30
        assert watcher.call("join", {"room": room})["members"] == [name(dave)]
        assert len(about(watcher, name(carol))) == 1
    finally:
        victim.start(60)
    # Back again: the restarted worker's users count as before.
    back = connect(victim, "/chat", carol["token"])
    assert back.call("join", {"room": room})["ok"]
    assert wait_until(lambda: watcher.call("join", {"room": room})["members"] ==
                      sorted([name(carol), name(dave)]), timeout=10)
