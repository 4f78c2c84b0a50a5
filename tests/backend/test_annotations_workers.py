"""Two workers sharing a database and a Redis queue: an annotation reaches every worker once.

The event happens on worker A (a run, an annotated chat message); a ``/charts``
socket on each worker gets one ``annotation`` for it, and either worker reads
it back from the database.
"""

import time

import pytest

from support.clients import api_get, register
from support.tasks import start, write_tasks
from support.workers import two_workers


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    """Worker A and worker B: one SQLite file, one Redis."""
    workdir = tmp_path_factory.mktemp("annotation-workers")
    with two_workers(workdir, {"TASKS_FILE": str(write_tasks(workdir / "tasks"))}) as started:
        yield started


def copies(client, annotation_id: str) -> int:
    return sum(1 for a in client.events("annotation") if a["id"] == annotation_id)


def test_each_annotation_reaches_every_worker_once(workers, connect):
    a, b = workers
    token = register(a.url)["token"]
    on_a, on_b = connect(a, "/charts", token), connect(b, "/charts", token)
    since = int(time.time() * 1000) - 1

    chat = connect(a, "/chat", token)
    assert chat.call("join", {"room": "ops"})["ok"]
    posted = chat.call("message", {"room": "ops", "text": "rollout", "annotate": True})
    assert posted["ok"], posted
    task_id = start(connect(a, "/logs", token), "pipeline")
    expected = {f"chat:{posted['message']['id']}", f"run:{task_id}:start", f"run:{task_id}:end"}
    for client in (on_a, on_b):
        client.wait_for("annotation", lambda got: expected <= {x["id"] for x in got}, timeout=30)
    time.sleep(0.5)  # a second copy, if any, would have arrived by now
    assert {(copies(c, i)) for c in (on_a, on_b) for i in expected} == {1}

    until = int(time.time() * 1000) + 1
    for server in (a, b):
        body = api_get(f"{server.url}/api/annotations?from={since}&to={until}", token).json()
        assert expected <= {x["id"] for x in body["annotations"]}, (server.url, body)
