"""Tasks across two workers: cancel anywhere, one concurrency limit, lost runs settled."""

import os
import signal
import time

import requests

from support.clients import wait_until
from support.tasks import find_pids, process_gone, start, wait_final, wait_for_step


def lines_of(client, task_id):
    ack = client.call("subscribe", {"task_id": task_id})
    assert ack["ok"], ack
    return ack["lines"]


def test_a_run_is_cancelled_from_the_other_worker(stack, connect, new_user):
    token = new_user()["token"]
    owner = connect(stack.workers[0], "/logs", token)
    other = connect(stack.workers[1], "/logs", token)
    task_id = start(owner, "long")
    wait_for_step(other, task_id)
    assert other.call("cancel", {"task_id": task_id}) == {"ok": True}
    final = wait_final(other, task_id, timeout=20)
    assert final["status"] == "cancelled"
    assert {s["status"] for s in final["steps"]} <= {"done", "cancelled", "skipped"}
    # REST through the other worker too: an ended run is a bad_request.
    response = requests.post(f"{stack.workers[1].url}/api/tasks/{task_id}/cancel", timeout=10,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400


def test_task_concurrency_is_one_limit_for_the_cluster(stack, connect, new_user):
    token = new_user()["token"]
    clients = [connect(worker, "/logs", token) for worker in stack.workers]
    ids = [start(clients[n % 2], "long") for n in range(3)]  # TASK_CONCURRENCY=2 in the stack
    try:
        def statuses():
            tasks = requests.get(f"{stack.nginx.url}/api/tasks", timeout=10,
                                 headers={"Authorization": f"Bearer {token}"}).json()["tasks"]
            return {t["id"]: t["status"] for t in tasks if t["id"] in ids}

        assert wait_until(lambda: list(statuses().values()).count("running") == 2, 15)
        for _ in range(10):  # it stays that way: the third waits for a slot
            assert sorted(statuses().values()) == ["queued", "running", "running"]
        running = [i for i, s in statuses().items() if s == "running"]
        queued = next(i for i, s in statuses().items() if s == "queued")
        assert clients[0].call("cancel", {"task_id": running[0]})["ok"]
        assert wait_until(lambda: statuses()[queued] == "running", 15)
    finally:
        for task_id in ids:
            clients[1].call("cancel", {"task_id": task_id})
        for task_id in ids:
            wait_final(clients[1], task_id, timeout=30)


def long_run_on_a_spare_worker(stack, connect, token):
    """Start ``long`` on a spare worker, watched from the other one, until its job runs.

    Returns ``(victim, watcher, task_id, (job, grandchild))``; the
    victim is the worker the test may kill or freeze.
    """
    victim = stack.spare()
    survivor = next(w for w in stack.workers if w is not victim)
    owner = connect(victim, "/logs", token)
    watcher = connect(survivor, "/logs", token)
    task_id = start(owner, "long")  # 60 s of work: it would outlast the test
    assert wait_until(lambda: any("worker pid" in line["text"]
                                  for line in lines_of(watcher, task_id)), 15)
    wait_for_step(watcher, task_id)
    return victim, watcher, task_id, find_pids(lines_of(watcher, task_id))


def test_a_killed_workers_run_is_failed_and_its_processes_end(stack, connect, new_user):
    token = new_user()["token"]
    victim, watcher, task_id, (job, grandchild) = \
        long_run_on_a_spare_worker(stack, connect, token)
    stored = lines_of(watcher, task_id)
    try:
        victim.kill()
        # The guard sees its worker's end and kills the group, grandchild included.
        assert wait_until(lambda: process_gone(job) and process_gone(grandchild), 10), \
            "the task outlived its worker"
        final = wait_final(watcher, task_id, timeout=40)
        assert final["status"] == "failed"
        assert final["reason"].startswith("worker lost")
        steps = {s["name"]: s["status"] for s in final["steps"]}
        assert steps["prepare"] == "done" or steps["prepare"] == "failed"
        assert "running" not in steps.values() and "pending" not in steps.values()
        assert steps["report"] == "skipped"
        # Lines stored before the loss stay.
        after = [line["seq"] for line in lines_of(watcher, task_id)]
        assert after[: len(stored)] == [line["seq"] for line in stored]
        # Nobody is stuck with it: it is final everywhere, and a cancel says so.
        ack = watcher.call("cancel", {"task_id": task_id})
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    finally:
        victim.start(60)
    body = requests.get(f"{victim.url}/api/tasks/{task_id}", timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).json()
    assert body["task"]["status"] == "failed"
    assert process_gone(grandchild)


def test_a_worker_reaped_while_frozen_stops_the_runs_a_survivor_failed(stack, connect, new_user):
    """SIGSTOP a worker past the reap time: its run is failed; on SIGCONT it must not revive it."""
    token = new_user()["token"]
    victim, watcher, task_id, (job, grandchild) = \
        long_run_on_a_spare_worker(stack, connect, token)
    os.kill(victim.process.pid, signal.SIGSTOP)
    try:
        final = wait_final(watcher, task_id, timeout=40)
        assert final["status"] == "failed" and final["reason"].startswith("worker lost")
    finally:
        os.kill(victim.process.pid, signal.SIGCONT)
    # Its heartbeat finds it was reaped: the settled run's process group is stopped.
    assert wait_until(lambda: process_gone(job) and process_gone(grandchild), 20), \
        "the reaped worker kept running a run the cluster had failed"
    time.sleep(3)  # room for a late _conclude to overwrite the outcome
    for worker in stack.workers:
        body = requests.get(f"{worker.url}/api/tasks/{task_id}", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}).json()
        assert "task" in body, (worker.url, body)
        task = body["task"]
        assert (task["status"], task["reason"]) == (final["status"], final["reason"]), worker.url
