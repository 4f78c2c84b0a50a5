"""The task runner beyond one run: the concurrency cap, threading mode, server restarts."""

import time

import requests

from support.clients import api_get, register, wait_until
from support.tasks import (
    find_pids,
    follow_from_start_and_midway,
    frame_lines,
    process_gone,
    start,
    start_server,
    task_events,
    wait_final,
    wait_for_step,
)


def get_task(server, task_id: int) -> dict:
    return api_get(f"{server.url}/api/tasks/{task_id}", timeout=5).json()["task"]


def test_runs_past_the_cap_wait_queued_in_fifo_order(tmp_path, connect):
    server = start_server(tmp_path, env={"TASK_CONCURRENCY": "1"})
    try:
        client = connect(server, "/logs", register(server.url)["token"])
        blocker = start(client, "long")
        wait_for_step(client, blocker)
        first = start(client, "pipeline")
        second = start(client, "pipeline")
        doomed = start(client, "pipeline")
        time.sleep(1.0)
        assert [get_task(server, t)["status"] for t in (first, second, doomed)] == ["queued"] * 3
        assert client.call("subscribe", {"task_id": first})["task"]["status"] == "queued"

        assert client.call("cancel", {"task_id": doomed}) == {"ok": True}
        cancelled = wait_final(client, doomed)
        assert cancelled["status"] == "cancelled" and cancelled["started_at"] is None
        assert client.call("cancel", {"task_id": blocker}) == {"ok": True}

        done = [wait_final(client, t, timeout=30) for t in (first, second)]
        assert [d["status"] for d in done] == ["succeeded", "succeeded"]
        blocked = get_task(server, blocker)
        assert done[0]["started_at"] >= blocked["finished_at"]
        assert done[1]["started_at"] >= done[0]["finished_at"]  # one at a time, in order
        assert all(e["status"] != "running" for e in task_events(client, doomed))
    finally:
        server.stop()


def test_threading_mode_runs_follows_and_cancels(tmp_path, connect):
    server = start_server(tmp_path, async_mode="threading")
    try:
        health = requests.get(f"{server.url}/api/health", timeout=5).json()
        assert health["async_mode"] == "threading"
        token = register(server.url)["token"]
        client, _, final = follow_from_start_and_midway(connect, server, token, midway=6)
        assert final["status"] == "succeeded" and final["progress"] == 100

        long_id = start(client, "long")
        ack = client.call("subscribe", {"task_id": long_id})
        wait_for_step(client, long_id)
        job, worker = find_pids(ack["lines"] + frame_lines(client, long_id))
        assert client.call("cancel", {"task_id": long_id}) == {"ok": True}
        assert wait_final(client, long_id, timeout=15)["status"] == "cancelled"
        assert wait_until(lambda: process_gone(job) and process_gone(worker))
    finally:
        server.stop()


def test_stopping_the_server_stops_its_tasks_and_a_restart_settles_them(tmp_path, connect):
    server = start_server(tmp_path)
    try:
        client = connect(server, "/logs", register(server.url)["token"])
        task_id = start(client, "long")
        ack = client.call("subscribe", {"task_id": task_id})
        wait_for_step(client, task_id)
        job, worker = find_pids(ack["lines"] + frame_lines(client, task_id))
        client.close()
    finally:
        server.stop()
    assert wait_until(lambda: process_gone(job) and process_gone(worker))

    restarted = start_server(tmp_path)
    try:
        task = get_task(restarted, task_id)
        assert task["status"] == "failed" and "interrupted" in task["reason"]
        log = api_get(f"{restarted.url}/api/tasks/{task_id}/log", timeout=5).text
        assert "job pid" in log  # what was stored before the stop is kept
    finally:
        restarted.stop()
