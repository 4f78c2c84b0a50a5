"""The /logs namespace and the task REST API, against a real server running real tasks."""

import time

import pytest
import requests

from support.clients import api_get, register, wait_until
from support.tasks import (
    find_pids,
    follow_from_start_and_midway,
    frame_lines,
    process_gone,
    received,
    seqs,
    start,
    start_server,
    task_events,
    wait_final,
    wait_for_step,
)


@pytest.fixture(scope="module")
def logs_server(tmp_path_factory):
    """One eventlet server for this module's tests; each test starts its own runs."""
    server = start_server(tmp_path_factory.mktemp("logs"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(logs_server):
    return register(logs_server.url)["token"]


def subscribe_all(client, task_id: int, after_seq: int | None = None) -> list[dict]:
    """Subscribe and follow ``more`` pages until the snapshot is complete."""
    payload = {"task_id": task_id} if after_seq is None else {"task_id": task_id,
                                                               "after_seq": after_seq}
    lines = []
    for _ in range(100):
        ack = client.call("subscribe", payload)
        assert ack["ok"], ack
        lines += ack["lines"]
        if not ack["more"]:
            return lines
        assert len(ack["lines"]) == 5_000
        payload = {"task_id": task_id, "after_seq": lines[-1]["seq"]}
    raise AssertionError("subscribe kept saying more")


# -- tests -------------------------------------------------------------------------------


def test_tasks_lists_definitions_but_never_commands(logs_server, token, connect):
    ack = connect(logs_server, "/logs", token).call("tasks")
    assert ack["ok"] is True
    names = [d["name"] for d in ack["definitions"]]
    assert names == sorted(names) and {"pipeline", "flood", "long", "missing"} <= set(names)
    pipeline = next(d for d in ack["definitions"] if d["name"] == "pipeline")
    assert pipeline == {"name": "pipeline", "description": "quick pipeline",
                        "steps": ["checkout", "install", "build", "test", "package"],
                        "timeout": None}
    assert isinstance(ack["tasks"], list)


def test_pipeline_from_start_to_succeeded(logs_server, token, connect):
    client = connect(logs_server, "/logs", token)
    task_id = start(client, "pipeline")
    ack = client.call("subscribe", {"task_id": task_id})
    assert ack["ok"] and ack["task"]["id"] == task_id and ack["more"] is False
    final = wait_final(client, task_id)

    assert final["status"] == "succeeded" and final["exit_code"] == 0
    assert final["progress"] == 100
    assert final["steps"] == [{"name": n, "status": "done"}
                              for n in ("checkout", "install", "build", "test", "package")]
    events = task_events(client, task_id)
    assert events[0]["status"] in ("queued", "running")
    assert any(e["status"] == "running" and 0 < e["progress"] < 100 for e in events)
    # line_count only grows, so it orders the events whatever order they were recorded in.
    progress = [e["progress"] for e in sorted(events, key=lambda e: e["line_count"])]
    assert progress == sorted(progress)
    assert any(e["steps"][2] == {"name": "build", "status": "running"} for e in events)

    lines = received(client, task_id, ack["lines"], final)
    assert seqs(lines) == list(range(1, final["line_count"] + 1))
    texts = [line["text"] for line in lines]
    assert "::step build" in texts and "[build] build ok" in texts
    assert any(line["stream"] == "stderr" and "deprecated" in line["text"] for line in lines)
    assert lines[0]["stream"] == "system" and lines[-1]["stream"] == "system"
    # The first line names the task and its program, never the server's paths
    # (the definitions the clients see leave the command out for that reason).
    assert lines[0]["text"].startswith("starting pipeline (python"), lines[0]
    assert "/" not in lines[0]["text"], lines[0]
    assert "exited with code 0" in lines[-1]["text"]
    assert all(isinstance(line["ts"], int) for line in lines)


def test_mid_run_subscriber_gets_every_line_exactly_once(logs_server, token, connect):
    late, late_ack, final = follow_from_start_and_midway(connect, logs_server, token, midway=8)
    assert late_ack["task"]["status"] == "running"
    assert len(late_ack["lines"]) >= 8
    assert final["status"] == "succeeded"
    assert frame_lines(late, final["id"]), "the late subscriber also got live frames"


def test_reconnect_with_after_seq_resumes_without_gap(logs_server, token, connect):
    first = connect(logs_server, "/logs", token)
    task_id = start(first, "slow-pipeline")
    ack = first.call("subscribe", {"task_id": task_id})
    first.wait_for("lines", lambda frames: len(frame_lines(first, task_id)) >= 5)
    first.close()
    seen = []

    def no_gap():  # handler threads may still be recording frames that had arrived
        seen[:] = ack["lines"] + frame_lines(first, task_id)
        return seqs(seen) == list(range(1, len(seen) + 1))

    assert wait_until(no_gap, timeout=2), seqs(seen)
    last = seen[-1]["seq"]
    time.sleep(0.5)  # lines keep coming while the client is away

    again = connect(logs_server, "/logs", token)
    resumed = again.call("subscribe", {"task_id": task_id, "after_seq": last})
    assert resumed["ok"] and resumed["lines"] and resumed["lines"][0]["seq"] == last + 1
    final = wait_final(again, task_id)
    rest = received(again, task_id, resumed["lines"], final, after_seq=last)
    assert seqs(seen + rest) == list(range(1, final["line_count"] + 1))


def test_hundred_thousand_lines_arrive_complete(logs_server, token, connect):
    client = connect(logs_server, "/logs", token)
    began = time.monotonic()
    task_id = start(client, "flood")
    ack = client.call("subscribe", {"task_id": task_id})
    final = wait_final(client, task_id, timeout=120)
    elapsed = time.monotonic() - began

    assert final["status"] == "succeeded"
    live = received(client, task_id, ack["lines"], final)
    assert seqs(live) == list(range(1, final["line_count"] + 1))
    numbered = [line["text"] for line in live if line["text"].startswith("line ")]
    assert len(numbered) == 100_000
    assert numbered[0].startswith("line 1 of") and numbered[-1].startswith("line 100000 of")
    assert elapsed < 60, f"100,000 lines took {elapsed:.1f}s"
    assert len(client.events("lines")) < 1_000  # batched, not one frame per line

    # A subscriber arriving afterwards pages through the stored log.
    later = connect(logs_server, "/logs", token)
    first_page = later.call("subscribe", {"task_id": task_id})
    assert first_page["more"] is True and len(first_page["lines"]) == 5_000
    paged = subscribe_all(later, task_id)
    assert seqs(paged) == list(range(1, final["line_count"] + 1))

    log = api_get(f"{logs_server.url}/api/tasks/{task_id}/log", timeout=30)
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert log.text.splitlines() == [line["text"] for line in live]


def test_cancel_stops_the_whole_process_group(logs_server, token, connect):
    client = connect(logs_server, "/logs", token)
    task_id = start(client, "long")
    ack = client.call("subscribe", {"task_id": task_id})
    wait_for_step(client, task_id)  # "prepare" starts after the pids are printed
    job, worker = find_pids(ack["lines"] + frame_lines(client, task_id))
    assert not process_gone(job) and not process_gone(worker)

    assert client.call("cancel", {"task_id": task_id}) == {"ok": True}
    final = wait_final(client, task_id, timeout=15)
    assert final["status"] == "cancelled" and final["reason"].startswith("cancelled by")
    assert "cancelled" in [s["status"] for s in final["steps"]]
    assert final["steps"][-1] == {"name": "report", "status": "skipped"}
    assert wait_until(lambda: process_gone(job) and process_gone(worker), timeout=10)
    texts = [line["text"] for line in frame_lines(client, task_id)]
    assert any("SIGTERM" in text for text in texts)

    again = client.call("cancel", {"task_id": task_id})
    assert again["ok"] is False and again["error"]["code"] == "bad_request"


def test_failing_task_ends_failed_with_its_exit_code(logs_server, token, connect):
    client = connect(logs_server, "/logs", token)
    task_id = start(client, "failing")
    ack = client.call("subscribe", {"task_id": task_id})
    final = wait_final(client, task_id)
    assert final["status"] == "failed" and final["exit_code"] == 3
    assert final["reason"] == "exited with code 3"
    assert final["progress"] == 70
    assert final["steps"] == [{"name": "checkout", "status": "done"},
                              {"name": "build", "status": "done"},
                              {"name": "test", "status": "failed"}]
    lines = received(client, task_id, ack["lines"], final)
    assert any(line["stream"] == "stderr" and "AssertionError" in line["text"] for line in lines)


def test_missing_program_fails_with_the_reason_in_its_log(logs_server, token, connect):
    client = connect(logs_server, "/logs", token)
    task_id = start(client, "missing")
    final = wait_final(client, task_id)
    assert final["status"] == "failed" and final["exit_code"] is None
    assert "cannot start 'pulseboard-no-such-program'" in final["reason"]
    log = api_get(f"{logs_server.url}/api/tasks/{task_id}/log", timeout=10).text
    assert "cannot start 'pulseboard-no-such-program'" in log


def test_timeout_fails_the_run(logs_server, token, connect):
    client = connect(logs_server, "/logs", token)
    task_id = start(client, "sleeper")
    final = wait_final(client, task_id, timeout=15)
    assert final["status"] == "failed" and final["reason"] == "timed out after 1s"
    assert final["finished_at"] - final["started_at"] < 5_000


def test_tasks_get_a_clean_environment_and_placeholders(logs_server, token, connect):
    client = connect(logs_server, "/logs", token)
    task_id = start(client, "env-check")
    assert wait_final(client, task_id)["status"] == "succeeded"
    log = api_get(f"{logs_server.url}/api/tasks/{task_id}/log", timeout=10).text
    assert f"GREETING=hello from {logs_server.workdir.parent / 'tasks'}" in log
    assert "SECRET_KEY=<unset>" in log
    assert f"TASK_ID={task_id}" in log


def test_rest_list_start_and_download(logs_server, token, connect):
    url = f"{logs_server.url}/api/tasks"
    auth = {"Authorization": f"Bearer {token}"}
    client = connect(logs_server, "/logs", token)  # to see the run end
    assert requests.post(url, json={"name": "pipeline"}, timeout=5).status_code == 401

    response = requests.post(url, json={"name": "pipeline"}, headers=auth, timeout=5)
    assert response.status_code == 202, response.text
    task = response.json()["task"]
    assert task["name"] == "pipeline" and task["started_by"]
    final = wait_final(client, task["id"])

    listing = api_get(url, timeout=5).json()
    assert {"pipeline", "flood"} <= {d["name"] for d in listing["definitions"]}
    listed = next(t for t in listing["tasks"] if t["id"] == task["id"])
    assert listed["status"] == "succeeded" and listed["progress"] == 100
    ids = [t["id"] for t in listing["tasks"]]
    assert ids == sorted(ids, reverse=True)

    one = api_get(f"{url}/{task['id']}", timeout=5).json()["task"]
    assert one == final

    log = api_get(f"{url}/{task['id']}/log", timeout=5)
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert "[test] 120 passed" in log.text.splitlines()
    assert len(log.text.splitlines()) == final["line_count"]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("post", "", {"name": "no-such-task"}, 404, "not_found"),
    ("post", "", {"name": 5}, 400, "bad_request"),
    ("post", "", {"name": "pipeline", "extra": 1}, 400, "bad_request"),
    ("post", "", ["pipeline"], 400, "bad_request"),
    ("get", "/999999", None, 404, "not_found"),
    ("get", "/999999/log", None, 404, "not_found"),
    ("post", "/999999/cancel", None, 404, "not_found"),
])
def test_rest_bad_input(logs_server, token, method, path, body, status, code):
    response = requests.request(method, f"{logs_server.url}/api/tasks{path}", json=body,
                                headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(("event", "payload", "code"), [
    ("start", {"name": "no-such-task"}, "not_found"),
    ("start", {"name": 5}, "bad_request"),
    ("start", {}, "bad_request"),
    ("start", "pipeline", "bad_request"),
    ("subscribe", {"task_id": 999999}, "not_found"),
    ("subscribe", {"task_id": "1"}, "bad_request"),
    ("subscribe", {"task_id": 1, "after_seq": -1}, "bad_request"),
    ("subscribe", {"task_id": True}, "bad_request"),
    ("cancel", {"task_id": 999999}, "not_found"),
    ("cancel", {"task_id": 1, "x": 1}, "bad_request"),
    ("tasks", {"unexpected": 1}, "bad_request"),
    ("no_such_event", {}, "not_found"),
])
def test_socket_bad_input(logs_server, token, connect, event, payload, code):
    client = connect(logs_server, "/logs", token)
    ack = client.call(event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert client.call("tasks")["ok"] is True  # the connection survives

