"""The REST API through Flask's test client: the Bearer guard, strict bodies, JSON errors."""

import pytest


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", ["/api/auth/me", "/api/tasks", "/api/streams", "/api/debug"])
def test_every_read_needs_a_token(http, path):
    for headers in ({}, bearer("forged"), {"Authorization": "Basic abc"}):
        response = http.get(path, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_register_login_and_me(http, account):
    me = account()
    token = http.post("/api/auth/login", json={"username": me["user"]["username"],
                                               "password": "correct-horse-battery"}).get_json()
    assert http.get("/api/auth/me", headers=bearer(token["token"])).get_json()["user"] == me["user"]


@pytest.mark.parametrize(("body", "content_type"), [
    (b"not json", "application/json"), (b'{"username": NaN}', "application/json"),
    (b'{"username": "a", "password": "b"}', "text/plain"), (b"[]", "application/json")])
def test_a_bad_body_is_bad_request_with_a_json_error(http, body, content_type):
    response = http.post("/api/auth/register", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["ok"] is False
    assert response.get_json()["error"]["code"] == "bad_request"


def test_published_points_create_a_stream_and_reserved_names_are_refused(http, account):
    headers = bearer(account()["token"])
    response = http.post("/api/streams/inproc.latency/points", json={"value": 12.5},
                         headers=headers)
    assert response.status_code == 202 and response.get_json()["accepted"] == 1
    names = [s["name"] for s in http.get("/api/streams", headers=headers).get_json()["streams"]]
    assert "inproc.latency" in names
    response = http.post("/api/streams/system.fake/points", json={"value": 1}, headers=headers)
    assert response.status_code == 403


def test_server_debug_sources_cannot_be_posed_as(http, account):
    response = http.post("/api/debug", json={"level": "error", "source": "log:pulseboard",
                                             "message": "spoof"},
                         headers=bearer(account()["token"]))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_health_answers_without_a_token(http):
    body = http.get("/api/health").get_json()
    assert body["status"] == "ok" and body["async_mode"] == "threading"
