"""`pulseboard serve` and `pulseboard migrate` with bad settings: exit 2, the variable named."""

import os
import subprocess
import sys

import pytest
import requests

from support.clients import register, wait_until
from support.server import ServerProcess
from support.tasks import process_gone, start_long_job, start_server


def pulseboard(tmp_path, *args, **env) -> subprocess.CompletedProcess:
    """Run ``python -m pulseboard ARGS`` in ``tmp_path`` with ``env`` on top of the test's own."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MESSAGE_QUEUE")}
    return subprocess.run([sys.executable, "-m", "pulseboard", *args], cwd=tmp_path,
                          env={**base, "SECRET_KEY": "k", **env}, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize(("command", "env", "message"), [
    ("serve", {"MAX_CONNECTIONS": "abc"}, "MAX_CONNECTIONS: must be an integer (got 'abc')"),
    ("serve", {"ASYNC_MODE": "asyncio"}, "ASYNC_MODE: must be one of eventlet, gevent, threading"),
    ("serve", {"PORT": "http"}, "PORT: must be an integer (got 'http')"),
    ("migrate", {"LOG_LEVEL": "chatty"}, "LOG_LEVEL: must be one of DEBUG"),
])
def test_an_invalid_setting_stops_the_start_naming_it(tmp_path, command, env, message):
    result = pulseboard(tmp_path, command, "--port", "1", **env) if command == "serve" \
        else pulseboard(tmp_path, command, **env)
    assert result.returncode == 2, result.stderr
    assert f"pulseboard: invalid setting: {message}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_value_in_dot_env_is_named_too(tmp_path):
    (tmp_path / ".env").write_text("TASK_CONCURRENCY=many\n")
    result = pulseboard(tmp_path, "serve", "--port", "1")
    assert result.returncode == 2
    assert "TASK_CONCURRENCY: must be an integer (got 'many')" in result.stderr


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_serve_reads_its_settings_after_monkey_patching_cleanly(tmp_path, async_mode):
    # pydantic imported before eventlet.monkey_patch() made the patcher log
    # "An exception was thrown while monkey_patching" (its classes refuse vars()).
    server = ServerProcess(tmp_path, env={"MAX_CONNECTIONS": "300"},
                           async_mode=async_mode).start()
    try:
        assert requests.get(f"{server.url}/api/health", timeout=5).json()["status"] == "ok"
    finally:
        server.stop()
    log = server.log()
    assert "monkey_patching" not in log and "not greened" not in log, log
    assert "Traceback" not in log, log


def test_sigterm_stops_the_running_tasks_with_the_server(tmp_path, connect):
    server = start_server(tmp_path)
    try:
        client = connect(server, "/logs", register(server.url)["token"])
        _, job, grandchild = start_long_job(client)
        client.close()
        server.stop()  # SIGTERM
        assert server.process.returncode == -15  # SIGTERM's own end, after the tasks' shutdown
        assert wait_until(lambda: process_gone(job) and process_gone(grandchild), 5)
    finally:
        server.stop()
