"""The development path: `flask run` behind `npm run dev`, through Vite's proxy.

The browser talks only to Vite; Vite forwards /api and /socket.io (ws: true)
to the Flask dev server named by PULSEBOARD_BACKEND (frontend/vite.config.ts).
CORS_ORIGINS is left unset, as docs/deploy.md tells developers: through Vite's
proxy the page is same-origin.
"""

import os
import signal
import subprocess
import sys

import pytest
import requests
import socketio

from support.clients import SocketClient, register, wait_until
from support.server import REPO, ServerProcess, free_port, wait_for_http

FRONTEND = REPO / "frontend"


@pytest.fixture
def dev_servers(tmp_path):
    """``(flask_server, vite_url)``: both dev servers on free loopback ports."""
    if not (FRONTEND / "node_modules" / ".bin" / "vite").exists():
        pytest.skip("frontend/node_modules is missing: run `npm ci` in frontend/ (make test does)")
    vite_port = free_port()
    vite_url = f"http://127.0.0.1:{vite_port}"
    flask = ServerProcess(
        tmp_path / "flask", env={"CORS_ORIGINS": ""},
        command=[sys.executable, "-m", "flask", "--app", "pulseboard.dev", "run",
                 "--port", "{port}", "--no-reload"],
    ).start()
    log_path = tmp_path / "vite.log"
    with log_path.open("wb") as log:
        vite = subprocess.Popen(
            ["npm", "run", "dev", "--", "--port", str(vite_port), "--strictPort"],
            cwd=FRONTEND, env={**os.environ, "PULSEBOARD_BACKEND": flask.url},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_for_http(f"{vite_url}/", 60, vite)
        yield flask, vite_url
    finally:
        # npm -> sh -> node: the session we started holds all three.
        if vite.poll() is None:
            os.killpg(vite.pid, signal.SIGTERM)
            try:
                vite.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(vite.pid, signal.SIGKILL)
                vite.wait(10)
        flask.stop()


def test_vite_proxies_api_and_socket_io_to_flask_run(dev_servers):
    _, vite_url = dev_servers
    page = requests.get(f"{vite_url}/", timeout=10)
    assert page.status_code == 200 and "/@vite/client" in page.text

    health = requests.get(f"{vite_url}/api/health", timeout=10).json()
    assert health["async_mode"] == "threading"  # flask run: no eventlet
    token = register(vite_url)["token"]

    # What the SPA in the browser does: WebSocket from the Vite origin.
    client = SocketClient(vite_url, "/charts", token, headers={"Origin": vite_url}).connect()
    try:
        assert client.call("streams")["ok"] is True
        ack = client.call("subscribe", {"stream": "demo.sine"})
        assert ack["ok"] and ack["stream"] == "demo.sine"
        frames = client.wait_for("points", lambda got: len(got) >= 2)
        assert all(frame["stream"] == "demo.sine" for frame in frames)
    finally:
        client.close()


def test_long_polling_upgrades_to_websocket_through_vite(dev_servers):
    _, vite_url = dev_servers
    token = register(vite_url)["token"]
    # websocket-client would add an Origin of its own beside ours.
    client = socketio.Client(reconnection=False,
                             websocket_extra_options={"suppress_origin": True})
    try:
        client.connect(vite_url, namespaces=["/charts"], auth={"token": token},
                       headers={"Origin": vite_url}, transports=["polling", "websocket"],
                       wait_timeout=10)
        assert wait_until(lambda: client.transport() == "websocket")
        assert client.call("streams", namespace="/charts", timeout=10)["ok"] is True
    finally:
        client.disconnect()
