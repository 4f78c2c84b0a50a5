"""Rate limits on the ``limits`` library: one moving window per (limit, key).

With ``MESSAGE_QUEUE`` set the windows live in that Redis (``limits``' Redis
storage), so a user's chat messages, or a username's login attempts, count on
every worker; otherwise in this process (``memory://``), with no Redis round
trip. While Redis is unreachable a limiter falls back to its memory storage:
limits are then per worker until Redis answers again.

:meth:`RateLimiter.refund` takes back the newest hit (a chat message that
turned out to repeat a ``client_id`` is not counted). ``limits`` has no such
call, so it removes the newest entry of the moving window from the storage
itself: the newest timestamp is at the head of the list in both storages
(``events[key]`` in memory, an LPUSHed Redis list). :class:`CoarseMemoryStorage`
slows the memory storage's expiry sweep. This module is the only code that
leans on ``limits``' internals; ``tests/backend/test_ratelimit.py`` pins both.
"""

import ipaddress
import logging
import time

from flask import current_app, request
from limits import parse
from limits.storage import MemoryStorage, RedisStorage, storage_from_string

from .wire import ApiError

log = logging.getLogger(__name__)

#: Seconds between two expiry sweeps of a memory storage.
EXPIRY_SWEEP_INTERVAL = 1.0


class CoarseMemoryStorage(MemoryStorage):
    """``limits``' memory storage, sweeping expired entries at most once a second.

    Upstream (limits 5.8) re-arms a 10 ms ``threading.Timer`` after every hit
    (``MemoryStorage.__schedule_expiry``), and each run scans every key: under
    eventlet a new greenlet a hundred times a second, about 10 % of a worker's
    CPU in the chat benchmark (200 messages/s). Re-arming only a timer that is
    not ``is_alive()`` is not enough: a started thread is not alive until it
    runs, and under eventlet ``Timer.start()`` yields, so every hit that came
    meanwhile armed one more (60 sweeps a second at 200 users, 24 % of the
    worker's CPU). Here the hit that finds the sweep due runs it inline (no
    timer, no greenlet; 0.6 ms at 200 keys). Every read already ignores
    expired entries (the moving window compares timestamps, counters their
    expiry), so sweeping later changes how long memory is held, never an answer.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._next_sweep = time.monotonic() + EXPIRY_SWEEP_INTERVAL
        self.sweeps = 0  # how many sweeps ran (the tests count them)

    def _MemoryStorage__schedule_expiry(self) -> None:  # overrides the name-mangled upstream one
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + EXPIRY_SWEEP_INTERVAL  # before sweeping: one sweep per due time
        self.sweeps += 1
        self._MemoryStorage__expire_events()


class RateLimiter:
    """At most ``rate`` (e.g. ``"10 per 10 seconds"``) hits per key, over a moving window.

    :param name: what is limited, for the namespace of the keys and the error.
    :param storage_uri: ``memory://`` or the ``redis://`` URL of ``MESSAGE_QUEUE``.
    :param on_error: ``callback()`` when the shared storage did not answer.
    """

    def __init__(self, name: str, rate: str, storage_uri: str = "memory://", on_error=None):
        self.name = name
        self.item = parse(rate)
        self.on_error = on_error
        self._fallback = CoarseMemoryStorage()
        shared = storage_from_string(storage_uri, socket_timeout=2, socket_connect_timeout=1) \
            if storage_uri.startswith("redis") else self._fallback
        self._storage = shared
        # The storages' moving-window calls (acquire_entry, get_moving_window:
        # what MovingWindowRateLimiter.hit makes) with the key prefix built
        # once: the strategy rebuilt it per hit, which was 40 % of its cost.
        self._prefix = self.item.key_for(name)
        self._expiry = self.item.get_expiry()

    def _run(self, call):
        storage = self._storage
        try:
            return call(storage)
        except Exception as exc:
            if storage is self._fallback:
                raise
            if self.on_error is not None:
                self.on_error()
            log.debug("rate limit storage unreachable (%s): counting in memory", exc)
            return call(self._fallback)

    def hit(self, key: str, what: str = "requests") -> None:
        """Count one hit for ``key``, or raise ``rate_limited`` without counting it."""
        storage_key, amount = f"{self._prefix}/{key}", self.item.amount

        def attempt(storage):
            if storage.acquire_entry(storage_key, amount, self._expiry):
                return None
            start, _ = storage.get_moving_window(storage_key, amount, self._expiry)
            return start + self._expiry

        reset = self._run(attempt)
        if reset is not None:
            retry = max(0.0, reset - time.time())
            raise ApiError("rate_limited", f"more than {self.item.amount} {what} in "
                                           f"{self._window()}; retry in {retry:.1f} s")

    def refund(self, key: str) -> None:
        """Take back the newest hit counted for ``key``."""
        storage_key = f"{self._prefix}/{key}"

        def attempt(storage):
            if isinstance(storage, RedisStorage):
                storage.get_connection().lpop(storage.prefixed_key(storage_key))
            else:
                with storage.locks[storage_key]:
                    events = storage.events.get(storage_key)
                    if events:
                        events.pop(0)

        self._run(attempt)

    def _window(self) -> str:
        multiples = self.item.multiples
        unit = self.item.GRANULARITY.name
        return f"{multiples} {unit}s" if multiples != 1 else f"1 {unit}"


def storage_uri(config: dict) -> str:
    """Where an app's limits are counted: its Redis with ``MESSAGE_QUEUE``, else memory."""
    queue = config.get("MESSAGE_QUEUE")
    return queue if queue and queue.startswith(("redis://", "rediss://")) else "memory://"


