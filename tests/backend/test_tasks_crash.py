"""A single server killed with -9 while a task runs: no process outlives it, the run is settled."""

import os
import sqlite3
from pathlib import Path

from support.clients import register, wait_until
from support.tasks import (
    find_pids,
    process_gone,
    start,
    start_long_job,
    start_server,
    wait_for_step,
)


def test_kill_9_of_the_server_leaves_no_process_and_a_settled_run(tmp_path, connect):
    server = start_server(tmp_path)
    try:
        token = register(server.url)["token"]
        client = connect(server, "/logs", token)
        task_id = start(client, "long")
        wait_for_step(client, task_id)

        def lines():
            return client.call("subscribe", {"task_id": task_id})["lines"]

        assert wait_until(lambda: any("worker pid" in line["text"] for line in lines()), 15)
        stored = lines()
        job, grandchild = find_pids(stored)
        client.close()
        server.kill()
        assert wait_until(lambda: process_gone(job) and process_gone(grandchild), 10), \
            "the task's processes outlived the server"

        server.start()
        after = connect(server, "/logs", token).call("subscribe", {"task_id": task_id})
        task = after["task"]
        assert task["status"] == "failed"
        assert task["reason"] == "interrupted: the server stopped while it ran"
        # The step that was running failed; the ones that never started were skipped.
        statuses = [s["status"] for s in task["steps"]]
        assert statuses.count("failed") == 1 and statuses[-1] == "skipped"
        assert not {"running", "pending"} & set(statuses), statuses
        assert [line["seq"] for line in after["lines"]][: len(stored)] == \
            [line["seq"] for line in stored]
    finally:
        server.stop()


def _pipe_inode(path: str) -> str | None:
    try:
        target = os.readlink(path)
    except OSError:
        return None
    return target if target.startswith("pipe:") else None


def test_a_runner_failure_still_closes_the_guards_lifeline(tmp_path, connect):
    """Storing lines fails mid-run (the database stays locked past its busy timeout):
    the run is abandoned, and the server closes its end of the guard's stdin pipe."""
    server = start_server(tmp_path)
    try:
        client = connect(server, "/logs", register(server.url)["token"])
        _, job, grandchild = start_long_job(client)
        guard = int(next(line.split()[1] for line in Path(f"/proc/{job}/status").read_text()
                         .splitlines() if line.startswith("PPid:")))
        lifeline = _pipe_inode(f"/proc/{guard}/fd/0")
        assert lifeline is not None
        server_fds = Path(f"/proc/{server.process.pid}/fd")
        assert lifeline in {_pipe_inode(str(fd)) for fd in server_fds.iterdir()}

        database = sqlite3.connect(tmp_path / "server" / "pulseboard.db", timeout=30)
        try:
            database.execute("BEGIN EXCLUSIVE")  # longer than the server's 10 s busy timeout
            assert wait_until(lambda: process_gone(job) and process_gone(grandchild), 30), \
                "the abandoned run's processes still run"
        finally:
            database.rollback()
            database.close()
        assert wait_until(lambda: lifeline not in {_pipe_inode(str(fd))
                                                   for fd in server_fds.iterdir()}, 15), \
            "the server still holds the guard's stdin pipe"
    finally:
        server.stop()
