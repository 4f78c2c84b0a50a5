"""No parked writer greenlet per WebSocket (pulseboard.transport.direct_writes).

A real python-socketio server under eventlet runs in a child process with
Pulseboard's WebSocket transport and ping timer, with or without the direct
writes; real python-socketio clients connect (over WebSocket, or polling
then upgrading), stay idle across several ping intervals, receive bursts and
are disconnected by the server. The child counts its greenlets, the
sends of a burst on the real sockets, and for a room emit the greenlets
spawned and the frames packed; a client that does not read shows that a
full socket waits in its own greenlet without holding the others up.
"""

import contextlib
import inspect
import json
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import engineio
import pytest
import requests
import socketio
import websocket

from pulseboard.transport import direct_writes
from support.clients import register
from support.raw import EIO_QUERY, RawPolling
from support.server import ServerProcess

CLIENTS = 20
BURST = 10
PING_INTERVAL = 1.0
PING_TIMEOUT = 2.0  # generous: the clients share two busy cores

SERVER_SCRIPT = textwrap.dedent(f"""
    import eventlet
    eventlet.monkey_patch()
    import contextlib, gc, sys
    import greenlet
    import socketio
    from eventlet import wsgi
    from pulseboard.transport import direct_writes, ping_timer, websocket

    server = socketio.Server(async_mode="eventlet", ping_interval={PING_INTERVAL},
                             ping_timeout={PING_TIMEOUT})
    websocket.install(server.eio)
    ping_timer.install(server.eio)
    writes = []
    # Every write reaches the real socket's send(): eventlet's sendall() and
    # the direct writes' rounds alike. Counted there, one per system call.
    real_socket = eventlet.patcher.original("socket").socket
    plain_send = real_socket.send

    def counted_send(sock, data, *args):
        writes.append(len(data))
        return plain_send(sock, data, *args)

    @server.on("census")
    def census(sid):
        gc.collect()
        alive = [g for g in gc.get_objects() if isinstance(g, greenlet.greenlet) and not g.dead]
        return {{"greenlets": len(alive), "connected": len(server.eio.sockets)}}

    @server.on("burst")
    def burst(sid):
        writes.clear()
        real_socket.send = counted_send
        for i in range({BURST}):  # queued without yielding: one write
            server.emit("m", i, to=sid)
        return "ack"  # python-socketio sends the ack after the burst, in the same turn

    spawned, packed = [], []
    plain_spawn_n = eventlet.spawn_n
    def counted_spawn_n(*args, **kwargs):
        spawned.append(1)
        return plain_spawn_n(*args, **kwargs)
    eventlet.spawn_n = counted_spawn_n
    from eventlet.websocket import RFC6455WebSocket
    plain_pack = RFC6455WebSocket._pack_message
    def counted_pack(ws, *args, **kwargs):
        packed.append(1)
        return plain_pack(ws, *args, **kwargs)
    RFC6455WebSocket._pack_message = counted_pack

    @server.on("join")
    def join(sid):
        server.enter_room(sid, "all")

    @server.on("broadcast")
    def broadcast(sid, count, size):
        spawned.clear()
        packed.clear()
        for i in range(count):
            server.emit("b", (i, "x" * size), to="all")
        eventlet.sleep(0)  # the write round runs
        return {{"spawned": len(spawned), "packed": len(packed)}}

    @server.on("broadcast_written")
    def broadcast_written(sid, block, emits):
        # The sends made inside the block, and by its end; all before this handler yields.
        writes.clear()
        real_socket.send = counted_send
        written = contextlib.nullcontext() if block is None else (
            direct_writes.written_by_exit(server.eio, one_emit=block == "one_emit"))
        with written:
            for i in range(emits):
                server.emit("b", (i, "x"), to="all")
            inside = len(writes)
        real_socket.send = plain_send
        return [inside, len(writes)]

    @server.on("broadcast_to_a_full_socket")
    def broadcast_to_a_full_socket(sid, count, size):
        for i in range(count):
            server.emit("b", (i, "x" * size), to="all")
        eventlet.sleep(0)  # the round ran; what it spawned has not yet
        # The send lock of every socket with the rest of a frame still to go:
        # held, or a pong or close frame could be written inside that frame.
        return [s.queue._ws._ws._sendlock.locked() for s in server.eio.sockets.values()
                if isinstance(s.queue, direct_writes.DirectWriter) and s.queue._writing]

    @server.on("report")
    def report(sid):
        real_socket.send = plain_send
        return writes

    @server.on("kick")
    def kick(sid):
        server.emit("bye", to=sid)
        server.disconnect(sid)

    if sys.argv[1] == "direct":
        direct_writes.install(server.eio)
    listener = eventlet.listen(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    eventlet.spawn_after(60, sys.exit)  # never outlives a broken test
    wsgi.server(listener, socketio.WSGIApp(server), log_output=False)
""")


