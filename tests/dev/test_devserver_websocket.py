"""`flask run` ends WebSocket sessions quietly (pulseboard/devserver_websocket.py).

Before the fix, every WebSocket that closed under `flask run --debug` logged
`"GET /socket.io/?EIO=4&transport=websocket" 500` with a traceback, and under
plain `flask run` Werkzeug read the client's remaining frames as a new HTTP
request ("Bad request syntax", 400).
"""

import sys
import time

import pytest
import requests
import websocket

from support.clients import SocketClient, register, wait_until
from support.server import ServerProcess


@pytest.fixture(params=["--debug", "--no-debug"])
def flask_run(request, tmp_path):
    """`flask --app pulseboard.dev run` (make dev) (threading mode, Werkzeug) on a free port."""
    server = ServerProcess(
        tmp_path / "flask", env={"CORS_ORIGINS": ""},
        command=[sys.executable, "-m", "flask", "--app", "pulseboard.dev", "run",
                 request.param, "--port", "{port}", "--no-reload"],
    ).start()
    yield server
    server.stop()


def _socket_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "/socket.io/" in line]


def test_closing_websockets_logs_no_500_and_no_traceback(flask_run):
    token = register(flask_run.url)["token"]
    # A client that says goodbye (Socket.IO disconnect, then WebSocket close)...
    for _ in range(2):
        client = SocketClient(flask_run.url, "/charts", token).connect()
        assert client.call("streams")["ok"] is True
        client.close()
    # ...and one whose TCP connection just goes away (a closed laptop lid).
    raw = websocket.create_connection(
        f"ws://127.0.0.1:{flask_run.port}/socket.io/?EIO=4&transport=websocket", timeout=10)
    assert raw.recv().startswith("0{")  # the engine.io open packet
    raw.sock.close()

    assert wait_until(lambda: len(_socket_lines(flask_run.log())) >= 3, timeout=10), flask_run.log()
    time.sleep(0.5)  # anything Werkzeug would print after the close
    log = flask_run.log()
    assert "Traceback" not in log, log
    assert "Error on request" not in log, log
    assert "Bad request syntax" not in log, log
    assert all('" 101 ' in line for line in _socket_lines(log)), log
    # The server goes on serving.
    assert requests.get(f"{flask_run.url}/api/health", timeout=10).status_code == 200
