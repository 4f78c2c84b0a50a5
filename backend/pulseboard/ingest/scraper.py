"""The Prometheus scraper: each source's selected samples into chart streams.

One background task per source (``socketio.start_background_task``, slept
with ``socketio.sleep``: a greenlet under eventlet or gevent) runs for as
long as the server does. With several workers only one scrapes a source:
each task competes for the lease ``scrape:<source>`` every second and only
its holder fetches; when the holder dies the lease lapses (a few seconds
past the source's timeout) and another worker takes over. Without a
message queue the lease is the local twin, always held.

A scrape is all or nothing: the exposition text is fetched (at most
:data:`MAX_BODY` bytes; a larger body is refused), parsed with
``prometheus_client``'s own text parser, and only then are the selected
samples published, stamped with the sample's timestamp or the scrape's
time. The source's ``timeout`` bounds the whole scrape (fetch and parse),
not each socket operation. Parsing yields to the loop every
:data:`YIELD_EVERY` families (the parser is pure CPU) and stops as soon as
more than the charts' per-request maximum of points is selected. The lease
is checked once more right before publishing, so a scrape that outlived
its lease (another worker may have scraped meanwhile) publishes nothing.
Non-finite values (a summary quantile with no observations is NaN) are
skipped. A source that starts failing (a refused body included) is logged
once as a warning (which ``/debug`` shows), and once more when it recovers;
every failed scrape is counted.
"""

import logging
import math
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from ..charts.api import MAX_POINTS_PER_REQUEST
from ..cluster import cluster_of
from ..metrics.counters import INGEST_POINTS, SCRAPES, count
from ..wire import now_ms
from .naming import NameRefused, stream_name, tag_values
from .sink import ChartSink

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # ~0.5 s of parser CPU; nothing yields inside one family
YIELD_EVERY = 50  # families parsed between two yields to the loop
CHUNK = 64 * 1024
LEASE_RENEW = 1.0
ACCEPT = "text/plain;version=0.0.4;q=1,*/*;q=0.1"  # the classic text format, not OpenMetrics


class ScrapeFailed(Exception):
    """A scrape that stored nothing, with the reason."""


