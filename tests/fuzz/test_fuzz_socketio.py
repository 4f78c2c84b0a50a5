"""Fuzz the Engine.IO/Socket.IO framing and every event's payload on all four namespaces.

Rules asserted (issue 13): a bad packet closes its WebSocket with 1002, 1007
or 1009 or is answered with an ack; an event with an ack id is always acked,
with a contract error code and never ``internal``; the server stays up and
logs no traceback. Seeded (``FUZZ_SEED``) and bounded (``FUZZ_SECONDS``).
"""

import json
import time

import requests
import websocket

from support.raw import Closed, RawWebSocket

from .generators import BUDGET, Hostile

EVENTS = {
    "/charts": ["streams", "subscribe", "unsubscribe"],
    "/chat": ["rooms", "join", "leave", "message", "dm", "history", "resume", "dm_history",
              "conversations"],
    "/logs": ["tasks", "cancel", "subscribe", "unsubscribe"],  # no `start`: it runs processes
    "/debug": ["subscribe", "unsubscribe"],
}
CODES = {"bad_request", "unauthorized", "forbidden", "not_found", "rate_limited", "too_large"}
CLOSE_CODES = {1002, 1007, 1009}


def check_ack(ack, case):
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), case
    if not ack["ok"]:
        assert ack["error"]["code"] in CODES, (case, ack)


def healthy(server):
    assert requests.get(f"{server.url}/api/health", timeout=10).status_code == 200
    assert server.process.poll() is None


def test_every_event_payload_is_acked(fuzz_server):
    fuzz = Hostile(seed=1301)
    sockets = {}
    cases = 0
    deadline = time.monotonic() + BUDGET
    while time.monotonic() < deadline:
        namespace = fuzz.choice(sorted(EVENTS))
        if namespace not in sockets:
            sockets[namespace] = RawWebSocket(fuzz_server.url)
            assert sockets[namespace].connect(namespace, fuzz_server.token).startswith("40")
        ws = sockets[namespace]
        event = fuzz.choice(EVENTS[namespace] + ["nope", "connect", "disconnect", ""])
        payload = fuzz.json_text()
        case = (namespace, event, payload[:200])
        cases += 1
        ws.send(f"42{namespace},{cases}[{json.dumps(event)},{payload}]")
        check_ack(ws.ack(namespace, cases, timeout=10), case)
    for ws in sockets.values():
        ws.close()
    assert cases > 20
    healthy(fuzz_server)


def test_framing_closes_or_answers(fuzz_server):
    fuzz = Hostile(seed=1302)
    ws = None
    cases = closes = 0
    deadline = time.monotonic() + BUDGET
    while time.monotonic() < deadline:
        namespace = fuzz.choice(sorted(EVENTS))
        if ws is None:
            ws = RawWebSocket(fuzz_server.url)
            assert ws.connect(namespace, fuzz_server.token).startswith("40")
            connected = namespace
        cases += 1
        packet = fuzz.socketio_packet(connected, fuzz.choice(EVENTS[connected]), cases)
        frame = fuzz.choice(["4", "4", "4", "", "b", "6", "2"]) + packet
        # Then a probe: the session answers a well-formed event, or was closed properly.
        try:
            ws.send(frame)
            if frame.startswith(f"41{connected}"):  # a valid DISCONNECT: join again
                assert ws.connect(connected, fuzz_server.token).startswith("40")
            ws.send(f'42{connected},{10**9 + cases}["{EVENTS[connected][0]}"]')
            ws.ack(connected, 10**9 + cases, timeout=10)
        except Closed as closed:
            assert closed.code in CLOSE_CODES, (frame[:200], closed.code)
            closes += 1
        except websocket.WebSocketException as exc:  # e.g. an HTTP response in the stream
            raise AssertionError(f"{frame[:200]!r}: {exc}") from exc
        except OSError:  # our probe hit a socket the server had closed (RST)
            code = ws.wait_close(5)
            assert code in CLOSE_CODES | {None}, (frame[:200], code)
            closes += 1
        else:
            continue
        ws.close()
        ws = None
    if ws is not None:
        ws.close()
    assert cases > 10 and closes > 0
    healthy(fuzz_server)


def test_binary_frames_and_attachments(fuzz_server):
    fuzz = Hostile(seed=1303)
    deadline = time.monotonic() + BUDGET / 3
    cases = 0
    while time.monotonic() < deadline:
        ws = RawWebSocket(fuzz_server.url)
        ws.connect("/chat", fuzz_server.token)
        count = fuzz.rng.randint(0, 3)
        nums = [fuzz.rng.randint(-1, 3) for _ in range(fuzz.rng.randint(0, 3))]
        placeholders = ",".join(f'{{"_placeholder":true,"num":{n}}}' for n in nums)
        try:
            ws.send(f'5{count}-/chat,7["message"{"," if nums else ""}{placeholders}]')
            for _ in range(fuzz.rng.randint(0, 3)):
                ws.send(fuzz.choice([b"\x01\x02", '42/chat,8["rooms"]', b""]))
            ws.send('42/chat,9["rooms"]')
            while True:  # acks 7 (bad_request), 8 and 9, or a 1002 close
                packet = ws.next_packet(lambda p: p.startswith("43/chat,"), timeout=10)
                if packet.startswith("43/chat,9"):
                    break
        except Closed as closed:
            assert closed.code in CLOSE_CODES
        except OSError:  # we kept sending after the server closed (RST)
            assert ws.wait_close(5) in CLOSE_CODES | {None}
        ws.close()
        cases += 1
    assert cases > 3
    healthy(fuzz_server)


def test_no_tracebacks_after_fuzzing(fuzz_server):
    log = fuzz_server.log()
    assert "Traceback" not in log, log[-4000:]
    assert log.count("WARNING pulseboard.transport") < 200  # rate-limited, one line each