class Child:
    """The server script in a child process; ``url`` once it listens."""

    def __init__(self, mode: str):
        self.process = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, mode],
                                        stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def client(self, transports=("websocket",)) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.connect(self.url, transports=list(transports))
        return client

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)


def _wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _idle_census(mode: str) -> tuple[dict, int]:
    child, clients = Child(mode), []
    try:
        clients = [child.client() for _ in range(CLIENTS)]
        time.sleep(4 * PING_INTERVAL)  # pings (written by the writer) kept them connected
        up = sum(client.connected for client in clients)
        return clients[0].call("census", timeout=10), up
    finally:
        for client in clients:
            client.disconnect()
        child.stop()


def test_idle_websockets_hold_no_writer_greenlet():
    upstream, up_upstream = _idle_census("upstream")
    direct, up_direct = _idle_census("direct")
    assert up_upstream == up_direct == CLIENTS
    assert upstream["connected"] == direct["connected"] == CLIENTS
    # python-engineio parks a writer greenlet per WebSocket; the direct writes none.
    assert upstream["greenlets"] - direct["greenlets"] >= CLIENTS - 2, (upstream, direct)


def _burst(child: Child, transports) -> tuple[list, object, list]:
    received = []
    client = socketio.Client(reconnection=False)
    client.on("m", received.append)
    client.connect(child.url, transports=list(transports))
    try:
        if "polling" in transports:
            _wait_for(lambda: client.transport() == "websocket")
        ack = client.call("burst", timeout=10)
        _wait_for(lambda: len(received) >= BURST)
        return received, ack, client.call("report", timeout=10)
    finally:
        client.disconnect()


def test_a_burst_and_its_ack_leave_in_one_write_in_order():
    child = Child("direct")
    try:
        received, ack, writes = _burst(child, ["websocket"])
        assert received == list(range(BURST)) and ack == "ack"
        assert len(writes) == 1, writes  # ten messages and the ack: one segment
        # After an upgrade from long-polling, the same.
        received, ack, writes = _burst(child, ["polling", "websocket"])
        assert received == list(range(BURST)) and ack == "ack"
        assert len(writes) == 1, writes
    finally:
        child.stop()


@contextlib.contextmanager
def _room_of_clients():
    """CLIENTS clients of a direct-writes child, all in its room; what each got of "b"."""
    child, received = Child("direct"), {}
    clients = []
    try:
        for n in range(CLIENTS):
            clients.append(child.client())
            received[n] = []
            clients[n].on("b", lambda i, _text, n=n: received[n].append(i))
            clients[n].call("join", timeout=10)
        yield clients, received
    finally:
        for client in clients:
            client.disconnect()
        child.stop()


def test_a_room_emit_is_packed_once_and_written_by_one_greenlet():
    with _room_of_clients() as (clients, received):
        counts = clients[0].call("broadcast", (3, 10), timeout=10)
        _wait_for(lambda: all(len(got) == 3 for got in received.values()))
        assert all(got == [0, 1, 2] for got in received.values())
        # Three emits to twenty: three frames packed; the writes one round (one
        # greenlet; the handler's ack leaves in the next), not one per client.
        assert counts["packed"] == 3 and counts["spawned"] <= 2, counts


