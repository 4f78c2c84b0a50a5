"""This process's counters, shared by every feature that counts something for ``/metrics``.

They are prometheus_client counters created once per process (not in
prometheus_client's global registry: each app registers them in its own,
see :mod:`.exposition`). Every one carries a ``worker`` label, the
``host:pid`` that ``GET /api/health`` reports: each worker exposes its own
process's numbers, and Prometheus adds them up.
"""

import os
import socket

from prometheus_client import Counter, disable_created_metrics

# No ``*_created`` series beside each counter: a scrape needs only the totals.
disable_created_metrics()

#: This process, as ``/api/health``'s ``worker`` names it.
WORKER = f"{socket.gethostname()}:{os.getpid()}"

EMITS = Counter(
    "pulseboard_emits", "Server-to-client emits (frames to a room or a socket) by this worker.",
    ["namespace", "event", "worker"], registry=None)
TASK_RUNS = Counter(
    "pulseboard_task_runs", "Task runs that ended, as settled by this worker, by final status.",
    ["status", "worker"], registry=None)
INGEST_LINES = Counter(
    "pulseboard_ingest_lines", "Line-protocol lines received by POST /api/write, by result.",
    ["result", "worker"], registry=None)
INGEST_POINTS = Counter(
    "pulseboard_ingest_points", "Points published from line protocol and Prometheus scrapes.",
    ["via", "worker"], registry=None)
SCRAPES = Counter(
    "pulseboard_scrapes", "Prometheus scrapes of SOURCES_FILE sources done by this worker.",
    ["source", "result", "worker"], registry=None)

ALL = (EMITS, TASK_RUNS, INGEST_LINES, INGEST_POINTS, SCRAPES)


def count(counter: Counter, amount: float = 1, **labels) -> None:
    """Add ``amount`` to ``counter`` for ``labels`` (this worker's label added)."""
    if amount:
        counter.labels(worker=WORKER, **labels).inc(amount)
