"""The two ways to run the server: `flask run` (development) and `pulseboard serve`."""

import asyncio
import socket
import subprocess
import sys

import pytest
import requests
import socketio

from support.clients import publish_points, register
from support.server import ServerProcess
from support.sockets import server_side_option

CLIENTS = 1_500


def test_flask_run_serves_websocket_in_threading_mode(tmp_path, connect):
    server = ServerProcess(
        tmp_path, env={"FLASK_APP": "pulseboard.dev"},  # migrates: the database is new
        command=[sys.executable, "-m", "flask", "run", "--port", "{port}", "--no-reload"],
    ).start()
    try:
        health = requests.get(f"{server.url}/api/health", timeout=5).json()
        assert health["async_mode"] == "threading"
        token = register(server.url)["token"]
        client = connect(server, "/charts", token)
        assert client.call("streams")["ok"] is True
    finally:
        server.stop()


def test_the_package_and_the_app_never_import_eventlet(tmp_path):
    # `flask run` imports the package and calls create_app(): eventlet must not
    # come with them (its import breaks the threading server's WebSocket).
    script = (
        "import sys, pulseboard\n"
        "pulseboard.create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + sys.argv[1],"
        " 'SECRET_KEY': 'k', 'ASYNC_MODE': 'threading'})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('eventlet', 'gevent')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "x.db")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_the_outside_emitter_imports_neither_flask_nor_sqlalchemy():
    # `pulseboard emit` runs from cron jobs and scripts: importing the
    # server's stack made each run spend ~0.6 s before it sent anything.
    script = ("import sys, pulseboard.emitter\n"
              "print(sorted(m for m in ('flask', 'sqlalchemy', 'flask_socketio')"
              " if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_python_dash_m_serve_runs_eventlet(tmp_path):
    server = ServerProcess(
        tmp_path, command=[sys.executable, "-m", "pulseboard", "serve", "--port", "{port}"]
    ).start()
    try:
        health = requests.get(f"{server.url}/api/health", timeout=5).json()
        assert health["async_mode"] == "eventlet"
    finally:
        server.stop()


async def _hold_clients(url: str, token: str, count: int) -> tuple[int, int]:
    """Connect ``count`` clients at once, subscribe all, publish, count deliveries."""
    received = asyncio.Event()
    deliveries = 0
    clients = []

    async def open_one():
        nonlocal deliveries
        client = socketio.AsyncClient(reconnection=False)

        @client.on("points", namespace="/charts")
        async def on_points(frame):
            nonlocal deliveries
            if not any(value == 1 for _, value in frame["points"]):
                return
            deliveries += 1
            if deliveries == count:
                received.set()

        await client.connect(url, namespaces=["/charts"], auth={"token": token},
                             transports=["websocket"], wait_timeout=60)
        ack = await client.call("subscribe", {"stream": "capacity"}, namespace="/charts",
                                timeout=60)
        assert ack["ok"], ack
        clients.append(client)

    try:
        for start in range(0, count, 100):
            await asyncio.gather(*(open_one() for _ in range(min(100, count - start))))
        connected = sum(1 for c in clients if c.connected)
        await asyncio.to_thread(publish_points, url, token, "capacity", {"value": 1}, 30)
        await asyncio.wait_for(received.wait(), timeout=60)
        return connected, deliveries
    finally:
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def test_serve_holds_more_than_eventlets_default_1024_clients(server, user):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    publish_points(server.url, user["token"], "capacity", {"value": 0})
    connected, deliveries = asyncio.run(_hold_clients(server.url, user["token"], CLIENTS))
    assert connected == CLIENTS
    assert deliveries == CLIENTS


def test_websocket_compression_is_not_negotiated(server):
    import websocket

    url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(
        url, header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"],
        timeout=5)
    try:
        assert ws.recv().startswith("0{")  # the engine.io handshake: the upgrade worked
        headers = {k.lower(): v for k, v in ws.getheaders().items()}
        assert "sec-websocket-extensions" not in headers
    finally:
        ws.close()


def test_serve_reads_async_mode_from_dot_env(tmp_path):
    workdir = tmp_path / "dotenv"
    workdir.mkdir()
    (workdir / ".env").write_text("ASYNC_MODE=gevent\n")
    server = ServerProcess(workdir, command=[
        sys.executable, "-m", "pulseboard", "serve", "--port", "{port}"]).start()
    try:
        health = requests.get(f"{server.url}/api/health", timeout=5).json()
        assert health["async_mode"] == "gevent"
    finally:
        server.stop()


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_serve_sends_small_frames_at_once(tmp_path, async_mode):
    # Nagle's algorithm held a chat ack behind the echo of the same message
    # until the client's delayed ACK: up to 40 ms (docs/benchmarks.md).
    server = ServerProcess(tmp_path / async_mode, async_mode=async_mode).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
            client.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert client.recv(64).startswith(b"HTTP/1.1 200")
            nodelay = server_side_option(server.process.pid, client,
                                         socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert nodelay == 1
    finally:
        server.stop()


def test_serve_reads_long_headers_and_large_bodies_through_its_small_buffers(server, user):
    # Connections get 1 KB buffers instead of eventlet's 8 + 16 KB (memory per
    # idle client); a request several times that size must still arrive whole.
    points = [[1_700_000_000_000 + i, i * 0.5] for i in range(9_000)]  # ~200 KB of JSON
    response = requests.post(
        f"{server.url}/api/streams/big.body/points", json={"points": points}, timeout=10,
        headers={"Authorization": f"Bearer {user['token']}", "X-Padding": "p" * 6000})
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == len(points)
    health = requests.get(f"{server.url}/api/health", timeout=5, headers={"X-Padding": "p" * 6000})
    assert health.status_code == 200 and len(health.content) > 0
