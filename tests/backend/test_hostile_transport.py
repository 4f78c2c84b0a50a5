"""Bad WebSocket frames and polling requests get a close code or a 4xx, never a 500 or a hang.

Regression tests for issue 13's transport findings, against a real
``pulseboard serve`` (eventlet) and, where the WebSocket stack differs
(simple-websocket), the threading and gevent servers.
"""

import time

import pytest

from support.clients import register
from support.raw import RawPolling, RawWebSocket, raw_http
from support.server import ServerProcess


def _start(tmp_path_factory, mode):
    server = ServerProcess(tmp_path_factory.mktemp(f"hostile-{mode}"), async_mode=mode).start()
    server.token = register(server.url)["token"]
    return server


@pytest.fixture(scope="module")
def eventlet_server(tmp_path_factory):
    server = _start(tmp_path_factory, "eventlet")
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["eventlet", "threading", "gevent"])
def any_server(request, tmp_path_factory, eventlet_server):
    if request.param == "eventlet":
        yield eventlet_server
        return
    server = _start(tmp_path_factory, request.param)
    yield server
    server.stop()


def no_tracebacks(server):
    log = server.log()
    assert "Traceback" not in log, log[-3000:]


def socket_on(server, namespace="/chat"):
    ws = RawWebSocket(server.url)
    assert ws.connect(namespace, server.token).startswith("40")
    return ws


@pytest.mark.parametrize("frame", [
    "NaN/chat", "hello", "", "0", "7", "4NaN/chat", "4", "4{}", "49/chat,", "2" + "[" * 3000,
    "42/chat," + "9" * 40 + '["rooms"]', "44/chat,{}",
])
def test_a_broken_packet_closes_with_1002_not_an_http_500(any_server, frame):
    ws = socket_on(any_server)
    try:
        ws.send(frame)
        assert ws.wait_close(10) == 1002
    finally:
        ws.close()
    no_tracebacks(any_server)


@pytest.mark.parametrize("frames", [
    ['451-/chat,1["message",{"_placeholder":true,"num":3}]'],       # points past the count
    ['452-/chat,1["message",{"_placeholder":true,"num":0}]'],       # announces 2, uses 1
    ['451-/chat,1["message",{"_placeholder":true,"num":0}]', '42/chat,2["rooms"]'],
])
def test_binary_attachment_mismatch_is_refused_not_wedged(any_server, frames):
    ws = socket_on(any_server)
    try:
        for frame in frames:
            ws.send(frame)
        assert ws.wait_close(10) == 1002
    finally:
        ws.close()
    no_tracebacks(any_server)


def test_fragments_are_refused_as_soon_as_they_pass_the_limit(any_server):
    ws = socket_on(any_server)
    try:
        ws.send_frame(1, b'42/chat,1["message",{"text":"' + b"a" * 600_000, fin=False)
        ws.send_frame(0, b"a" * 600_000, fin=False)
        assert ws.wait_close(10) == 1009  # the second fragment passed 1 MB
    finally:
        ws.close()


@pytest.mark.parametrize("frames", [
    [(1, b'42/chat,1["message",{"text":"' + b"a" * 600_000, False), (0, b"a" * 600_000, False)],
    [(1, b'42/chat,1["message",{"text":"' + b"a" * 2_000_000 + b'"}]', True)],
], ids=["two fragments", "one frame"])
def test_a_client_still_sending_gets_the_close_code_when_it_reads_late(any_server, frames):
    """The refused client's unread bytes must not turn the close into a TCP reset.

    A socket closed with unread data resets the connection, and a reset makes
    the peer drop what it had not read yet: the close frame with its 1009.
    """
    if any_server.async_mode == "threading":
        pytest.skip("the development server: simple-websocket closes its only socket itself")
    ws = socket_on(any_server)
    try:
        for opcode, payload, fin in frames:
            ws.send_frame(opcode, payload, fin=fin)
        time.sleep(1.5)  # the server has refused and closed by now
        assert ws.wait_close(10) == 1009
    finally:
        ws.close()


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0])


def test_fragmented_memory_stays_bounded(eventlet_server):
    rss = lambda: rss_kb(eventlet_server.process.pid)  # noqa: E731
    before = rss()
    ws = socket_on(eventlet_server)
    try:
        ws.send_frame(1, b'42/chat,1["x","', fin=False)
        for _ in range(20):
            try:
                ws.send_frame(0, b"b" * 1_000_000, fin=False)
            except OSError:
                break  # the server has closed: the rest is never buffered
        assert ws.wait_close(10) in (1009, None)  # None: our late fragments reset it
    finally:
        ws.close()
    assert rss() - before < 20_000, "the server buffered the fragments (KB)"


def test_invalid_utf8_closes_with_1007(any_server):
    ws = socket_on(any_server)
    try:
        ws.send_frame(1, b'42/chat,1["\xff\xfe"]')
        assert ws.wait_close(10) == 1007
    finally:
        ws.close()


def test_a_lone_surrogate_token_is_refused_not_hung(any_server):
    ws = RawWebSocket(any_server.url)
    try:
        reply = ws.connect("/chat", "\ud800")
        assert reply.startswith("44/chat,") and "unauthorized" in reply
    finally:
        ws.close()
    no_tracebacks(any_server)


def test_the_default_namespace_needs_a_token(any_server):
    ws = RawWebSocket(any_server.url)
    try:
        assert ws.connect("/", None) == '44{"message":"unauthorized"}'
        assert ws.connect("/", any_server.token).startswith("40{")
        ws.send('421["anything"]')
        assert ws.ack("/", 1)["error"]["code"] == "not_found"
    finally:
        ws.close()


@pytest.mark.parametrize("body", [
    "NaN/chat", "4NaN/chat", "4" + "[" * 3000, "49", "b!!!", "6", "2", "0",
    "\x1e".join(["3"] * 20), '451-/chat,["x",{"_placeholder":true,"num":0}]',
])
def test_a_malformed_polling_post_answers_400_at_once(any_server, body):
    session = RawPolling(any_server.url)
    try:
        started = time.monotonic()
        response = session.post(body, timeout=10)
        assert response.status_code == 400, response.text
        assert time.monotonic() - started < 5
        closed = session.post("3", timeout=10)  # the session was closed: 400, never 500
        assert closed.status_code == 400
    finally:
        session.close()
    no_tracebacks(any_server)


def test_an_oversized_polling_post_answers_413_and_frees_the_session(eventlet_server):
    session = RawPolling(eventlet_server.url)
    try:
        started = time.monotonic()
        response = session.post(b"4" + b"x" * 1_000_001, timeout=10)
        assert response.status_code == 413 and time.monotonic() - started < 3
        assert session.post("3", timeout=10).status_code == 400
    finally:
        session.close()
    no_tracebacks(eventlet_server)


def test_a_polling_body_that_never_comes_is_answered_within_the_ping_timeout(eventlet_server):
    session = RawPolling(eventlet_server.url)
    request = (f"POST /socket.io/?EIO=4&transport=polling&sid={session.sid} HTTP/1.1\r\n"
               "Host: x\r\nContent-Length: 10\r\n\r\n40").encode()
    started = time.monotonic()
    reply = raw_http("127.0.0.1", eventlet_server.port, request, timeout=30)
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert time.monotonic() - started <= 20 + 5  # ping timeout (20 s) plus margin
    session.close()