# -- login and register ----------------------------------------------------------

#: Defaults; each can be set in the environment (or the app's config) by name.
AUTH_LIMITS = {
    "LOGIN_USER_RATE_LIMIT": "10 per minute",      # attempts per username, any address
    "LOGIN_ADDRESS_RATE_LIMIT": "30 per minute",   # attempts per client address
    "REGISTER_ADDRESS_RATE_LIMIT": "20 per minute",
}
#: Peers whose ``X-Real-IP`` is believed: nginx on the same host. Any other
#: network (compose's, with nginx in a container) is set by ``TRUSTED_PROXIES``:
#: a private range may hold clients that reach a worker directly.
DEFAULT_TRUSTED = "127.0.0.0/8,::1/128"


def networks(spec: str) -> list:
    """The networks of a ``TRUSTED_PROXIES`` value (``none``: no proxy is trusted)."""
    return [ipaddress.ip_network(part.strip(), strict=False)
            for part in spec.split(",") if part.strip() and part.strip() != "none"]


def client_address(remote_addr: str | None, real_ip: str | None, trusted: list) -> str:
    """The client's address: ``X-Real-IP`` only when the direct peer is a trusted proxy.

    nginx sets ``X-Real-IP`` to the address it was connected from, replacing
    whatever the client sent; ``X-Forwarded-For`` is never used, since a
    client can put anything at its start. A loopback ``X-Real-IP`` is never
    believed: the loopback exemption is for the direct peer only.
    """
    try:
        peer = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return remote_addr or "unknown"
    if real_ip and any(peer in network for network in trusted):
        try:
            named = ipaddress.ip_address(real_ip.strip())
        except ValueError:
            named = None
        if named is not None and not named.is_loopback:
            return str(named)
    return str(peer)


class AuthLimits:
    """The limits of ``POST /api/auth/login`` and ``/register`` for one app."""

    def __init__(self, config: dict):
        def setting(name, default):  # read from the environment by pulseboard.config
            return config.get(name) or default

        uri = storage_uri(config)
        self.limiters = {name: RateLimiter(name.lower(), setting(name, default), uri)
                         for name, default in AUTH_LIMITS.items()}
        self.trusted = networks(setting("TRUSTED_PROXIES", DEFAULT_TRUSTED))

    def check(self, kind: str, username: str | None) -> None:
        """Count one ``login`` or ``register`` attempt, or raise ``rate_limited``.

        A client on the server's own host (loopback, no proxy in between) is
        not limited per address: health checks, scripts and test harnesses.
        A request carrying ``X-Real-IP`` came through a proxy, or names an
        address it wants counted as: never exempt.
        """
        real_ip = request.headers.get("X-Real-IP")
        address = client_address(request.remote_addr, real_ip, self.trusted)
        if kind == "login" and username:
            self.limiters["LOGIN_USER_RATE_LIMIT"].hit(username.lower(), "login attempts")
        try:
            local = real_ip is None and ipaddress.ip_address(request.remote_addr).is_loopback
        except ValueError:
            local = False
        if not local:
            name = "LOGIN_ADDRESS_RATE_LIMIT" if kind == "login" else "REGISTER_ADDRESS_RATE_LIMIT"
            self.limiters[name].hit(address, f"{kind} attempts")


def limit_auth(kind: str, username: str | None) -> None:
    """Apply the ``login`` / ``register`` limits to the current request (429 ``rate_limited``)."""
    limits = current_app.extensions.get("pulseboard_auth_limits")
    if limits is None:
        limits = current_app.extensions["pulseboard_auth_limits"] = AuthLimits(
            current_app.config)
    limits.check(kind, username)
