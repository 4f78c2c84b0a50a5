"""Two workers of one cluster on loopback: one SQLite file, one Redis, as the tests run them."""

import contextlib
import shutil
from pathlib import Path

import pytest

from support.server import ServerProcess
from support.stack import Redis


@contextlib.contextmanager
def two_workers(workdir: Path, env: dict | None = None):
    """Start Redis and workers ``a`` and ``b`` sharing it and ``workdir/shared.db``; yield both.

    Skips the test when ``redis-server`` is missing. Everything started is
    stopped on exit, also when a worker fails to start.

    :param env: more environment for both workers (``TASKS_FILE``, ``SOURCES_FILE``...).
    """
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (run scripts/install-system-deps.sh)")
    queue = Redis().start()
    shared = {"MESSAGE_QUEUE": queue.url, "DATABASE_URL": f"sqlite:///{workdir / 'shared.db'}",
              **(env or {})}
    started = []
    try:
        for name in ("a", "b"):
            started.append(ServerProcess(workdir / name, env=shared).start())
        yield started
    finally:
        for server in started:
            server.stop()
        queue.stop()
