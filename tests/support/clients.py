"""Real clients: REST through requests, Socket.IO through python-socketio."""

import itertools
import threading
import time
from collections import defaultdict
from urllib.parse import urlsplit

import requests
import socketio

_names = itertools.count(1)


def unique_name(prefix: str = "user") -> str:
    """A username no other test in this run uses."""
    return f"{prefix}{next(_names)}{int(time.time() * 1000) % 100000}"


def wait_until(condition, timeout: float = 10, interval: float = 0.05) -> bool:
    """Poll ``condition()`` until it is true (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def register(base_url: str, username: str | None = None, password: str = "correct-horse") -> dict:
    """Register a user and return ``{token, user}``."""
    username = username or unique_name()
    response = requests.post(f"{base_url}/api/auth/register",
                             json={"username": username, "password": password}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


_reader_tokens: dict[str, str] = {}


def reader_token(base_url: str) -> str:
    """A token for reads on ``base_url`` (one user registered per server, then reused)."""
    if base_url not in _reader_tokens:
        _reader_tokens[base_url] = register(base_url, unique_name("reader"))["token"]
    return _reader_tokens[base_url]


def api_get(url: str, token: str | None = None, **options) -> requests.Response:
    """``GET url`` with a Bearer token: ``token``, or a reader's of that server.

    Every REST read but ``/api/health`` needs a token.
    """
    parts = urlsplit(url)
    token = token or reader_token(f"{parts.scheme}://{parts.netloc}")
    headers = {"Authorization": f"Bearer {token}", **options.pop("headers", {})}
    options.setdefault("timeout", 10)
    return requests.get(url, headers=headers, **options)


def publish_points(base_url: str, token: str, stream: str, body,
                   timeout: float = 5) -> requests.Response:
    """``POST /api/streams/<stream>/points`` with ``body``; the response, whatever its status."""
    return requests.post(f"{base_url}/api/streams/{stream}/points", json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=timeout)


def post_debug(base_url: str, token: str, body) -> requests.Response:
    """``POST /api/debug`` with ``body``; the response, whatever its status."""
    return requests.post(f"{base_url}/api/debug", json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=5)


class Recorder:
    """Collects every event a client receives, and waits for them."""

    def __init__(self):
        self.events: dict[str, list] = defaultdict(list)
        self._changed = threading.Condition()

    def record(self, event: str, data) -> None:
        with self._changed:
            self.events[event].append(data)
            self._changed.notify_all()

    def wait_for(self, event: str, predicate=lambda items: bool(items), timeout: float = 10):
        """Block until ``predicate(events[event])`` holds; return the list."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.events[event]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{event!r}: condition not met, got {self.events[event]!r}")
                self._changed.wait(remaining)
            return list(self.events[event])


class SocketClient:
    """A python-socketio client on one namespace over WebSocket only.

    Every incoming event is recorded in :attr:`recorder`; :meth:`call` emits
    with an ack and returns it.
    """

    def __init__(self, base_url: str, namespace: str, token: str | None,
                 headers: dict | None = None, reconnection: bool = False):
        self.base_url = base_url
        self.namespace = namespace
        self.token = token
        self.headers = headers or {}
        self.recorder = Recorder()
        # websocket-client adds its own Origin; a test that sets one suppresses it.
        extra = {"suppress_origin": True} if "Origin" in self.headers else {}
        self.sio = socketio.Client(reconnection=reconnection, logger=False,
                                   websocket_extra_options=extra)
        self.sio.on("*", self._on_any, namespace=namespace)
        self.sio.on("connect_error", self._on_connect_error, namespace=namespace)
        self.connect_error = None

    def _on_any(self, event, *args):
        self.recorder.record(event, args[0] if len(args) == 1 else list(args))

    def _on_connect_error(self, data):
        self.connect_error = data.get("message") if isinstance(data, dict) else data

    def connect(self, timeout: float = 10) -> "SocketClient":
        """Connect, raising ``socketio.exceptions.ConnectionError`` if refused.

        The error's text is the server's ``connect_error`` message when the
        namespace refused the connection (``unauthorized``).
        """
        auth = {"token": self.token} if self.token is not None else None
        try:
            self.sio.connect(self.base_url, namespaces=[self.namespace], auth=auth,
                             transports=["websocket"], headers=self.headers,
                             wait_timeout=timeout)
        except socketio.exceptions.ConnectionError as exc:
            raise socketio.exceptions.ConnectionError(self.connect_error or str(exc)) from exc
        return self

    def call(self, event: str, data=None, timeout: float = 10):
        """Emit ``event`` with ``data`` and return the ack."""
        args = () if data is None else (data,)
        return self.sio.call(event, *args, namespace=self.namespace, timeout=timeout)

    def wait_for(self, event: str, predicate=lambda items: bool(items), timeout: float = 10):
        """Wait for incoming ``event``s; see :meth:`Recorder.wait_for`."""
        return self.recorder.wait_for(event, predicate, timeout)

    def events(self, event: str) -> list:
        """What has arrived of ``event`` so far."""
        return list(self.recorder.events[event])

    def close(self) -> None:
        """Disconnect if connected."""
        if self.sio.connected:
            self.sio.disconnect()
