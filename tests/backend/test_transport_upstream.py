"""Pins on the upstream behaviour pulseboard.transport covers (and the covers themselves).

Each ``test_upstream_*`` asserts what python-engineio 4.15, python-socketio
5.18, Flask-SocketIO 5.7 or eventlet 0.41 does today. When an upgrade makes
one fail, the cover it names may be obsolete (or must change): read the
module docstring it points to before removing anything.
"""

import inspect
import threading

import engineio
import pytest
import socketio
from engineio import packet as eio_packet
from flask import Flask
from flask_socketio import SocketIO

from pulseboard.transport import guard, packets, polling, sessions, strict_json, websocket

# -- upstream behaviour --------------------------------------------------------------


#: Private names of python-socketio that pulseboard.transport calls or
#: replaces, with the signature each relies on. An upgrade that renames or
#: reshapes one fails here before it breaks a guard silently. (Namespaces
#: dispatch through Flask-SocketIO's public trigger_event: nothing of its own
#: private API is pinned.)
PRIVATE_API = [
    (socketio.Server, "_handle_eio_message", ["self", "eio_sid", "data"]),
    (socketio.Server, "_handle_event", ["self", "eio_sid", "namespace", "id", "data"]),
    (socketio.Server, "_send_packet", ["self", "eio_sid", "pkt"]),
    (socketio.Server, "_handle_eio_connect", ["self", "eio_sid", "environ"]),
    (socketio.Server, "_handle_eio_disconnect", ["self", "eio_sid", "reason"]),
]


@pytest.mark.parametrize(("owner", "name", "parameters"), PRIVATE_API,
                         ids=[f"{o.__module__}.{o.__name__}.{n}" for o, n, _ in PRIVATE_API])
def test_upstream_private_names_the_guards_rely_on(owner, name, parameters):
    assert list(inspect.signature(getattr(owner, name)).parameters) == parameters


def test_upstream_engineio_keeps_its_websocket_class_in_async():
    """Covered by websocket.install, which swaps ``_async["websocket"]``."""
    server = engineio.Server(async_mode="threading")
    assert callable(server._async["websocket"])
    sio = socketio.Server(async_mode="threading")
    assert isinstance(sio._binary_packet, dict)



def test_upstream_engineio_raises_on_a_non_digit_packet_type():
    """Covered by packets.check_engineio_packet (websocket.py, polling.py)."""
    with pytest.raises(ValueError):
        eio_packet.Packet(encoded_packet="NaN/chat")


def test_upstream_engineio_websocket_loop_decodes_outside_its_try():
    """A ValueError from decoding escaped into eventlet: HTTP 500 inside the WebSocket."""
    source = inspect.getsource(engineio.socket.Socket._websocket_handler)
    assert "pkt = packet.Packet(encoded_packet=p)\n            try:" in source


def test_upstream_socketio_accepts_nan_and_100_digit_ids():
    """Covered by packets.StrictPacket."""
    pkt = socketio.packet.Packet(encoded_packet='2' + "9" * 99 + '["x",NaN]')
    assert pkt.id == int("9" * 99) and pkt.data[1] != pkt.data[1]


def test_upstream_socketio_dispatches_reserved_names_from_clients():
    """Covered by guard.PacketGuard.handle_event (looked up on the instance)."""
    assert socketio.Server.reserved_events == ["connect", "disconnect"]
    assert "self._handle_event(eio_sid" in inspect.getsource(socketio.Server._handle_eio_message)
    assert "data[0]" in inspect.getsource(socketio.Server._handle_event_internal)


def test_upstream_socketio_takes_a_serializer_class():
    app = Flask(__name__)
    sio = SocketIO(app, async_mode="threading", serializer=packets.StrictPacket)
    assert sio.server.packet_class is packets.StrictPacket
    assert isinstance(sio.server._binary_packet, dict)


def test_upstream_engineio_close_waits_for_the_client_to_drain():
    """Covered by sessions.SessionLimits._close and polling's NOOP/PING refusal."""
    server = engineio.Server(async_mode="threading", monitor_clients=False)
    sock = engineio.socket.Socket(server, "sid1")
    sock.send(eio_packet.Packet(eio_packet.MESSAGE, data="x"))
    closer = threading.Thread(target=sock.close, daemon=True)
    closer.start()
    closer.join(0.5)
    assert closer.is_alive(), "close() no longer waits: the cover may be obsolete"
    while not sock.queue.empty():  # let it finish
        sock.queue.get()
        sock.queue.task_done()
    closer.join(2)


