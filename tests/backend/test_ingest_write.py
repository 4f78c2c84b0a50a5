"""``POST /api/write`` and ``/api/v2/write`` against a real server, with real HTTP clients.

The bodies are Telegraf's output format (tests/backend/fixtures/telegraf), the
subscribers real Socket.IO clients on ``/charts``.
"""

import base64
import gzip
from pathlib import Path

import pytest
import requests

from support.clients import api_get, register, unique_name
from support.server import ServerProcess

FIXTURES = Path(__file__).parent / "fixtures" / "telegraf"
INGEST_TOKEN = "telegraf-ingest-token-for-tests"


@pytest.fixture(scope="module")
def ingest_server(tmp_path_factory):
    """One server for the module (tests use their own stream names), with INGEST_TOKEN."""
    server = ServerProcess(tmp_path_factory.mktemp("ingest"),
                           env={"INGEST_TOKEN": INGEST_TOKEN}).start()
    server.token = register(server.url)["token"]
    yield server
    server.stop()


def post(server, body: bytes, path="/api/write", params=None, headers=None, auth=True,
         timeout=20) -> requests.Response:
    headers = {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
    if auth:
        headers.setdefault("Authorization", f"Bearer {server.token}")
    return requests.post(f"{server.url}{path}", data=body, params=params, headers=headers,
                         timeout=timeout)


def stream_names(server) -> set:
    return {s["name"] for s in api_get(f"{server.url}/api/streams").json()["streams"]}


def test_telegraf_defaults_batch_reports_refused_lines_and_stores_the_rest(ingest_server):
    body = (FIXTURES / "defaults.lp").read_bytes()
    response = post(ingest_server, body)
    assert response.status_code == 207, response.text
    reply = response.json()
    # The `system` lines fall under the server's own `system.` prefix.
    assert reply["errors"] == [
        {"line": number, "code": "forbidden", "message": reply["errors"][i]["message"]}
        for i, number in enumerate([7, 8])]
    assert "?prefix=" in reply["errors"][0]["message"]
    assert reply["ok"] is False and reply["error"]["code"] == "bad_request"
    assert "2 of 9 lines refused" in reply["error"]["message"]
    assert reply["accepted_lines"] == 7 and reply["refused_lines"] == 2
    assert reply["skipped_fields"] == 1  # uptime_format
    assert reply["points"] == 3 * 10 + 8 + 7 + 34 and reply["streams"] == reply["points"]
    names = stream_names(ingest_server)
    assert {"cpu.usage_idle.cpu-total.pb-test-01", "cpu.usage_user.cpu0.pb-test-01",
            "disk.used_percent.sda1.ext4.pb-test-01.rw._",
            "disk.free.sda15.vfat.pb-test-01.rw._boot_efi",
            "mem.used_percent.pb-test-01"} <= names
    assert not any(name.startswith("system.load") for name in names)

    prefixed = post(ingest_server, body, params={"prefix": "tg"})
    assert prefixed.status_code == 202, prefixed.text
    assert prefixed.json() == {"ok": True, "accepted_lines": 9, "refused_lines": 0,
                               "points": 3 * 10 + 8 + 7 + 34 + 7, "streams": 86,
                               "skipped_fields": 1}
    assert {"tg.system.load1.pb-test-01", "tg.cpu.usage_idle.cpu-total.pb-test-01"} <= \
        stream_names(ingest_server)


def test_points_reach_live_subscribers_in_time_order(ingest_server, connect):
    name = unique_name("live")
    first = f"{name},host=h1 temp=20.5 1764640800000000000\n".encode()
    assert post(ingest_server, first).status_code == 202
    client = connect(ingest_server, "/charts", ingest_server.token)
    ack = client.call("subscribe", {"stream": f"{name}.temp.h1"})
    assert ack["ok"]

    def received(frames=()):
        return ack["points"] + [p for frame in frames for p in frame["points"]]

    # Subscribed before the hub's next tick, the first point comes in that frame, not the ack.
    if not ack["points"]:
        client.wait_for("points", lambda f: received(f), timeout=10)
    assert received(client.events("points")) == [[1764640800000, 20.5]]
    batch = (f"{name},host=h1 temp=22i 1764640802000000000\n"
             f"{name},host=h1 temp=21.25,label=\"warm\" 1764640801000000000\n").encode()
    reply = post(ingest_server, batch).json()
    assert reply["points"] == 2 and reply["skipped_fields"] == 1
    frames = client.wait_for("points", lambda f: len(received(f)) >= 3)
    assert received(frames) == [
        [1764640800000, 20.5], [1764640801000, 21.25], [1764640802000, 22]]


def test_influxdb_v2_path_with_token_gzip_and_precision(ingest_server):
    name = unique_name("v2")
    compressed = gzip.compress(f"{name},region=eu load=0.5 1764640800\n".encode())
    # Telegraf's influxdb_v2 output streams its (gzipped) body: chunked, no Content-Length.
    body = iter([compressed[:10], compressed[10:]])
    response = post(ingest_server, body, path="/api/v2/write",
                    params={"org": "ops", "bucket": "telegraf", "precision": "s"},
                    headers={"Authorization": f"Token {ingest_server.token}",
                             "Content-Encoding": "gzip"})
    assert response.status_code == 202, response.text
    assert response.json()["points"] == 1
    assert f"{name}.load.eu" in stream_names(ingest_server)


@pytest.mark.parametrize("authorization, status", [
    (None, 401), ("Bearer nonsense", 401), ("Token ", 401), ("Basic !!!", 401),
    (f"Token {INGEST_TOKEN}", 202), (f"Bearer {INGEST_TOKEN}", 202),
    ("Basic " + base64.b64encode(f"telegraf:{INGEST_TOKEN}".encode()).decode(), 202),
    (f"Bearer {INGEST_TOKEN}x", 401), ("Digest abc", 401),
])
def test_writers_authenticate_with_a_user_token_or_the_ingest_token(ingest_server,
                                                                    authorization, status):
    headers = {"Authorization": authorization} if authorization else {}
    response = post(ingest_server, b"authcheck v=1", headers=headers, auth=False)
    assert response.status_code == status, response.text
    if status == 401:
        assert response.json()["error"]["code"] == "unauthorized"


def test_basic_auth_carries_a_user_token_as_password(ingest_server):
    credentials = base64.b64encode(f"anyone:{ingest_server.token}".encode()).decode()
    response = post(ingest_server, b"basiccheck v=1", auth=False,
                    headers={"Authorization": f"Basic {credentials}"})
    assert response.status_code == 202, response.text


def test_every_malformed_line_is_reported_and_the_valid_ones_stored(ingest_server):
    name = unique_name("mixed")
    body = "\n".join([
        f"{name} ok=1 1764640800000000000",
        f"{name} broken",
        f"{name} v=nan",
        "_hidden v=1",
        f"{name},k=" + "x" * 80 + " v=1",
        f"{name} ok=2 1764640801000000000",
    ]).encode() + b"\n\xc3\x28 v=1\n"
    response = post(ingest_server, body)
    assert response.status_code == 207, response.text
    reply = response.json()
    assert [(e["line"], e["code"]) for e in reply["errors"]] == [
        (2, "bad_request"), (3, "bad_request"), (4, "bad_request"), (5, "bad_request"),
        (7, "bad_request")]
    messages = [e["message"] for e in reply["errors"]]
    assert messages[0].startswith("line protocol: ")
    assert "letter or digit" in messages[2] and "longer than 64" in messages[3]
    assert messages[4] == "not UTF-8 at byte 0"
    assert reply["accepted_lines"] == 2 and reply["points"] == 2
    client_points = api_get(f"{ingest_server.url}/api/streams").json()["streams"]
    assert f"{name}.ok" in {s["name"] for s in client_points}


def test_a_body_with_no_valid_line_is_400_and_stores_nothing(ingest_server):
    name = unique_name("none")
    response = post(ingest_server, f"{name} x\n{name}\n".encode())
    assert response.status_code == 400
    reply = response.json()
    assert reply["ok"] is False and reply["accepted_lines"] == 0 and reply["points"] == 0
    assert [e["line"] for e in reply["errors"]] == [1, 2]
    assert "nothing was stored" in reply["error"]["message"]
    empty = post(ingest_server, b"\n# only a comment\n")
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "bad_request"


def test_errors_list_is_capped_but_counted(ingest_server):
    response = post(ingest_server, b"bad\n" * 500)
    reply = response.json()
    assert response.status_code == 400
    assert reply["refused_lines"] == 500 and len(reply["errors"]) == 100


def test_escaped_names_and_choosing_the_naming_tags(ingest_server):
    body = (FIXTURES / "escaping.lp").read_bytes()
    reply = post(ingest_server, body).json()
    # http_response's five tag values, and sensors' temp_crit_alarm with its three,
    # make names past 64 characters: the whole line is refused.
    assert [(e["line"], "longer than 64" in e["message"]) for e in reply["errors"]] == \
        [(1, True), (5, True)]
    names = stream_names(ingest_server)
    assert {"exec.duration_s.pb-test-01.nightly_build_stage_2",
            "exec.rows.pb-test-01.report"} <= names
    assert not any(name.startswith("sensors.") for name in names)
    chosen = post(ingest_server, body, params={"tags": "status_code,host", "prefix": "esc"})
    assert chosen.status_code == 202, chosen.text
    assert {"esc.http_response.response_time.200.pb-test-01", "esc.exec.rows.pb-test-01",
            "esc.sensors.temp_input.pb-test-01"} <= stream_names(ingest_server)
    no_tags = post(ingest_server, b"notags,host=a,x=b v=1", params={"tags": ""})
    assert no_tags.status_code == 202 and "notags.v" in stream_names(ingest_server)


@pytest.mark.parametrize("params, message", [
    ({"precision": "h"}, "precision"), ({"precision": ["s", "ms"]}, "more than once"),
    ({"prefix": "Bad.Prefix"}, "prefix"), ({"prefix": "system"}, None),
    ({"database": "x"}, "unknown query parameters"), ({"tags": ",".join("abcdefghijklmnopq")},
                                                      "at most 16"),
])
def test_bad_query_parameters_are_400(ingest_server, params, message):
    response = post(ingest_server, b"q v=1", params=params)
    if message is None:  # prefix=system is a valid part, the name is refused per line
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == \
            "forbidden"
        return
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]


