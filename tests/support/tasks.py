"""Task runs on a real server: a tasks file, and starting, following and ending runs on /logs."""

import re
from pathlib import Path

from support.clients import wait_until
from support.server import ServerProcess

FINAL = ("succeeded", "failed", "cancelled")

TASKS_TOML = """
[tasks.pipeline]
description = "quick pipeline"
command = ["{python}", "{demo_dir}/pipeline.py", "0.03"]
steps = ["checkout", "install", "build", "test", "package"]

[tasks.slow-pipeline]
description = "pipeline taking about four seconds"
command = ["{python}", "{demo_dir}/pipeline.py", "0.15"]

[tasks.failing]
description = "fails with exit code 3"
command = ["{python}", "{demo_dir}/failing.py", "0.05"]
steps = ["checkout", "build", "test"]

[tasks.flood]
description = "100,000 lines"
command = ["{python}", "{demo_dir}/flood.py", "100000"]

[tasks.long]
description = "runs a minute unless cancelled"
command = ["{python}", "{demo_dir}/long_job.py", "60"]
steps = ["prepare", "process", "report"]

[tasks.missing]
description = "no such program"
command = ["pulseboard-no-such-program", "--flag"]

[tasks.sleeper]
description = "times out after one second"
command = ["{python}", "-c", "import time; print('sleeping', flush=True); time.sleep(30)"]
timeout = 1

[tasks.env-check]
description = "prints what it sees of the environment"
command = ["{python}", "{tasks_dir}/show_env.py"]
env = { GREETING = "hello from {tasks_dir}" }
"""

SHOW_ENV = """
import os
print("GREETING=" + os.environ.get("GREETING", ""))
print("SECRET_KEY=" + os.environ.get("SECRET_KEY", "<unset>"))
print("TASK_ID=" + os.environ["PULSEBOARD_TASK_ID"])
"""


def write_tasks(directory: Path) -> Path:
    """A tasks file (and the one script it refers to) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "show_env.py").write_text(SHOW_ENV)
    path = directory / "tasks.toml"
    path.write_text(TASKS_TOML)
    return path


def start_server(workdir: Path, **options) -> ServerProcess:
    """A started server running :data:`TASKS_TOML`, four runs at a time unless ``env`` says."""
    env = {"TASKS_FILE": str(write_tasks(workdir / "tasks")), "TASK_CONCURRENCY": "4",
           **options.pop("env", {})}
    return ServerProcess(workdir / "server", env=env, **options).start()


def start(client, name: str) -> int:
    """Start task ``name`` over ``client``'s /logs socket; return the run's id."""
    ack = client.call("start", {"name": name})
    assert ack["ok"], ack
    assert ack["task"]["name"] == name and ack["task"]["status"] in ("queued", "running")
    return ack["task"]["id"]


def task_events(client, task_id: int) -> list[dict]:
    """The ``task`` events received for one run."""
    return [event for event in client.events("task") if event["id"] == task_id]


def wait_final(client, task_id: int, timeout: float = 30) -> dict:
    """Wait for the run's final ``task`` event and return it."""
    client.wait_for("task", lambda events: any(e["id"] == task_id and e["status"] in FINAL
                                               for e in events), timeout=timeout)
    return next(e for e in task_events(client, task_id) if e["status"] in FINAL)


def frame_lines(client, task_id: int) -> list[dict]:
    """The lines of every frame received for a run, frames in seq order.

    python-socketio's sync client runs each event handler in its own thread,
    so the recorder may store two frames in the reverse of their arrival
    order; lines inside a frame are as the server sent them.
    """
    frames = [frame["lines"] for frame in client.events("lines")
              if frame["task_id"] == task_id and frame["lines"]]
    return [line for lines in sorted(frames, key=lambda lines: lines[0]["seq"])
            for line in lines]


def received(client, task_id: int, ack_lines: list[dict], final: dict,
             after_seq: int = 0) -> list[dict]:
    """Reply lines plus frame lines, once as many as the run has have arrived."""
    expected = final["line_count"] - after_seq
    client.wait_for("lines", lambda _: len(ack_lines) + len(frame_lines(client, task_id))
                    >= expected, timeout=10)
    return ack_lines + frame_lines(client, task_id)


def wait_for_step(client, task_id: int, timeout: float = 15) -> None:
    """Wait until the run reports a running step."""
    client.wait_for("task", lambda events: any(
        e["id"] == task_id and any(s["status"] == "running" for s in e["steps"])
        for e in events), timeout=timeout)


def find_pids(lines: list[dict]) -> tuple[int, int]:
    """The job's and its worker's pids, from the long job's first line."""
    match = next(m for line in lines
                 if (m := re.search(r"job pid (\d+), worker pid (\d+)", line["text"])))
    return int(match.group(1)), int(match.group(2))


def start_long_job(client) -> tuple[int, int, int]:
    """Start the ``long`` task and wait for its pids: ``(task_id, job pid, worker pid)``."""
    task_id = start(client, "long")
    wait_for_step(client, task_id)

    def lines():
        return client.call("subscribe", {"task_id": task_id})["lines"]

    assert wait_until(lambda: any("worker pid" in line["text"] for line in lines()), 15)
    return (task_id, *find_pids(lines()))


def seqs(lines: list[dict]) -> list[int]:
    """The ``seq`` of each line."""
    return [line["seq"] for line in lines]


def process_gone(pid: int) -> bool:
    """True once ``pid`` no longer exists (a zombie waiting to be reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def follow_from_start_and_midway(connect, server, token: str, midway: int):
    """Run ``slow-pipeline`` with one follower from its start and one after ``midway`` lines.

    Both followers must end with every line of the run exactly once, in seq
    order. Returns the late follower, its subscribe reply and the final
    ``task`` event.
    """
    first = connect(server, "/logs", token)
    task_id = start(first, "slow-pipeline")
    first_ack = first.call("subscribe", {"task_id": task_id})
    first.wait_for("lines", lambda _: len(frame_lines(first, task_id)) >= midway)
    late = connect(server, "/logs", token)
    late_ack = late.call("subscribe", {"task_id": task_id})
    final = wait_final(late, task_id)
    wait_final(first, task_id)
    expected = list(range(1, final["line_count"] + 1))
    assert seqs(received(late, task_id, late_ack["lines"], final)) == expected
    assert seqs(received(first, task_id, first_ack["lines"], final)) == expected
    return late, late_ack, final
