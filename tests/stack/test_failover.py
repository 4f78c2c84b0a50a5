"""A worker dies: its clients reconnect through nginx to the other and resume."""

import requests

from support.clients import unique_name, wait_until


def answering_pid(stack) -> int:
    """The pid of the worker that answered one request through nginx."""
    worker = requests.get(f"{stack.nginx.url}/api/health", timeout=5).json()["worker"]
    return int(worker.rsplit(":", 1)[1])


def worker_behind_nginx(stack):
    """The worker nginx sends this host's connections to (sticky by address)."""
    answers = {answering_pid(stack) for _ in range(5)}
    assert len(answers) == 1, f"not sticky: {answers}"
    return stack.worker_by_pid(answers.pop())


def test_killed_worker_clients_reconnect_through_nginx_and_resume(stack, connect, new_user):
    room = unique_name("failover")
    victim = worker_behind_nginx(stack)
    survivor = next(w for w in stack.workers if w is not victim)
    mover, stayer = new_user(), new_user()

    moving = connect(stack.nginx, "/chat", mover["token"], reconnection=True)
    connects = []
    moving.sio.on("connect", lambda: connects.append(moving.sio.get_sid("/chat")),
                  namespace="/chat")
    staying = connect(survivor, "/chat", stayer["token"])
    for client in (moving, staying):
        assert client.call("join", {"room": room})["ok"]
    before = [moving.call("message", {"room": room, "text": "before the crash"}),
              staying.call("message", {"room": room, "text": "also before"})]
    moving.wait_for("message", lambda got: len(got) == 2)
    last_seen = max(m["id"] for m in moving.events("message"))
    first_sid = moving.sio.get_sid("/chat")

    try:
        victim.kill()
        assert wait_until(lambda: not moving.sio.connected or connects, timeout=20), \
            "no disconnect seen"
        while_down = [staying.call("message", {"room": room, "text": f"missed {n}"})
                      for n in range(3)]
        assert all(ack["ok"] for ack in [*before, *while_down])

        assert wait_until(lambda: connects and moving.sio.connected, timeout=20), \
            victim.log()[-2000:]
        assert moving.sio.get_sid("/chat") != first_sid
        assert worker_behind_nginx(stack) is survivor

        # What the SPA does on every reconnect: join again, ask for what it missed.
        assert moving.call("join", {"room": room})["ok"]
        resumed = moving.call("resume", {"room": room, "after_id": last_seen})
        assert resumed["ok"], resumed
        assert [m["id"] for m in resumed["messages"]] == [a["message"]["id"] for a in while_down]
        seen = [m["id"] for m in moving.events("message")]
        everything = sorted({*seen, *(m["id"] for m in resumed["messages"])})
        assert everything == sorted(a["message"]["id"] for a in [*before, *while_down])

        after = moving.call("message", {"room": room, "text": "back again"})
        assert after["ok"]
        staying.wait_for("message", lambda got: after["message"]["id"] in {m["id"] for m in got})
    finally:
        restore(stack, victim)


def restore(stack, worker):
    """Restart ``worker`` and wait until nginx sends this host to it again.

    nginx retries a failed server after ``fail_timeout``; until then the
    hash sends new sessions elsewhere, and a long-polling session open when
    it flips back would break. The next test starts from the first state.
    """
    worker.start(60)
    assert wait_until(lambda: all(answering_pid(stack) == worker.process.pid
                                  for _ in range(5)), timeout=30)