def _remaining(deadline: float, url: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ScrapeFailed(f"GET {url}: no complete answer within the source's timeout")
    return left


def _bound_socket(response, seconds: float) -> None:
    """Give the response's socket at most ``seconds`` per operation (best effort)."""
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(seconds)


def fetch(url: str, timeout: float, user_agent: str, deadline: float | None = None) -> str:
    """GET ``url`` and return its text; raise ScrapeFailed on any failure.

    ``deadline`` (``time.monotonic()``; default ``timeout`` from now) bounds the
    whole request: a server dripping bytes cannot stretch it past that.
    """
    if deadline is None:
        deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": user_agent})
    chunks, size = [], 0
    try:
        with urllib.request.urlopen(request, timeout=_remaining(deadline, url)) as response:
            length = response.headers.get("Content-Length", "")
            if length.strip().isdigit() and int(length) > MAX_BODY:
                raise ScrapeFailed(f"GET {url}: more than {MAX_BODY} bytes")
            while True:
                _bound_socket(response, _remaining(deadline, url))
                chunk = response.read1(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY:
                    raise ScrapeFailed(f"GET {url}: more than {MAX_BODY} bytes")
                chunks.append(chunk)
        _remaining(deadline, url)
    except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
        raise ScrapeFailed(f"GET {url}: {exc}") from None
    body = b"".join(chunks)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ScrapeFailed(f"GET {url}: the body is not UTF-8") from None


def select_points(source, text: str, scraped_ms: int, pause=None,
                  deadline: float | None = None) -> tuple[dict, set]:
    """The selected samples of ``text`` as ``{stream: [[t, v]]}``, and names refused.

    ``pause()`` is called every :data:`YIELD_EVERY` families (the loop's sleep);
    past ``deadline`` (``time.monotonic()``) or past
    :data:`~..charts.api.MAX_POINTS_PER_REQUEST` points it stops with ScrapeFailed.
    """
    batches, refused, points = {}, set(), 0
    try:
        for index, family in enumerate(text_string_to_metric_families(text), 1):
            if index % YIELD_EVERY == 0:
                if pause is not None:
                    pause()
                if deadline is not None and time.monotonic() > deadline:
                    raise ScrapeFailed("exposition text not parsed within the source's timeout")
            for sample in family.samples:
                if not source.wanted(sample.name, sample.labels) or \
                        not math.isfinite(sample.value):
                    continue
                parts = [source.name, sample.name, *tag_values(sample.labels, source.labels)]
                try:
                    name = stream_name(parts)
                except NameRefused as exc:
                    refused.add(exc.message)
                    continue
                stamp = sample.timestamp
                t = int(float(stamp) * 1000) if stamp is not None else scraped_ms
                batches.setdefault(name, []).append([t, sample.value])
                points += 1
                if points > MAX_POINTS_PER_REQUEST:
                    raise ScrapeFailed(f"more than {MAX_POINTS_PER_REQUEST} samples selected")
    except ValueError as exc:  # the parser's word for text that is not the format
        raise ScrapeFailed(f"exposition text does not parse: {exc}") from None
    return batches, refused


class Scraper:
    """Scrapes one source into the charts, on whichever worker holds its lease.

    :param app: the Flask app (an app context per scrape: publishing may store a name).
    :param socketio: the SocketIO instance (background task, sleep, cluster).
    :param source: a :class:`~.sources.Source`.
    """

    def __init__(self, app, socketio, source):
        self.app = app
        self.socketio = socketio
        self.source = source
        self.cluster = cluster_of(socketio)
        ttl_ms = int((source.timeout + 2 * LEASE_RENEW + 1) * 1000)
        self.lease = self.cluster.lease(f"scrape:{source.name}", ttl_ms)
        self.user_agent = f"pulseboard/{app.config.get('VERSION', '')}"
        self.failing: str | None = None
        self._warned: set = set()
        self._stopped = False

    def start(self) -> None:
        """Start the background task."""
        self.socketio.start_background_task(self._run)

    def stop(self) -> None:
        """Ask the task to end (within a second) and give up the lease."""
        self._stopped = True

    def _run(self) -> None:
        due = time.monotonic() + min(1.0, self.source.interval)  # after the app is ready
        try:
            while not self._stopped:
                if not self.lease.hold():  # another worker scrapes this source
                    due = 0.0  # scrape at once if this worker takes over
                    self.socketio.sleep(LEASE_RENEW)
                    continue
                if time.monotonic() >= due:
                    due = time.monotonic() + self.source.interval
                    self.scrape_once()
                self.socketio.sleep(max(0.01, min(LEASE_RENEW, due - time.monotonic())))
        finally:
            if self.cluster.clustered:
                self.lease.release()

    def scrape_once(self) -> int:
        """Fetch, select and publish once; return the points stored (0 on failure)."""
        deadline = time.monotonic() + self.source.timeout  # the whole scrape, fetch and parse
        try:
            text = fetch(self.source.url, self.source.timeout, self.user_agent, deadline)
            batches, refused_names = select_points(
                self.source, text, now_ms(), pause=lambda: self.socketio.sleep(0),
                deadline=deadline)
            if not self.lease.hold():  # outlived the lease: another worker may have scraped
                raise ScrapeFailed(f"lease scrape:{self.source.name} lost during the scrape; "
                                   "nothing published")
            with self.app.app_context():
                refused = ChartSink(self.app.extensions["pulseboard"].charts).publish(batches)
        except ScrapeFailed as exc:
            self._failed(str(exc))
            return 0
        except Exception as exc:  # never let one bad scrape end the task
            log.exception("scrape of source %r failed", self.source.name)
            self._failed(f"{type(exc).__name__}: {exc}")
            return 0
        for name, exc in refused.items():
            batches.pop(name)
            self._warn_once(f"stream {name!r} refused: {exc.message}")
        for message in refused_names:
            self._warn_once(message)
        points = sum(len(points) for points in batches.values())
        count(SCRAPES, source=self.source.name, result="ok")
        count(INGEST_POINTS, points, via="prometheus")
        if self.failing is not None:
            log.info("scrape of source %r works again", self.source.name)
            self.failing = None
        return points

    def _failed(self, reason: str) -> None:
        count(SCRAPES, source=self.source.name, result="error")
        if self.failing is None:
            log.warning("scrape of source %r failed: %s", self.source.name, reason)
        self.failing = reason

    def _warn_once(self, message: str) -> None:
        if message not in self._warned and len(self._warned) < 1000:
            self._warned.add(message)
            log.warning("source %r: %s", self.source.name, message)
