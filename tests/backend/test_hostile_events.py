"""Every event sent with an ack is acked, whatever its payload, on all four namespaces.

Regression tests for issue 13's event findings, through a real
python-socketio client where it can send the payload and a raw WebSocket
where it cannot (deep nesting, NaN, lone surrogates).
"""

import pytest

from support.clients import SocketClient, register, wait_until
from support.raw import RawWebSocket
from support.server import ServerProcess

NAMESPACES = ("/charts", "/chat", "/logs", "/debug")
#: Events of each namespace that take no payload.
NO_PAYLOAD = {"/charts": ["streams"], "/chat": ["rooms", "conversations"],
              "/logs": ["tasks"], "/debug": ["unsubscribe"]}


@pytest.fixture(scope="module")
def events_server(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("events")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def account(events_server):
    return register(events_server.url)


@pytest.fixture
def raw(events_server, account):
    sockets = []

    def open_on(namespace):
        ws = RawWebSocket(events_server.url)
        assert ws.connect(namespace, account["token"]).startswith("40")
        sockets.append(ws)
        return ws

    yield open_on
    for ws in sockets:
        ws.close()


def code_of(ack):
    assert ack["ok"] is False and ack["error"]["message"], ack
    return ack["error"]["code"]


DEEP = "[" * 3000 + "]" * 3000


@pytest.mark.parametrize("namespace", NAMESPACES)
@pytest.mark.parametrize("payload", [
    DEEP, '{"x":' * 3000 + "1" + "}" * 3000, "NaN", '{"room": Infinity}',
    '"\\ud800"', '{"\\udfff": 1}', "1" * 400, "1e400",
])
def test_hostile_payloads_are_bad_request(raw, namespace, payload):
    ws = raw(namespace)
    ws.send(f'42{namespace},7["subscribe",{payload}]')
    assert code_of(ws.ack(namespace, 7)) == "bad_request"


@pytest.mark.parametrize("namespace", NAMESPACES)
@pytest.mark.parametrize("name", ["connect", "disconnect", "connect_error", "disconnecting"])
def test_lifecycle_names_are_refused_and_run_nothing(events_server, account, namespace, name):
    client = SocketClient(events_server.url, namespace, account["token"]).connect()
    try:
        assert code_of(client.call(name, {"x": 1})) == "bad_request"
        assert code_of(client.call(name)) == "bad_request"
        # The socket is still authenticated: its next event is handled normally.
        if namespace == "/chat":
            assert client.call("join", {"room": "general"})["ok"] is True
        else:
            follow_up = NO_PAYLOAD[namespace][0]
            assert client.call(follow_up)["ok"] is True
    finally:
        client.close()


def test_an_emitted_disconnect_does_not_show_the_user_offline(events_server, account):
    other = register(events_server.url)
    mallory = SocketClient(events_server.url, "/chat", account["token"]).connect()
    watcher = SocketClient(events_server.url, "/chat", other["token"]).connect()
    try:
        assert mallory.call("join", {"room": "presence-probe"})["ok"] is True
        joined = watcher.call("join", {"room": "presence-probe"})
        assert account["user"]["username"] in joined["members"]
        assert code_of(mallory.call("disconnect")) == "bad_request"
        assert mallory.call("message", {"room": "presence-probe", "text": "still here"})["ok"]
        assert not wait_until(lambda: any(not p["online"] for p in watcher.events("presence")),
                              timeout=1)
    finally:
        mallory.close()
        watcher.close()


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_events_without_a_payload_refuse_one(events_server, account, namespace):
    client = SocketClient(events_server.url, namespace, account["token"]).connect()
    try:
        for event in NO_PAYLOAD[namespace]:
            assert client.call(event)["ok"] is True
            assert client.call(event, {})["ok"] is True
            for payload in (True, 5, "x", [1], {"extra": 1}):
                assert code_of(client.call(event, payload)) == "bad_request", (event, payload)
    finally:
        client.close()


@pytest.mark.parametrize(("namespace", "event", "payload"), [
    ("/chat", "history", {"room": "general", "before_id": 2**63}),
    ("/chat", "history", {"room": "general", "before_id": 10**20}),
    ("/chat", "resume", {"room": "general", "after_id": 2**63}),
    ("/chat", "dm_history", {"with": "nobody", "after_id": 10**20}),
    ("/chat", "message", {"room": "general", "text": 1e20}),
    ("/chat", "join", {"room": "fz\n"}),
    ("/logs", "subscribe", {"task_id": 2**63}),
    ("/logs", "cancel", {"task_id": 10**20}),
    ("/logs", "subscribe", {"task_id": 1, "after_seq": 2**63}),
    ("/debug", "subscribe", {"sources": ["fz\n"]}),
    ("/charts", "subscribe", {"stream": "x" * 65}),
])
def test_huge_numbers_and_bad_names_are_bad_request(events_server, account, namespace, event,
                                                    payload):
    client = SocketClient(events_server.url, namespace, account["token"]).connect()
    try:
        if namespace == "/chat" and event in ("history", "resume"):
            assert client.call("join", {"room": "general"})["ok"] is True
        assert code_of(client.call(event, payload)) == "bad_request"
    finally:
        client.close()
    assert "Traceback" not in events_server.log()


def test_a_room_with_a_trailing_newline_is_not_joined(events_server, account):
    client = SocketClient(events_server.url, "/chat", account["token"]).connect()
    try:
        assert code_of(client.call("join", {"room": "fz\n"})) == "bad_request"
        assert code_of(client.call("message", {"room": "fz\n", "text": "hi"})) == "bad_request"
    finally:
        client.close()


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_more_than_one_payload_argument_is_bad_request(raw, namespace):
    ws = raw(namespace)
    event = NO_PAYLOAD[namespace][0]
    ws.send(f'42{namespace},3["{event}",{{}},{{}}]')
    assert code_of(ws.ack(namespace, 3)) == "bad_request"
