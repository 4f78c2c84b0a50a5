"""Two workers sharing a database and a Redis message queue: /logs and /debug across them."""

import os
import shutil
import signal
import time

import pytest

from support.clients import post_debug, register, unique_name
from support.stack import Redis
from support.tasks import frame_lines, start, start_server, wait_final, wait_for_step, write_tasks
from support.workers import two_workers


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    """Worker A and worker B: one SQLite file, one Redis."""
    workdir = tmp_path_factory.mktemp("workers")
    with two_workers(workdir, {"TASKS_FILE": str(write_tasks(workdir / "tasks"))}) as started:
        yield started


def test_a_run_on_one_worker_is_followed_from_the_other(workers, connect):
    a, b = workers
    token = register(a.url)["token"]
    runner = connect(a, "/logs", token)
    follower = connect(b, "/logs", token)
    task_id = start(runner, "slow-pipeline")
    follower.wait_for("task", lambda events: any(e["id"] == task_id for e in events))
    ack = follower.call("subscribe", {"task_id": task_id})
    assert ack["ok"], ack
    final = wait_final(follower, task_id)
    assert final["status"] == "succeeded"
    # Across workers delivery is at least once: a client keeps the first of each seq.
    follower.wait_for("lines", lambda _: final["line_count"] in {
        line["seq"] for line in ack["lines"] + frame_lines(follower, task_id)})
    unique = {line["seq"]: line for line in ack["lines"] + frame_lines(follower, task_id)}
    assert sorted(unique) == list(range(1, final["line_count"] + 1))

    # Cancel works from the worker that does not run it: a command to the owner.
    long_id = start(runner, "long")
    assert follower.call("cancel", {"task_id": long_id}) == {"ok": True}
    final = wait_final(follower, long_id, timeout=15)
    assert final["status"] == "cancelled" and final["reason"].startswith("cancelled by")


def test_debug_messages_reach_subscribers_on_every_worker(workers, connect):
    a, b = workers
    token = register(a.url)["token"]
    source = unique_name("multi")
    on_a = connect(a, "/debug", token)
    on_b = connect(b, "/debug", token)
    for client in (on_a, on_b):
        assert client.call("subscribe", {"levels": ["error"], "sources": [f"{source}*"]})["ok"]
    for level, text in (("info", "not wanted"), ("error", "wanted")):
        response = post_debug(a.url, token,
                              {"level": level, "source": f"{source}.x", "message": text})
        assert response.status_code == 202
    for client in (on_a, on_b):
        events = client.wait_for("debug", lambda e: any(x["message"] == "wanted" for x in e))
        assert [e["message"] for e in events] == ["wanted"]


def test_a_redis_stall_does_not_hold_up_cancel(tmp_path, connect):
    """Queued runs poll for a cluster slot (a Redis round trip): with Redis frozen each
    poll waits its 2 s timeout, and a cancel must not wait behind it."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (run scripts/install-system-deps.sh)")
    queue = Redis().start()
    server = None
    try:
        server = start_server(tmp_path, env={"TASK_CONCURRENCY": "1", "MESSAGE_QUEUE": queue.url})
        client = connect(server, "/logs", register(server.url)["token"])
        running = start(client, "long")
        wait_for_step(client, running)
        start(client, "long")  # queued: it looks for a slot every 0.5 s
        os.kill(queue.process.pid, signal.SIGSTOP)
        try:
            time.sleep(1)
            waits = []
            for _ in range(10):  # repeated cancels of the running run: no Redis on that path
                began = time.monotonic()
                client.call("cancel", {"task_id": running}, timeout=15)
                waits.append(time.monotonic() - began)
                time.sleep(0.2)
        finally:
            os.kill(queue.process.pid, signal.SIGCONT)
        assert max(waits) < 1.0, [round(w, 2) for w in waits]
    finally:
        if server is not None:
            server.stop()
        queue.stop()
