"""A TCP proxy on a free loopback port that a test can cut off.

Put in front of Redis for one worker only, it makes that worker's Redis
connections fail while every other worker's stay up.
"""

import contextlib
import socket
import threading

from support.server import free_port


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``target``; :meth:`block` cuts it off.

    :param target: the port to forward to.
    """

    def __init__(self, target: int):
        self.target = target
        self.port = free_port()
        self.blocked = False
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stopped = False

    def start(self) -> "TcpProxy":
        """Start accepting connections (in a daemon thread)."""
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def block(self) -> None:
        """Close every open connection and refuse new ones until :meth:`unblock`."""
        with self._lock:
            self.blocked = True
            for sock in list(self._sockets):
                _close(sock)
            self._sockets.clear()

    def unblock(self) -> None:
        """Forward new connections again."""
        with self._lock:
            self.blocked = False

    def stop(self) -> None:
        """Stop listening and close every connection."""
        self._stopped = True
        self.block()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self.blocked:
                    _close(client)
                    continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets -= {source, sink}
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