def test_emits_are_written_by_the_blocks_end_and_a_single_one_as_it_goes():
    with _room_of_clients() as (clients, received):
        def written(block, emits):
            for got in received.values():
                got.clear()
            counts = clients[0].call("broadcast_written", (block, emits), timeout=10)
            _wait_for(lambda: all(got == list(range(emits)) for got in received.values()))
            return counts

        # Left alone, the round waits for the emitter to yield: nothing written yet.
        assert written(None, 2) == [0, 0]
        # A batch: nothing while it emits, one send per client for both emits by its end.
        assert written("batch", 2) == [0, CLIENTS]
        # A single emit written through: every client while the emit runs.
        assert written("one_emit", 1) == [CLIENTS, CLIENTS]


def test_a_packet_is_packed_once_unless_a_socket_frames_it_its_own_way():
    from engineio import packet
    from eventlet.websocket import RFC6455WebSocket

    pkt = packet.Packet(packet.MESSAGE, '2["points",{"stream":"s"}]')
    plain = [RFC6455WebSocket(None, {}, 13) for _ in range(2)]
    first = direct_writes.frame_of(pkt, plain[0])
    assert direct_writes.frame_of(pkt, plain[1]) is first  # shared by every recipient
    assert first == plain[0]._pack_message(pkt.encode(), masked=False)
    deflating = RFC6455WebSocket(None, {}, 13, extensions={"permessage-deflate": {}})
    masked = RFC6455WebSocket(None, {}, 13, client=True)
    fresh = packet.Packet(packet.MESSAGE, "x")
    for ws in (deflating, masked):  # per-socket compression or a mask: its own frame
        assert direct_writes.frame_of(fresh, ws) is not direct_writes.frame_of(fresh, ws)


def test_a_client_that_does_not_read_waits_alone_and_gets_everything_in_order():
    """Also while it pings: eventlet's pong takes the send lock the rest of a frame holds."""
    child = Child("direct")
    reader, received = child.client(), []
    reader.on("b", lambda i, text: received.append((i, len(text))))
    stalled = websocket.create_connection(
        child.url.replace("http://", "ws://") + EIO_QUERY + "websocket", timeout=10)
    try:
        stalled.recv()  # the OPEN packet
        stalled.send("40")
        assert stalled.recv().startswith("40")
        stalled.send('42["join"]')
        reader.call("join", timeout=10)
        # 8 MB to a client that reads nothing: its socket fills and the rest waits.
        held = reader.call("broadcast_to_a_full_socket", (16, 500_000), timeout=30)
        # The stalled socket (and the reader's, if it fell behind) holds the lock.
        assert held and all(held), held
        stalled.ping(b"a pong waits for the rest of the frame")
        _wait_for(lambda: len(received) == 16)
        assert received == [(i, 500_000) for i in range(16)]  # the reader was not held up
        stalled_got = []
        while len(stalled_got) < 16:
            frame = stalled.recv()
            if frame.startswith('42["b"'):
                stalled_got.append(json.loads(frame[2:])[1:])
        assert [(i, len(text)) for i, text in stalled_got] == [(i, 500_000) for i in range(16)]
    finally:
        stalled.close()
        reader.disconnect()
        child.stop()


def test_a_server_disconnect_writes_what_was_sent_then_closes_and_frees_the_socket():
    child = Child("direct")
    try:
        watcher = child.client()
        kicked, got = child.client(), []
        kicked.on("bye", lambda: got.append("bye"))
        kicked.emit("kick")
        _wait_for(lambda: not kicked.connected)
        assert got == ["bye"]  # written before the close
        _wait_for(lambda: watcher.call("census", timeout=10)["connected"] == 1)
        # A client that leaves by itself is freed too, and the server keeps serving.
        child.client().disconnect()
        _wait_for(lambda: watcher.call("census", timeout=10)["connected"] == 1)
        watcher.disconnect()
    finally:
        child.stop()


