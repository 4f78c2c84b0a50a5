"""Charts across two workers: one window per stream, one producer per built-in stream."""

import time

import requests

from support.clients import publish_points, unique_name, wait_until


def subscribe(client, stream):
    ack = client.call("subscribe", {"stream": stream})
    assert ack["ok"], ack
    return ack


def times(client, stream):
    return [t for f in client.events("points") if f["stream"] == stream for t, _ in f["points"]]


def streams_of(worker, token):
    body = requests.get(f"{worker.url}/api/streams", timeout=5,
                        headers={"Authorization": f"Bearer {token}"}).json()
    return {s["name"]: s for s in body["streams"]}


def test_a_published_window_is_the_same_on_every_worker(stack, connect, new_user):
    token = new_user()["token"]
    stream = f"stack.{unique_name('window')}"
    base = int(time.time() * 1000)
    points = [[base + n, n] for n in range(5)]
    response = publish_points(stack.workers[0].url, token, stream, {"points": points})
    assert response.status_code == 202
    for worker in stack.workers:
        ack = subscribe(connect(worker, "/charts", token), stream)
        assert ack["points"] == points, worker.url
    info = connect(stack.workers[1], "/charts", token).call("streams")["streams"]
    published = next(s for s in info if s["name"] == stream)
    assert published["window_points"] == 600 and published["interval_ms"] is None


def test_a_built_in_stream_has_one_producer_for_the_cluster(stack, connect, new_user):
    token = new_user()["token"]
    clients = [connect(worker, "/charts", token) for worker in stack.workers]
    for client in clients:
        subscribe(client, "demo.sine")
    assert wait_until(lambda: all(len(times(c, "demo.sine")) >= 20 for c in clients), 20)
    # One sampler: the same timestamps reach both workers' clients.
    first, second = (set(times(c, "demo.sine")) for c in clients)
    overlap = first & second
    assert len(overlap) >= 15 and len(overlap) >= 0.8 * min(len(first), len(second))
    views = [streams_of(worker, token)["demo.sine"] for worker in stack.workers]
    assert views[0]["subscribers"] == views[1]["subscribers"] >= 2
    assert views[0]["producing"] is views[1]["producing"] is True
    assert views[0]["interval_ms"] == 100
    for client in clients:
        assert client.call("unsubscribe", {"stream": "demo.sine"})["ok"]
    assert wait_until(lambda: not streams_of(stack.workers[0], token)["demo.sine"]["producing"], 10)


def test_the_producer_moves_when_its_worker_dies(stack, connect, new_user):
    token = new_user()["token"]
    victim = stack.spare()
    survivor = next(w for w in stack.workers if w is not victim)
    on_victim = connect(victim, "/charts", token)
    subscribe(on_victim, "demo.random")  # the victim takes the lease first
    assert wait_until(lambda: len(times(on_victim, "demo.random")) >= 3, 10)
    watcher = connect(survivor, "/charts", token)
    subscribe(watcher, "demo.random")
    assert wait_until(lambda: len(times(watcher, "demo.random")) >= 3, 10)
    try:
        victim.kill()
        killed_at = int(time.time() * 1000)
        # The lease lapses within 3 s; the survivor samples from then on.
        assert wait_until(lambda: sum(t > killed_at + 500 for t in times(watcher, "demo.random"))
                          >= 10, 20)
        assert streams_of(survivor, token)["demo.random"]["producing"] is True
    finally:
        victim.start(60)


def test_the_first_cpu_sample_is_a_real_reading(stack, connect, new_user):
    client = connect(stack.workers[0], "/charts", new_user()["token"])
    subscribed_at = time.monotonic()
    subscribe(client, "system.cpu")
    client.wait_for("points", lambda got: any(f["stream"] == "system.cpu" for f in got))
    # Sampled over a whole interval after the subscription, not at once (0 %).
    assert time.monotonic() - subscribed_at >= 0.9
    assert client.call("unsubscribe", {"stream": "system.cpu"})["ok"]
