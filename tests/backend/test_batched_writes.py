"""One write per WebSocket writer wake-up (pulseboard.transport.batched_writes).

The behaviour test runs a real python-socketio server under eventlet in a
child process, with Pulseboard's WebSocket transport installed, and a real
python-socketio client. The child counts the ``sendall()`` calls on the
client's connection while one handler queues a burst of packets.
"""

import inspect
import subprocess
import sys
import textwrap

import engineio
import socketio

BURST = 10

SERVER_SCRIPT = textwrap.dedent(f"""
    import eventlet
    eventlet.monkey_patch()
    import json, sys
    import socketio
    from eventlet import greenio, wsgi
    from pulseboard.transport import websocket

    writes = []
    plain_sendall = greenio.GreenSocket.sendall

    def counted_sendall(sock, data, *args):
        writes.append(len(data))
        return plain_sendall(sock, data, *args)

    server = socketio.Server(async_mode="eventlet")
    websocket.install(server.eio)

    @server.on("burst")
    def burst(sid):
        writes.clear()
        greenio.GreenSocket.sendall = counted_sendall
        for i in range({BURST}):  # queued without yielding: one writer wake-up
            server.emit("m", i, to=sid)

    @server.on("report")
    def report(sid):
        greenio.GreenSocket.sendall = plain_sendall
        return writes

    listener = eventlet.listen(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    eventlet.spawn_after(30, sys.exit)  # never outlives a broken test
    wsgi.server(listener, socketio.WSGIApp(server), log_output=False)
""")


def _burst_over_websocket():
    """Run the burst; return (messages received, sizes of the server's writes)."""
    child = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT], stdout=subprocess.PIPE,
                             text=True)
    try:
        port = int(child.stdout.readline())
        received = []
        client = socketio.Client()
        client.on("m", received.append)
        client.connect(f"http://127.0.0.1:{port}", transports=["websocket"])
        try:
            client.emit("burst")
            _wait_for(lambda: len(received) >= BURST)
            writes = client.call("report", timeout=10)
        finally:
            client.disconnect()
        return received, writes
    finally:
        child.kill()
        child.wait(timeout=10)


def _wait_for(condition, timeout=15.0):
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_burst_of_packets_leaves_in_one_write_in_order():
    messages, writes = _burst_over_websocket()
    assert messages == list(range(BURST))
    # One write for the burst (a second if the writer woke before the last put).
    assert 1 <= len(writes) <= 2, writes


# -- upstream behaviour the batching relies on -----------------------------------


def test_upstream_engineio_writer_polls_then_sends_each_packet():
    """Covered by batched_writes: ``poll`` is wrapped to flush, ``ws.send`` keeps frames."""
    source = inspect.getsource(engineio.socket.Socket._websocket_handler)
    assert "packets = self.poll()" in source
    assert "ws.send(pkt.encode())" in source
    assert "ws.close()" in source


def test_upstream_eventlet_websocket_packs_and_locks_as_batched_writes_expects():
    """Covered by batched_writes: frames packed with ``_pack_message``, sent under ``_sendlock``."""
    from eventlet.websocket import RFC6455WebSocket

    parameters = list(inspect.signature(RFC6455WebSocket._pack_message).parameters)
    assert parameters[:3] == ["self", "message", "masked"]
    source = inspect.getsource(RFC6455WebSocket._send)
    assert "self._sendlock" in source and "self.socket.sendall(frame)" in source
