"""Raw Engine.IO / Socket.IO clients for hostile tests: frames and payloads sent by hand.

python-socketio's client never sends a malformed packet, so these speak the
wire protocol directly: WebSocket through websocket-client (which can send
fragments and read close codes), long-polling through requests.
"""

import contextlib
import json
import socket
import struct
import time

import requests
import websocket

EIO_QUERY = "/socket.io/?EIO=4&transport="


class Closed(Exception):
    """The server closed the WebSocket; ``code`` is its close status (None: no frame read)."""

    def __init__(self, code: int | None):
        super().__init__(f"closed with {code}")
        self.code = code


class RawWebSocket:
    """One Engine.IO session over a WebSocket, opened by hand."""

    def __init__(self, base_url: str, timeout: float = 10):
        url = base_url.replace("http://", "ws://") + EIO_QUERY + "websocket"
        self.ws = websocket.create_connection(url, timeout=timeout, suppress_origin=True)
        self.open = json.loads(self.ws.recv()[1:])
        self.sid = self.open["sid"]

    def send(self, text) -> None:
        """Send one text (str) or binary (bytes) message."""
        if isinstance(text, bytes):
            self.ws.send_binary(text)
        else:
            self.ws.send(text)

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        """Send one raw frame (``opcode`` 0 is a continuation)."""
        frame = websocket.ABNF(fin=int(fin), opcode=opcode, data=payload)
        self.ws.sock.sendall(frame.format())

    def connect(self, namespace: str, token) -> str:
        """CONNECT to ``namespace`` with ``auth: {token}``; the reply packet's text."""
        auth = "" if token is None else json.dumps({"token": token})
        prefix = "" if namespace == "/" else namespace + ","
        self.send(f"40{prefix}{auth}")
        return self.next_packet(lambda p: p.startswith(("40", "44")))

    def next_packet(self, predicate=lambda p: True, timeout: float = 10) -> str:
        """The next text packet matching ``predicate`` (answering pings on the way)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise Closed(close_code(data))
            if opcode != websocket.ABNF.OPCODE_TEXT:
                continue
            text = data.decode()
            if text == "2":
                self.send("3")
                continue
            if predicate(text):
                return text
        raise TimeoutError("no matching packet")

    def ack(self, namespace: str, ack_id: int, timeout: float = 10):
        """The payload of ack ``ack_id`` on ``namespace``."""
        prefix = f"43{namespace},{ack_id}" if namespace != "/" else f"43{ack_id}"
        packet = self.next_packet(lambda p: p.startswith(prefix + "["), timeout)
        return json.loads(packet[len(prefix):])[0]

    def wait_close(self, timeout: float = 10) -> int | None:
        """Read until the server's close frame; its status code (None if the TCP just ends)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                opcode, data = self.ws.recv_data(control_frame=True)
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                return None
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return close_code(data)
        raise TimeoutError("the server did not close the WebSocket")

    def close(self) -> None:
        """Drop the connection."""
        with contextlib.suppress(OSError, websocket.WebSocketException):
            self.ws.close(timeout=0.5)
        self.ws.shutdown()  # the socket itself, also when the closing handshake failed


def close_code(data: bytes) -> int | None:
    """The status code of a close frame's payload."""
    return struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None


class RawPolling:
    """One Engine.IO session over long-polling, opened by hand."""

    def __init__(self, base_url: str, timeout: float = 10):
        self.url = base_url + EIO_QUERY + "polling"
        self.http = requests.Session()
        self.timeout = timeout
        handshake = self.http.get(self.url, timeout=timeout)
        handshake.raise_for_status()
        self.open = json.loads(handshake.text[1:].split("\x1e")[0])
        self.sid = self.open["sid"]

    def post(self, body, **options) -> requests.Response:
        """POST ``body`` (str or bytes) to the session."""
        data = body.encode() if isinstance(body, str) else body
        return self.http.post(f"{self.url}&sid={self.sid}", data=data,
                              timeout=options.pop("timeout", self.timeout), **options)

    def poll(self, timeout: float | None = None) -> requests.Response:
        """One long-poll GET."""
        return self.http.get(f"{self.url}&sid={self.sid}", timeout=timeout or self.timeout)

    def close(self) -> None:
        """Drop the HTTP connections."""
        self.http.close()


def raw_http(host: str, port: int, request: bytes, timeout: float = 5) -> bytes:
    """Send raw bytes over a new TCP connection; everything read until EOF or ``timeout``."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)