def test_oversize_bodies_are_413_json(ingest_server):
    too_big = post(ingest_server, b"m v=1\n" * 166_667)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
    chunked = post(ingest_server, iter([b"m v=1\n" * 100_000, b"m v=1\n" * 100_000]))
    assert chunked.status_code == 413 and chunked.json()["error"]["code"] == "too_large"
    bomb = gzip.compress(b"m v=1\n" * 200_000)
    assert len(bomb) < 20_000
    inflated = post(ingest_server, bomb, headers={"Content-Encoding": "gzip"})
    assert inflated.status_code == 413 and "decompressed" in inflated.json()["error"]["message"]


def test_more_points_than_the_json_publish_allows_is_413_and_stores_nothing(ingest_server):
    name = unique_name("many")
    body = "".join(f"{name} v=1 {1764640800000000000 + i * 1_000_000}\n"
                   for i in range(10_001)).encode()
    response = post(ingest_server, body)
    assert response.status_code == 413 and "at most 10000" in response.json()["error"]["message"]
    assert f"{name}.v" not in stream_names(ingest_server)
    fits = post(ingest_server, body.split(b"\n", 1)[1])
    assert fits.status_code == 202 and fits.json()["points"] == 10_000


@pytest.mark.parametrize("body, headers", [
    (b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "gzip"}),
    (gzip.compress(b"m v=1\n")[:-6], {"Content-Encoding": "gzip"}),
    (gzip.compress(b"m v=1\n") + b"trailing", {"Content-Encoding": "gzip"}),
    (b"m v=1", {"Content-Encoding": "br"}),
])
def test_bad_encodings_are_400(ingest_server, body, headers):
    response = post(ingest_server, body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"


def test_the_published_streams_cap_refuses_fields_per_line(tmp_path):
    server = ServerProcess(tmp_path / "cap").start()
    try:
        token = register(server.url)["token"]
        fields = ",".join(f"f{i}=1" for i in range(250))
        first = requests.post(f"{server.url}/api/write", data=f"cap {fields}".encode(),
                              headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert first.status_code == 202, first.text
        more = ",".join(f"g{i}=1" for i in range(10))
        response = requests.post(f"{server.url}/api/write",
                                 data=f"cap f0=2\ncap {more}".encode(),
                                 headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert response.status_code == 207, response.text
        reply = response.json()
        assert reply["points"] == 1 + 6  # f0 exists; six of g0..g9 fill the cap to 256
        refused = {e["field"] for e in reply["errors"]}
        assert len(refused) == 4 and refused <= {f"g{i}" for i in range(10)}
        assert {(e["line"], e["code"]) for e in reply["errors"]} == {(2, "too_large")}
        assert "too many published streams" in reply["errors"][0]["message"]
        assert reply["accepted_lines"] == 1 and reply["refused_lines"] == 1
    finally:
        server.stop()


def test_max_published_streams_setting_caps_streams_and_reports_each_line(tmp_path):
    server = ServerProcess(tmp_path / "setting", env={"MAX_PUBLISHED_STREAMS": "3"}).start()
    try:
        token = register(server.url)["token"]
        body = b'm,h=a v=1,w=2\nm,h=b v=3\nm,h=c v=4\nm,h=a v=5\nm,h=c v=6,s="x"\n'
        response = requests.post(f"{server.url}/api/write", data=body,
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert response.status_code == 207, response.text
        reply = response.json()
        # m.v.a, m.w.a and m.v.b fill the cap of 3; m.v.c is refused on each line carrying it.
        assert [(e["line"], e["code"], e["field"]) for e in reply["errors"]] == [
            (3, "too_large", "v"), (5, "too_large", "v")]
        assert reply["accepted_lines"] == 3 and reply["refused_lines"] == 2
        assert reply["points"] == 4 and reply["streams"] == 3 and reply["skipped_fields"] == 1
        assert {"m.v.a", "m.w.a", "m.v.b"} <= stream_names(server)
        assert "m.v.c" not in stream_names(server)
    finally:
        server.stop()
