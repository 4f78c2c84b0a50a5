"""Fuzz long-polling and every REST endpoint.

Rules asserted (issue 13): every polling request is answered in time (400,
411 or 413, or 200 for what is valid); every REST error is a 4xx JSON body
with a contract code, 5xx never; reads without a token are 401; what the
server sends is strict JSON.
"""

import json
import time

import requests

from support.raw import RawPolling

from .generators import BUDGET, STRINGS, Hostile

CODES = {"bad_request", "unauthorized", "forbidden", "not_found", "rate_limited", "too_large"}
ROUTES = [
    ("POST", "/api/auth/register"), ("POST", "/api/auth/login"), ("GET", "/api/auth/me"),
    ("GET", "/api/streams"), ("POST", "/api/streams/{name}/points"), ("GET", "/api/tasks"),
    ("POST", "/api/tasks"), ("GET", "/api/tasks/{id}"), ("POST", "/api/tasks/{id}/cancel"),
    ("GET", "/api/tasks/{id}/log"), ("GET", "/api/debug"), ("POST", "/api/debug"),
    ("DELETE", "/api/debug"), ("PUT", "/api/tasks"), ("GET", "/api/{name}"),
]
READS = {"/api/streams", "/api/tasks", "/api/tasks/{id}", "/api/tasks/{id}/log", "/api/debug",
         "/api/auth/me"}
IDS = ["1", "0", "-1", "99999999999999999999", "9007199254740993", "1e3", "%C2%B2", "abc",
       "1%0A", "%00"]
NAMES = ["fz.ok", "fz.ok%0A", "system.cpu", "a" * 70, "%F0%9F%98%80", "..", "fz%2Fx", "FZ"]


def strict(text: str):
    return json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(
        AssertionError(f"{name} in a response")))


def test_every_rest_endpoint(fuzz_server):
    fuzz = Hostile(seed=1304)
    headers_with = {"Authorization": f"Bearer {fuzz_server.token}"}
    cases = 0
    deadline = time.monotonic() + BUDGET
    while time.monotonic() < deadline:
        method, route = fuzz.choice(ROUTES)
        path = route.format(name=fuzz.choice(NAMES), id=fuzz.choice(IDS))
        query = fuzz.choice(["", "?limit=" + fuzz.choice(IDS),
                             "?levels=" + fuzz.choice(STRINGS).replace("\n", "%0A"),
                             "?sources=" + fuzz.choice(["*", "fz*", "%0A", "a" * 100])])
        authed = fuzz.rng.random() < 0.8
        headers = dict(headers_with) if authed else {}
        if fuzz.rng.random() < 0.8:
            headers["Content-Type"] = "application/json"
        body = fuzz.body() if method in ("POST", "PUT") else None
        response = requests.request(method, f"{fuzz_server.url}{path}{query}", data=body,
                                    headers=headers, timeout=10)
        case = (method, path, query, authed, body[:200] if body else None)
        cases += 1
        assert response.status_code < 500, (case, response.text[:300])
        if response.headers.get("Content-Type", "").startswith("application/json"):
            payload = strict(response.text)
            if response.status_code >= 400:
                assert payload["ok"] is False and payload["error"]["code"] in CODES, case
        elif response.status_code >= 400:
            raise AssertionError(f"{case}: a {response.status_code} without a JSON body")
        if method == "GET" and route in READS and not authed:
            assert response.status_code in (401, 404), case
    assert cases > 20


def test_every_polling_post_is_answered(fuzz_server):
    fuzz = Hostile(seed=1305)
    cases = 0
    deadline = time.monotonic() + BUDGET / 2
    session = None
    while time.monotonic() < deadline:
        if session is None:
            session = RawPolling(fuzz_server.url)
        parts = [fuzz.choice(["4", "3", "1", "2", "6", "b", ""])
                 + fuzz.socketio_packet("/chat", "rooms", cases)
                 for _ in range(fuzz.rng.randint(1, 3))]
        body = "\x1e".join(parts).encode("utf-8", "surrogatepass")
        started = time.monotonic()
        response = session.post(body, timeout=10)
        assert time.monotonic() - started < 5
        assert response.status_code in (200, 400, 413), (body[:200], response.text)
        if response.status_code != 200:
            session.close()
            session = None
        cases += 1
    if session is not None:
        session.close()
    assert cases > 10
