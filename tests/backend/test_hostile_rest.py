"""REST errors are 4xx JSON bodies, reads need a token, and only strict JSON gets in.

Regression tests for issue 13's REST findings against a real server.
"""

import json

import pytest
import requests

from support.clients import SocketClient, api_get, register, unique_name
from support.server import ServerProcess


@pytest.fixture(scope="module")
def rest_server(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("rest")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(rest_server):
    return register(rest_server.url)["token"]


def send(server, method, path, body: str | None = None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"{server.url}{path}", data=body, headers=headers, timeout=10)


def refused(response, status=400, code="bad_request"):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["error"]["code"] == code, body
    return body["error"]["message"]


HOSTILE_BODIES = [
    "[" * 5000, '{"a":' * 5000, "[" * 5000 + "]" * 5000, '{"username": "a", "password": ',
    '{"username": "\\ud800ab", "password": "correct-horse"}',
    '{"username": "abc", "password": "\\udc00correct-horse"}',
    '{"username": NaN, "password": "x"}', '{"username": "abc", "password": 1' + "0" * 400 + "}",
    '"just a string"', "", "\xff",
]


@pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/login"])
@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_hostile_auth_bodies_are_400(rest_server, path, body):
    refused(send(rest_server, "POST", path, body))


@pytest.mark.parametrize("name", ["alice\n", "bob\r\n", "\ncarol"])
def test_usernames_must_match_whole(rest_server, name):
    response = requests.post(f"{rest_server.url}/api/auth/register",
                             json={"username": name, "password": "correct-horse"}, timeout=10)
    refused(response)


@pytest.mark.parametrize("path", [
    "/api/streams", "/api/tasks", "/api/tasks/1", "/api/tasks/1/log", "/api/debug",
])
def test_reads_need_a_token(rest_server, token, path):
    refused(requests.get(f"{rest_server.url}{path}", timeout=10), 401, "unauthorized")
    refused(requests.get(f"{rest_server.url}{path}", headers={"Authorization": "Bearer x"},
                         timeout=10), 401, "unauthorized")
    assert api_get(f"{rest_server.url}{path}", token).status_code in (200, 404)


def test_health_stays_open(rest_server):
    assert requests.get(f"{rest_server.url}/api/health", timeout=10).status_code == 200


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/tasks/99999999999999999999"),
    ("GET", "/api/tasks/99999999999999999999/log"),
    ("POST", "/api/tasks/99999999999999999999/cancel"),
    ("GET", "/api/tasks/9223372036854775808"),
])
def test_huge_task_ids_are_404(rest_server, token, method, path):
    refused(send(rest_server, method, path, token=token), 404, "not_found")


@pytest.mark.parametrize("limit", ["%C2%B2", "%D9%A3", "1e3", "-1", "00000000001", " 5"])
def test_debug_limit_must_be_ascii_digits(rest_server, token, limit):
    response = requests.get(f"{rest_server.url}/api/debug?limit={limit}",
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)
    refused(response)


def test_a_400_digit_number_in_a_point_is_400(rest_server, token):
    body = '{"points": [[1, 1' + "0" * 400 + "]]}"
    refused(send(rest_server, "POST", "/api/streams/fz.big/points", body, token))
    body = '{"value": 1e400}'
    refused(send(rest_server, "POST", "/api/streams/fz.big/points", body, token))


def test_a_stream_name_with_a_trailing_newline_is_400(rest_server, token):
    refused(send(rest_server, "POST", "/api/streams/fz.ok%0A/points", '{"value": 1}', token))


@pytest.mark.parametrize("source", ["app\n", "app\r", "\napp"])
def test_a_debug_source_with_a_newline_is_400(rest_server, token, source):
    body = json.dumps({"level": "info", "source": source, "message": "m"})
    refused(send(rest_server, "POST", "/api/debug", body, token))


@pytest.mark.parametrize("context", ['{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}',
                                     '{"x": "\\ud800"}', '{"x": 1e999}'])
def test_debug_context_must_be_strict_json(rest_server, token, context):
    source = unique_name("strict")
    body = f'{{"level": "error", "source": "{source}", "message": "m", "context": {context}}}'
    refused(send(rest_server, "POST", "/api/debug", body, token))
    # Nothing was stored: the list still parses as strict JSON and has no such message.
    listing = api_get(f"{rest_server.url}/api/debug?sources={source}", token)
    assert listing.status_code == 200
    assert json.loads(listing.text, parse_constant=pytest.fail)["messages"] == []


def test_one_users_debug_post_cannot_break_a_subscriber(rest_server, token):
    send(rest_server, "POST", "/api/debug",
         '{"level": "error", "source": "fz.nan", "message": "m", "context": {"x": NaN}}', token)
    client = SocketClient(rest_server.url, "/debug", token).connect()
    try:
        ack = client.call("subscribe", {"sources": ["fz.*"]})
        assert ack["ok"] is True and client.sio.connected
    finally:
        client.close()


def test_no_tracebacks_for_client_mistakes(rest_server):
    assert "Traceback" not in rest_server.log(), rest_server.log()[-3000:]