def test_upstream_engineio_post_to_a_closed_session_raises_keyerror():
    """Covered by polling.PollingGuard (400 Invalid session)."""
    server = engineio.Server(async_mode="threading", monitor_clients=False)
    sock = engineio.socket.Socket(server, "sid2")
    sock.connected = sock.closed = True
    server.sockets["sid2"] = sock
    environ = {"REQUEST_METHOD": "POST", "QUERY_STRING": "EIO=4&transport=polling&sid=sid2"}
    with pytest.raises(KeyError):
        server.handle_request(environ, lambda *a: None)


def test_upstream_eventlet_buffers_fragments_without_a_total_bound():
    """Covered by websocket.bounded_message_class (1009 as soon as the total passes)."""
    from eventlet.websocket import RFC6455WebSocket

    message = RFC6455WebSocket.Message(1, 10)
    for _ in range(5):
        message.push(b"x" * 10)  # 50 bytes past a 10-byte limit: no complaint
    assert "self.Message(" in inspect.getsource(RFC6455WebSocket._recv_frame)


def test_upstream_simple_websocket_gets_no_message_size():
    """Covered by websocket.simple_websocket_class (max_message_size passed)."""
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    assert SimpleWebSocketWSGI(lambda ws: None, None).server_args == {}


def test_upstream_websocket_handler_is_a_socket_method():
    """The guarded WebSocket apps find the Engine.IO socket as handler.__self__."""
    assert "self._websocket_handler" in inspect.getsource(
        engineio.socket.Socket._upgrade_websocket)
    assert "self._websocket_handler" in inspect.getsource(engineio.server.Server._handle_connect) \
        or "s.handle_get_request" in inspect.getsource(engineio.server.Server._handle_connect)


# -- the covers ----------------------------------------------------------------------


def test_bounded_message_refuses_past_the_limit_and_bad_utf8():
    from eventlet.websocket import FailedConnectionError, RFC6455WebSocket

    bounded = websocket.bounded_message_class(RFC6455WebSocket.Message)
    message = bounded(1, 10)
    message.push(b"x" * 6)
    with pytest.raises(FailedConnectionError) as too_big:
        message.push(b"x" * 6)
    assert too_big.value.status == 1009
    text = bounded(1, 100, decoder=RFC6455WebSocket.UTF8Decoder())
    text.push(b"\xff", final=True)
    with pytest.raises(FailedConnectionError) as invalid:
        text.getvalue()
    assert invalid.value.status == 1007


@pytest.mark.parametrize("encoded", [
    "", "x", "7", "0", "4", "4x", "2[[[", "1junk", "NaN/chat", "4NaN",
])
def test_engineio_packets_refused(encoded):
    with pytest.raises(packets.ProtocolError):
        packets.check_engineio_packet(encoded)


@pytest.mark.parametrize("encoded", ["2probe", "3probe", "5", "6", "1", "40", '42["x"]', b"\x00"])
def test_engineio_packets_accepted(encoded):
    packets.check_engineio_packet(encoded)


def test_polling_accepts_only_what_python_engineio_handles():
    for kind in "0256":
        with pytest.raises(packets.ProtocolError):
            packets.decode_polling_payload(kind.encode())
    packets.decode_polling_payload(b'3\x1e40/chat,\x1e42["x"]\x1e1')


@pytest.mark.parametrize(("encoded", "why"), [
    ("9", "type"), ("5-[]", "announce"), ("511-[]", "attachments"), ("50-[]", "attachments"),
    ('51-["x",{"_placeholder":true,"num":1}]', "placeholders"),
    ('52-["x",{"_placeholder":true,"num":0}]', "placeholders"),
    ('51-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]', "placeholders"),
    ('51-["x",NaN]', "payload"), ("2" + "1" * 16 + '["x"]', "too long"),
    ("0/" + "n" * 65 + ",", "namespace"),
])
def test_strict_packet_header_errors(encoded, why):
    with pytest.raises(packets.ProtocolError, match=why):
        packets.StrictPacket(encoded_packet=encoded)


