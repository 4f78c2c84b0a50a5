"""Presence across two workers: members, online counts and presence events are cluster-wide."""

import time
from concurrent.futures import ThreadPoolExecutor

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


def test_counts_are_right_after_redis_froze_while_a_user_left(stack, connect, new_user):
    """Redis stops answering for ~5 s but keeps its data: a leave meanwhile is not lost.

    The leave's count change times out (or its new connection's handshake
    does): only the worker's mirror has it until the worker republishes.
    """
    room = unique_name("frozen")
    erin, frank = new_user(), new_user()
    leaver = connect(stack.workers[0], "/chat", erin["token"])
    watcher = connect(stack.workers[1], "/chat", frank["token"])
    for client in (leaver, watcher):
        assert client.call("join", {"room": room})["ok"]
    assert watcher.call("join", {"room": room})["members"] == sorted([name(erin), name(frank)])

    # Calls that keep all of the worker's pooled Redis connections busy while
    # Redis is frozen: each times out and is dropped, so the leave needs a new one.
    busy = [connect(stack.workers[0], "/chat", frank["token"]) for _ in range(6)]
    stack.redis.pause()
    try:
        with ThreadPoolExecutor(len(busy) + 1) as pool:
            calls = [pool.submit(client.call, "rooms", timeout=20) for client in busy]
            time.sleep(1.5)
            leave = pool.submit(leaver.call, "leave", {"room": room}, timeout=20)
            # Resumed well under the 10 s alive expiry: every worker's key survives
            # the freeze, so none registers again for that reason.
            time.sleep(3.5)
            stack.redis.resume()
            assert leave.result()["ok"]
            for call in calls:
                call.result()
    finally:
        stack.redis.resume()

    def counts_right():
        for worker in stack.workers:
            probe = connect(worker, "/chat", frank["token"])
            online = {r["name"]: r["online"] for r in probe.call("rooms")["rooms"]}
            members = probe.call("join", {"room": room})["members"]
            probe.close()
            if (online.get(room), members) != (1, [name(frank)]):
                return False
        return True

    assert wait_until(counts_right, timeout=15, interval=1)
