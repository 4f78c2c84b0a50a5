"""Redis stops, or one worker loses it: acked messages still reach clients that stay connected.

The client on worker B does what the SPA's useSocket does on ``resync``: the
same re-subscription it runs on a reconnect (here: chat ``resume`` after the
last id it saw), on the socket it already has.
"""

import time

import requests

from support.clients import unique_name, wait_until
from support.proxy import TcpProxy


def health(worker):
    response = requests.get(f"{worker.url}/api/health", timeout=10)
    return response.status_code, response.json()


def test_a_queue_outage_loses_nothing_acked_and_is_reported(stack, connect, new_user):
    room = unique_name("outage")
    sender_user, reader_user = new_user(), new_user()
    sender = connect(stack.workers[0], "/chat", sender_user["token"])
    reader = connect(stack.workers[1], "/chat", reader_user["token"])
    charts = connect(stack.workers[1], "/charts", reader_user["token"])
    for client in (sender, reader):
        assert client.call("join", {"room": room})["ok"]
    before = sender.call("message", {"room": room, "text": "before"})
    reader.wait_for("message", lambda got: any(m["id"] == before["message"]["id"] for m in got))
    last_seen = before["message"]["id"]
    code, body = health(stack.workers[0])
    assert (code, body["status"], body["queue"]) == (200, "ok", "up")
    log_sizes = [len(w.log()) for w in stack.workers]

    stack.redis.halt()
    try:
        assert wait_until(lambda: health(stack.workers[0])[1]["queue"] == "down", 10)
        code, body = health(stack.workers[0])
        assert (code, body["status"], body["queue"]) == (200, "degraded", "down")
        acked = []
        for n in range(5):  # about five seconds of messages while Redis is gone
            ack = sender.call("message", {"room": room, "text": f"during {n}"})
            assert ack["ok"], ack
            acked.append(ack["message"]["id"])
            time.sleep(1)
    finally:
        stack.redis.start()
    for n in range(3):  # right after Redis is back, before every worker listens again
        ack = sender.call("message", {"room": room, "text": f"after {n}"})
        assert ack["ok"], ack
        acked.append(ack["message"]["id"])

    # Every worker tells its clients, on every namespace, to re-subscribe.
    assert reader.wait_for("resync", timeout=20)[0] == {"reason": "queue"}
    assert charts.wait_for("resync", timeout=20)[0] == {"reason": "queue"}
    resumed = reader.call("resume", {"room": room, "after_id": last_seen})
    assert resumed["ok"], resumed
    got = {m["id"] for m in reader.events("message")} | {m["id"] for m in resumed["messages"]}
    assert set(acked) <= got, sorted(set(acked) - got)

    for worker in stack.workers:
        assert wait_until(lambda w=worker: health(w)[1]["status"] == "ok", 15), health(worker)
    # Logging stayed bounded: a handful of lines per worker, not one per emit.
    for worker, size in zip(stack.workers, log_sizes, strict=True):
        outage_log = worker.log()[size:]
        noisy = [line for line in outage_log.splitlines()
                 if "redis" in line.lower() or "queue" in line.lower()]
        assert len(noisy) <= 20, "\n".join(noisy[:40])
    # The queue works again: a message reaches the other worker live.
    live = sender.call("message", {"room": room, "text": "live again"})
    reader.wait_for("message", lambda got: any(m["id"] == live["message"]["id"] for m in got))


def test_messages_one_worker_could_not_publish_reach_the_other_workers_clients(
        stack, connect, new_user):
    """Only worker A loses Redis (a proxy in front of it is cut): B's listener never breaks.

    B's client still misses what A could not publish, so B must be told to
    resync too; the client resumes on that ``resync``, on the socket it has.
    """
    proxy = TcpProxy(stack.redis.port).start()
    worker_a = None
    try:
        worker_a = stack.extra_worker("backend-proxied",
                                      MESSAGE_QUEUE=f"redis://127.0.0.1:{proxy.port}/0")
        room = unique_name("one-down")
        sender_user, reader_user = new_user(), new_user()
        sender = connect(worker_a, "/chat", sender_user["token"])
        reader = connect(stack.workers[1], "/chat", reader_user["token"])
        for client in (sender, reader):
            assert client.call("join", {"room": room})["ok"]
        before = sender.call("message", {"room": room, "text": "before"})
        reader.wait_for("message", lambda got: any(m["id"] == before["message"]["id"]
                                                   for m in got))
        reader_sid = reader.sio.get_sid("/chat")

        proxy.block()
        try:
            assert wait_until(lambda: health(worker_a)[1]["queue"] == "down", 10)
            acked = []
            for n in range(4):
                ack = sender.call("message", {"room": room, "text": f"during {n}"})
                assert ack["ok"], ack
                acked.append(ack["message"]["id"])
                time.sleep(0.5)
            assert health(stack.workers[1])[1]["queue"] == "up"  # B never lost Redis
        finally:
            proxy.unblock()

        assert reader.wait_for("resync", timeout=20)[0] == {"reason": "queue"}
        resumed = reader.call("resume", {"room": room, "after_id": before["message"]["id"]})
        assert resumed["ok"], resumed
        got = {m["id"] for m in reader.events("message")} | {m["id"] for m in resumed["messages"]}
        assert set(acked) <= got, sorted(set(acked) - got)
        assert reader.sio.get_sid("/chat") == reader_sid  # resumed without reconnecting
        assert not set(acked) & {m["id"] for m in reader.events("message")}, \
            "the proxy did not cut worker A off: B received A's messages live"
    finally:
        if worker_a is not None:
            worker_a.stop()
        proxy.stop()
