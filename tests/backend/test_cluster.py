"""The cluster's shared structures on a real Redis, the queue manager's upstream pins, the guard."""

import inspect
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import socketio

from pulseboard.cluster import cluster_of
from pulseboard.cluster.local import LocalCluster
from pulseboard.tasks.process import GUARD
from support.clients import wait_until
from support.tasks import process_gone


def worker(url):
    from pulseboard.cluster.redis_cluster import RedisCluster

    return RedisCluster(url, socketio=None)


def test_the_queue_manager_overrides_what_upstream_still_has():
    # WatchedRedisManager replaces these two methods and relies on local
    # delivery happening before the publish: fail loudly if upstream changes.
    for name in ("_publish", "_redis_listen_with_retries", "_redis_connect"):
        assert callable(getattr(socketio.RedisManager, name, None)), name
    emit = inspect.getsource(socketio.PubSubManager.emit)
    assert emit.index("self._handle_emit(message)") < emit.index("self._publish(message)")
    assert "subscribe(self.channel)" in inspect.getsource(
        socketio.RedisManager._redis_listen_with_retries)


def test_counts_are_summed_over_workers_and_reaped_with_a_dead_one(redis_url):
    a, b = worker(redis_url), worker(redis_url)
    gone = []
    on_a = a.counts("presence")
    on_b = b.counts("presence", on_gone=lambda group, field: gone.append((group, field)))
    assert on_a.add("room1", "ann", 1) == 1      # first socket anywhere
    assert on_b.add("room1", "ann", 1) == 2      # a second tab elsewhere
    assert on_b.add("room1", "bob", 1) == 1
    assert on_a.fields("room1") == {"ann": 2, "bob": 1}
    assert on_a.sizes(["room1", "empty"]) == {"room1": 2, "empty": 0}
    # b dies: a survivor subtracts its contribution; ann stays (a's socket).
    a.redis.sadd("pb:workers", b.worker_id)
    b._counts["presence"] = on_b
    a._counts["presence"] = on_b  # the survivor knows the kind's on_gone callback
    a._sweep_workers()          # first sweep: b is a suspect
    assert on_a.fields("room1") == {"ann": 2, "bob": 1}
    a._sweep_workers()          # second sweep: reaped
    assert on_a.fields("room1") == {"ann": 1}
    assert gone == [("room1", "bob")]


def test_a_worker_adds_its_counts_back_after_redis_lost_them(redis_url):
    a = worker(redis_url)
    counts = a.counts("presence")
    counts.add("lobby", "cy", 1)
    a.redis.flushall()
    assert counts.fields("lobby") == {}
    a._beat()  # its alive key is gone: it registers again, counts included
    assert counts.fields("lobby") == {"cy": 1}
    assert a.redis.sismember("pb:workers", a.worker_id)


def test_a_lease_has_one_holder_and_lapses(redis_url):
    a, b = worker(redis_url), worker(redis_url)
    first, second = a.lease("chart:x", 300), b.lease("chart:x", 300)
    assert first.hold() and not second.hold()
    assert first.hold()  # renewing
    assert second.holder() == a.worker_id
    time.sleep(0.4)      # a stopped renewing
    assert second.hold() and not first.hold()
    second.release()
    assert first.holder() is None


def test_the_local_cluster_is_the_whole_cluster():
    local = LocalCluster()
    assert local.lease("x", 10).hold() and local.queue_status() is None
    counts = local.counts("presence")
    assert counts.add("r", "u", 1) == 1 and counts.add("r", "u", 1) == 2
    assert counts.add("r", "u", -1) == 1 and counts.add("r", "u", -1) == 0
    assert local.is_alive(local.worker_id) and not local.is_alive("elsewhere:1")


def test_a_socketio_without_a_bound_cluster_is_an_error():
    # A fresh LocalCluster per caller would give each feature its own state.
    unbound = socketio.Server()
    with pytest.raises(RuntimeError, match="no cluster is bound"):
        cluster_of(unbound)


def test_the_guard_kills_the_group_when_its_worker_goes_away(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n")
    guard = subprocess.Popen([sys.executable, "-I", GUARD, sys.executable, str(script)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             start_new_session=True)
    try:
        grandchild = int(guard.stdout.readline())
        assert not process_gone(grandchild)
        guard.stdin.close()  # what the kernel does when the worker is killed
        assert wait_until(lambda: process_gone(grandchild), 10)
        assert guard.wait(10) == -signal.SIGKILL
    finally:
        if guard.poll() is None:
            os.killpg(guard.pid, signal.SIGKILL)
        guard.stdout.close()


def test_the_guard_reports_the_commands_own_exit():
    def guarded(code):
        # stdin stays open while it runs, as the worker keeps it.
        process = subprocess.Popen([sys.executable, "-I", GUARD, sys.executable, "-c", code],
                                   stdin=subprocess.PIPE, start_new_session=True)
        try:
            return process.wait(30)
        finally:
            process.stdin.close()

    assert guarded("raise SystemExit(3)") == 3
    assert guarded("import os; os.kill(os.getpid(), 15)") == -signal.SIGTERM


def test_registering_again_before_being_reaped_counts_nothing_twice(redis_url):
    a = worker(redis_url)
    counts = a.counts("presence")
    counts.add("den", "eve", 1)
    counts.add("den", "eve", 1)
    a.redis.delete(a.alive_key)  # its key lapsed (a long pause), nobody reaped it yet
    a._beat()
    assert counts.fields("den") == {"eve": 2}


def test_health_reports_the_queue_up_then_degraded_while_redis_is_down(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    import requests

    from support.server import ServerProcess
    from support.stack import Redis

    queue = Redis().start()
    server = ServerProcess(tmp_path / "server", env={"MESSAGE_QUEUE": queue.url})
    try:
        server.start()

        def health():
            response = requests.get(f"{server.url}/api/health", timeout=10)
            return response.status_code, response.json()["status"], response.json()["queue"]

        assert health() == (200, "ok", "up")  # no client yet: the queue is up all the same
        queue.halt()
        assert health() == (200, "degraded", "down")
        queue.start()
        assert wait_until(lambda: health() == (200, "ok", "up"), 15)
    finally:
        server.stop()
        queue.stop()
