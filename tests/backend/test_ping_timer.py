"""One timer for every connection's pings (pulseboard.transport.ping_timer).

A real python-socketio server under eventlet runs in a child process with
short ping settings and Pulseboard's ping timer; real python-socketio clients
stay connected across several ping intervals (a client that gets no ping
within interval + timeout drops the connection), and the child counts its
greenlets: with python-engineio's own scheduling each client parks one more.
"""

import inspect
import subprocess
import sys
import textwrap
import time

import engineio
import socketio

from pulseboard.transport import ping_timer

CLIENTS = 20
PING_INTERVAL = 0.5
PING_TIMEOUT = 0.6

SERVER_SCRIPT = textwrap.dedent(f"""
    import eventlet
    eventlet.monkey_patch()
    import gc, sys
    import greenlet
    import socketio
    from eventlet import wsgi
    from pulseboard.transport import ping_timer

    server = socketio.Server(async_mode="eventlet", ping_interval={PING_INTERVAL},
                             ping_timeout={PING_TIMEOUT})
    if sys.argv[1] == "timer":
        ping_timer.install(server.eio)
    pongs = []

    @server.on("census")
    def census(sid):
        alive = [g for g in gc.get_objects() if isinstance(g, greenlet.greenlet) and not g.dead]
        return {{"greenlets": len(alive), "connected": len(server.eio.sockets)}}

    listener = eventlet.listen(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    eventlet.spawn_after(60, sys.exit)  # never outlives a broken test
    wsgi.server(listener, socketio.WSGIApp(server), log_output=False)
""")


def _census_after_idle(mode: str, idle: float) -> tuple[dict, int]:
    """Connect CLIENTS, stay idle ``idle`` s; return the server's census and clients still up."""
    child = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, mode], stdout=subprocess.PIPE,
                             text=True)
    clients = []
    try:
        port = int(child.stdout.readline())
        for _ in range(CLIENTS):
            client = socketio.Client(reconnection=False)
            client.connect(f"http://127.0.0.1:{port}", transports=["websocket"])
            clients.append(client)
        time.sleep(idle)  # several ping intervals: what is asserted is who is still up
        up = sum(client.connected for client in clients)
        # A client whose ping is out (sent, pong not yet back) has no ping task
        # parked for that moment: the most of three looks counts every one.
        censuses = []
        for _ in range(3):
            censuses.append(clients[0].call("census", timeout=10))
            time.sleep(PING_INTERVAL / 3)
        return max(censuses, key=lambda census: census["greenlets"]), up
    finally:
        for client in clients:
            client.disconnect()
        child.kill()
        child.wait(timeout=10)


def test_idle_clients_keep_getting_pings_from_one_timer():
    idle = 6 * PING_INTERVAL
    upstream, up_upstream = _census_after_idle("upstream", idle)
    timer, up_timer = _census_after_idle("timer", idle)
    assert up_upstream == up_timer == CLIENTS  # pings kept every client connected
    assert upstream["connected"] == timer["connected"] == CLIENTS
    # python-engineio parks a ping greenlet per client; the timer needs none.
    assert upstream["greenlets"] - timer["greenlets"] >= CLIENTS - 2, (upstream, timer)


# -- upstream behaviour the timer relies on ---------------------------------------


def test_upstream_engineio_pings_from_a_sleeping_task_per_socket():
    """Covered by ping_timer: ``schedule_ping`` replaced, ``_send_ping``'s rule kept."""
    # The function install() replaced (the class may hold ours already: other tests built apps).
    schedule = inspect.getsource(ping_timer._upstream_schedule_ping)
    assert "if self.last_ping:" in schedule and "self.last_ping = None" in schedule
    assert "start_background_task(self._send_ping)" in schedule
    send = inspect.getsource(engineio.socket.Socket._send_ping)
    assert "self.server.sleep(self.server.ping_interval)" in send
    assert "if not self.closing and not self.closed:" in send
    assert "self.last_ping = time.time()" in send
    receive = inspect.getsource(engineio.socket.Socket.receive)
    assert "self.schedule_ping()" in receive
