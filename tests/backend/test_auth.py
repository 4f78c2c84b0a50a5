"""Registration, login, tokens on sockets and REST, health, CORS."""

import pytest
import requests
import socketio

from support.clients import SocketClient, register, unique_name
from support.server import ServerProcess

NAMESPACES = ["/charts", "/logs", "/debug", "/chat"]


def test_register_and_login_return_a_token(server):
    name = unique_name()
    created = register(server.url, name, "s3cret-pass")
    assert created["user"]["username"] == name and created["token"]

    login = requests.post(f"{server.url}/api/auth/login",
                          json={"username": name, "password": "s3cret-pass"}, timeout=5)
    assert login.status_code == 200
    assert login.json()["user"] == created["user"]

    me = requests.get(f"{server.url}/api/auth/me",
                      headers={"Authorization": f"Bearer {login.json()['token']}"}, timeout=5)
    assert me.json()["user"]["username"] == name


def test_wrong_password_is_401_with_error_body(server):
    name = unique_name()
    register(server.url, name, "s3cret-pass")
    response = requests.post(f"{server.url}/api/auth/login",
                             json={"username": name, "password": "not-it-at-all"}, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": {
        "code": "unauthorized", "message": "wrong username or password"}}


@pytest.mark.parametrize("body", [
    None, [], {"username": "ab", "password": "long-enough"},
    {"username": "ok-name", "password": "short"}, {"username": 5, "password": "long-enough"},
    {"username": "ok-name", "password": "long-enough", "admin": True},
])
def test_bad_registration_is_400(server, body):
    response = requests.post(f"{server.url}/api/auth/register", json=body, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_duplicate_username_is_refused(server):
    name = unique_name()
    register(server.url, name)
    again = requests.post(f"{server.url}/api/auth/register",
                          json={"username": name, "password": "other-pass"}, timeout=5)
    assert again.status_code == 400 and "taken" in again.json()["error"]["message"]


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_connect_without_valid_token_is_refused(server, namespace):
    for token in (None, "", "forged.token.value", 42, "x" * 5000):
        client = SocketClient(server.url, namespace, token)
        with pytest.raises(socketio.exceptions.ConnectionError, match="unauthorized"):
            client.connect(timeout=5)
        client.close()


def test_token_signed_with_another_key_is_refused(server, tmp_path):
    other = ServerProcess(tmp_path / "other", env={"SECRET_KEY": "a-different-key"}).start()
    try:
        foreign = register(other.url)["token"]
    finally:
        other.stop()
    with pytest.raises(socketio.exceptions.ConnectionError, match="unauthorized"):
        SocketClient(server.url, "/charts", foreign).connect(timeout=5)


def test_valid_token_connects_and_unknown_event_gets_not_found(server, user, connect):
    client = connect(server, "/charts", user["token"])
    ack = client.call("no_such_event", {})
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"


def test_rest_changes_need_bearer_token(server):
    response = requests.post(f"{server.url}/api/streams/x/points", json={"value": 1}, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_health_reports_runtime(server):
    body = requests.get(f"{server.url}/api/health", timeout=5).json()
    assert body["status"] == "ok"
    assert body["async_mode"] == "eventlet"
    assert body["db"] == "sqlite"
    assert body["message_queue"] is None
    assert body["queue"] is None  # no message queue: nothing to be down
    assert body["version"]


def test_foreign_origin_websocket_is_refused(server, user):
    client = SocketClient(server.url, "/charts", user["token"],
                          headers={"Origin": "http://evil.example"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(timeout=5)


def test_listed_origin_websocket_is_accepted(server, user, connect):
    client = connect(server, "/charts", user["token"],
                     headers={"Origin": "http://127.0.0.1:5173"})
    assert client.call("streams")["ok"] is True


def test_cors_headers_only_for_listed_origins(server):
    allowed = requests.get(f"{server.url}/api/health",
                           headers={"Origin": "http://127.0.0.1:5173"}, timeout=5)
    assert allowed.headers.get("Access-Control-Allow-Origin") == "http://127.0.0.1:5173"
    foreign = requests.get(f"{server.url}/api/health",
                           headers={"Origin": "http://evil.example"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in foreign.headers


@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/login"])
def test_oversized_bodies_are_413_everywhere(server, path):
    big = {"username": "x" * 2_000_000, "password": "long-enough"}
    response = requests.post(f"{server.url}{path}", json=big, timeout=10)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_chunked_bodies_are_read_and_bounded(tmp_path, async_mode):
    # Werkzeug reads a chunked body only when the server marks its input as
    # terminated: gevent does, eventlet does not (middleware.TerminatedChunkedInput).
    # A valid chunked body is accepted; MAX_CONTENT_LENGTH still stops a long one.
    server = ServerProcess(tmp_path, async_mode=async_mode).start()
    try:
        token = register(server.url)["token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def small():
            yield b'{"points": ['
            yield b"[1764640800000, 1.5]]}"

        response = requests.post(f"{server.url}/api/streams/chunked.ok/points", data=small(),
                                 headers=headers, timeout=20)
        assert response.status_code == 202, response.text
        assert response.json()["accepted"] == 1

        def chunks():  # 1.3 MB of valid JSON, within the 10,000 points a request may carry
            yield b'{"points": ['
            for i in range(8_000):
                yield f"[{i}, 1],".encode() + b" " * 150
            yield b"[0, 0]]}"

        response = requests.post(f"{server.url}/api/streams/chunked/points", data=chunks(),
                                 headers=headers, timeout=20)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"
    finally:
        server.stop()