def test_strict_packet_keeps_the_header_of_a_refused_payload():
    pkt = packets.StrictPacket(encoded_packet='2/chat,12["message",{"text":NaN}]')
    assert (pkt.namespace, pkt.id) == ("/chat", 12)
    assert isinstance(pkt.data, packets.Refused) and "NaN" in pkt.data.reason
    assert guard.event_refusal(pkt.data).startswith("payload refused")


def test_strict_packet_decodes_what_socket_io_client_sends():
    pkt = packets.StrictPacket(encoded_packet='2/chat,3["message",{"room":"general","text":"hé"}]')
    assert (pkt.packet_type, pkt.namespace, pkt.id) == (2, "/chat", 3)
    assert pkt.data == ["message", {"room": "general", "text": "hé"}]
    binary = packets.StrictPacket(encoded_packet='51-/x,["up",{"_placeholder":true,"num":0}]')
    assert binary.attachment_count == 1
    with pytest.raises(packets.ProtocolError):
        binary.add_attachment("text, not bytes")
    assert binary.add_attachment(b"\x01") is True and binary.data == ["up", b"\x01"]


@pytest.mark.parametrize("data", [None, [], {}, "x", [5], [""], ["a" * 65], ["connect"],
                                  ["disconnect", 1], ["newListener"]])
def test_event_refusals(data):
    assert guard.event_refusal(data) is not None


def test_rate_limited_warnings(caplog):
    limited = guard.RateLimitedLog(interval=60)
    for _ in range(50):
        limited.warning("kind", "something %s", "bad")
    assert len(caplog.records) == 1 and limited.suppressed == 49


def test_pending_sessions_are_evicted_oldest_first_and_expire():
    server = socketio.Server(async_mode="threading")
    limits = sessions.SessionLimits(server, max_pending=2, pending_timeout=5)
    limits._sweeping = True  # no background task in a unit test
    closed = []
    for sid in ("a", "b", "c"):
        sock = engineio.socket.Socket(server.eio, sid)
        sock.close = lambda wait=True, reason=None, sid=sid: closed.append(sid) or \
            limits.on_disconnect(sid, reason)
        server.eio.sockets[sid] = sock
        limits.on_connect(sid, {})
    assert closed == ["a"] and list(limits.pending) == ["b", "c"]
    limits.authenticated("b")
    assert limits.is_member("b") and list(limits.pending) == ["c"]
    assert limits.sweep(now=limits.pending["c"] + 6) == 1 and closed == ["a", "c"]


def test_read_body_gives_up_after_the_timeout():
    import eventlet

    class Slow:
        def read(self, n):
            eventlet.sleep(5)
            return b"x" * n

    assert polling.read_body({"wsgi.input": Slow()}, 3, 0.1, "eventlet") is None


def test_strict_json_is_cheap_for_a_chat_message():
    import json
    import timeit

    message = json.dumps(["message", {"room": "general", "text": "hello " * 20, "client_id": "c1"}])
    plain = min(timeit.repeat(lambda: json.loads(message), number=2000, repeat=5))
    strict = min(timeit.repeat(lambda: strict_json.loads(message), number=2000, repeat=5))
    assert strict < plain * 2 + 0.002  # generous: a loaded CI machine


class _Bytes(bytes):
    pass


class _List(list):
    pass


@pytest.mark.parametrize("data", [
    None, 1, "x", b"x", bytearray(b"x"), [], {}, ["points", {"stream": "s", "points": []}],
    ["points", {"stream": "s", "points": [[1, 2.5]] * 1000}],
    ["points", {"stream": "s", "points": [[1, 2.5]] * 999 + [[1, b"x"]]}],
    [{"a": [{"b": [1, {"c": bytearray(b"y")}]}]}], [(b"in a tuple",)], ({"k": b"v"},),
    [_Bytes(b"sub")], _List([1, [b"x"]]), [_List([2, 3])], [1, "a", None, True, [[[[b""]]]]],
    {"nested": {"deeper": [1.5, "t", {"bin": b"z"}]}}, [object(), [1, 2]],
])
def test_strict_packet_finds_binary_where_upstream_does(data):
    upstream = socketio.packet.Packet.data_is_binary(data)
    assert packets.StrictPacket.data_is_binary(data) is upstream