# -- long-polls still in flight when the WebSocket takes over ----------------------


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    """A real ``pulseboard serve`` (eventlet: the direct writes are installed)."""
    server = ServerProcess(tmp_path_factory.mktemp("direct-writes")).start()
    server.token = register(server.url)["token"]
    yield server
    server.stop()


@pytest.mark.parametrize("polls, wait_for_probe", [
    (2, True),    # the upgrade's NOOP ends one poll; the other still waits on the old queue
    (1, False),   # "2probe" and "5" in one go: the NOOP is still queued when the writer takes over
    (3, False),
])
def test_long_polls_in_flight_during_an_upgrade_end_with_a_noop_not_a_500(serve, polls,
                                                                          wait_for_probe):
    """python-engineio's ``poll()`` calls ``queue.get(block=False)`` on the writer after waiting."""
    session = RawPolling(serve.url)
    poll_url = f"{session.url}&sid={session.sid}"
    ws_url = serve.url.replace("http://", "ws://") + EIO_QUERY + f"websocket&sid={session.sid}"
    with ThreadPoolExecutor(polls) as pool:
        waiting = [pool.submit(requests.get, poll_url, timeout=30) for _ in range(polls)]
        time.sleep(1.0)  # every poll is waiting in the server's queue
        ws = websocket.create_connection(ws_url, timeout=10, suppress_origin=True)
        try:
            ws.send("2probe")
            if wait_for_probe:
                assert ws.recv() == "3probe"
            ws.send("5")
            answers = [future.result(timeout=30) for future in waiting]
            assert [(a.status_code, a.text) for a in answers] == [(200, "6")] * polls
            # The session lives on over the WebSocket.
            ws.send("40" + json.dumps({"token": serve.token}))
            while (frame := ws.recv()) in ("3probe", "6", "2"):
                pass
            assert frame.startswith("40{"), frame
        finally:
            ws.close()
            session.close()
    log = serve.log()
    assert "Traceback" not in log and " 500 " not in log, log[-3000:]


# -- upstream behaviour the direct writes rely on ----------------------------------


def _writer_code():
    codes = [c for c in engineio.socket.Socket._websocket_handler.__code__.co_consts
             if inspect.iscode(c) and c.co_name == "writer"]
    assert len(codes) == 1
    return codes[0]


def test_upstream_engineio_starts_one_writer_task_per_websocket_that_polls_the_queue():
    """Covered by direct_writes: the writer task is recognised and replaced."""
    writer = _writer_code()
    assert writer.co_qualname == direct_writes.WRITER_QUALNAME
    assert set(writer.co_freevars) == {"self", "ws"}
    handler = inspect.getsource(engineio.socket.Socket._websocket_handler)
    assert "writer_task = self.server.start_background_task(writer)" in handler
    assert "packets = self.poll()" in handler and "ws.send(pkt.encode())" in handler
    assert "ws.close()" in handler  # the writer closes the WebSocket when it stops
    assert "self.queue.put(None)" in handler and "writer_task.join()" in handler
    # The engine.io socket reaches its writer through its queue only.
    send = inspect.getsource(engineio.socket.Socket.send)
    assert "self.queue.put(pkt)" in send
    close = inspect.getsource(engineio.socket.Socket.close)
    assert "self.queue.put(None)" in close and "self.queue.join()" in close


def test_upstream_eventlet_queue_and_websocket_as_direct_writes_expects():
    """Covered by direct_writes: the old queue is drained; frames packed and locked as eventlet."""
    from eventlet.queue import Queue
    from eventlet.websocket import RFC6455WebSocket

    assert all(hasattr(Queue, name) for name in ("empty", "get_nowait", "getting"))
    parameters = list(inspect.signature(RFC6455WebSocket._pack_message).parameters)
    assert parameters[:3] == ["self", "message", "masked"]
    assert "self._sendlock" in inspect.getsource(RFC6455WebSocket._send)
