"""A single server killed with -9 while a task runs: no process outlives it, the run is settled."""

from support.clients import register, wait_until
from support.tasks import find_pids, process_gone, start, start_server, wait_for_step


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
