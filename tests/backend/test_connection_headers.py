"""eventlet's parsed request headers dropped once the environ holds them (connections.py).

A real ``pulseboard serve`` answers keep-alive and close as before and logs
the forwarded client address, which eventlet reads from the headers after
the environ is built; the upstream test pins that those are the only reads.
"""

import inspect
import re
import socket
import sys
import time
from pathlib import Path

import pytest
from eventlet import wsgi

from pulseboard.connections import EnvironHeaders
from support.server import ServerProcess


def test_environ_headers_read_like_the_parsed_message():
    headers = EnvironHeaders({"HTTP_CONNECTION": "keep-alive", "HTTP_X_FORWARDED_FOR": "10.0.0.7",
                              "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "12"})
    assert headers.get("Connection") == headers.get("connection") == "keep-alive"
    assert headers.get("X-Forwarded-For", "") == "10.0.0.7"
    assert headers.get("content-type") == "application/json"
    assert headers.get("Content-Length") == "12"
    assert headers.get("Upgrade") is None and headers.get("Upgrade", "") == ""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = ServerProcess(tmp_path_factory.mktemp("headers"), command=[
        sys.executable, "-m", "pulseboard", "serve", "--port", "{port}", "--access-log"])
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _exchange(port: int, request: bytes) -> tuple[bytes, socket.socket]:
    """Send ``request``; return the response's head and the still-open socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    return data.split(b"\r\n\r\n", 1)[0], sock


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (after the body it sent)."""
    try:
        while sock.recv(4096):
            pass
        return True
    except TimeoutError:
        return False


def test_an_http_1_0_keep_alive_request_keeps_its_connection(server):
    head, sock = _exchange(server.port, b"GET /api/health HTTP/1.0\r\nHost: x\r\n"
                                        b"Connection: keep-alive\r\n\r\n")
    with sock:
        assert b" 200 " in head.split(b"\r\n")[0]
        assert b"connection: keep-alive" in head.lower()
        sock.sendall(b"GET /api/health HTTP/1.0\r\nHost: x\r\n\r\n")  # the same connection
        assert b" 200 " in sock.recv(4096).split(b"\r\n")[0]


def test_a_connection_close_request_is_closed_after_its_answer(server):
    head, sock = _exchange(server.port, b"GET /api/health HTTP/1.1\r\nHost: x\r\n"
                                        b"Connection: close\r\n\r\n")
    with sock:
        sock.settimeout(5)
        assert b" 200 " in head.split(b"\r\n")[0] and _closed(sock)


def test_the_access_log_names_the_forwarded_client(server):
    head, sock = _exchange(server.port, b"GET /api/health?probe=forwarded HTTP/1.1\r\n"
                                        b"Host: x\r\nX-Forwarded-For: 203.0.113.9\r\n"
                                        b"Connection: close\r\n\r\n")
    sock.close()
    assert b" 200 " in head
    deadline = time.monotonic() + 5
    while "probe=forwarded" not in server.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(line for line in server.log_path.read_text().splitlines()
                if "probe=forwarded" in line)
    assert "203.0.113.9" in line


def test_upstream_eventlet_reads_only_two_headers_after_the_environ():
    """Covered by EnvironHeaders: after ``get_environ``, ``self.headers`` is read for two names."""
    request = inspect.getsource(wsgi.HttpProtocol.handle_one_request)
    before, after = request.split("self.environ = self.get_environ()")
    assert "self.headers" in before and "self.headers" not in after
    reads = inspect.getsource(wsgi.HttpProtocol.handle_one_response) + inspect.getsource(
        wsgi.HttpProtocol.get_client_address)
    assert sorted(re.findall(r"self\.headers(\.\w+\('[^']*')?", reads)) == [
        ".get('Connection'", ".get('X-Forwarded-For'"]
    assert "headers" not in inspect.getsource(wsgi.HttpProtocol.finish)


def test_upstream_nothing_in_the_stack_reads_eventlets_headers_raw():
    """Covered by dropping ``environ["headers_raw"]``: only eventlet, which sets it, names it."""
    import engineio
    import flask
    import flask_socketio
    import socketio
    import werkzeug

    for package in (flask, flask_socketio, socketio, engineio, werkzeug):
        root = Path(package.__file__).parent
        readers = [str(path) for path in root.rglob("*.py") if "headers_raw" in path.read_text()]
        assert readers == [], readers
    assert "env['headers_raw'] = headers_raw" in inspect.getsource(wsgi.HttpProtocol.get_environ)
