"""The servers a scenario runs against: one worker, workers + Redis behind nginx, the peer.

One worker is ``tests/support/server.ServerProcess`` (the same process the
tests start). The scaled stack adds ``redis-server``, PostgreSQL and nginx
running nginx/nginx.conf (through tests/support/stack.py), the compose
stack's parts. nginx hashes the client address, as the deployment does, so
the load generator spreads its clients over the source addresses
127.0.0.2-127.0.0.101. The peer is bench/peer/server.mjs, node socket.io on
the same subset of the contract, run as the same kind of child process.
"""

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pulseboard.chat.rules import RATE_MESSAGES, RATE_WINDOW
from support.server import ServerProcess, wait_for_http
from support.stack import Nginx, Postgres, Redis

from .database import copy_users, migrate
from .processes import BENCH, GeneratorError, node_binary

PEER = BENCH / "peer" / "server.mjs"

#: Source addresses for clients of a stack behind nginx (all of 127/8 is loopback).
LOOPBACK_SOURCES = [f"127.0.0.{i}" for i in range(2, 102)]


@dataclass
class Deployment:
    """What a scenario talks to: a base URL and the processes behind it."""

    url: str
    workers: list[ServerProcess]
    extra_pids: dict[str, int] = field(default_factory=dict)
    local_addresses: list[str] = field(default_factory=list)
    #: "pulseboard", or "peer" for the node socket.io peer (no py-spy, no ratio to itself).
    kind: str = "pulseboard"

    def pids(self) -> dict[str, int]:
        """Every process to sample, labelled: worker0, worker1, nginx, redis."""
        pids = {f"worker{i}": w.process.pid for i, w in enumerate(self.workers)}
        return {**pids, **self.extra_pids}


def _worker(workdir: Path, async_mode: str, env: dict | None = None) -> ServerProcess:
    return ServerProcess(workdir, env={"LOG_LEVEL": "WARNING", **(env or {})},
                         async_mode=async_mode)


@contextlib.contextmanager
def single_worker(workdir: Path, async_mode: str = "eventlet", env: dict | None = None):
    """One ``pulseboard serve`` worker; stopped on exit whatever happens.

    :param env: extra environment, e.g. ``DATABASE_URL`` of a prepared database.
    """
    worker = _worker(workdir / f"worker-{async_mode}", async_mode, env)
    try:
        worker.start(timeout=60)
        yield Deployment(worker.url, [worker])
    finally:
        worker.stop()


@contextlib.contextmanager
def scaled_stack(workdir: Path, async_mode: str = "eventlet", users_db: Path | None = None):
    """Two workers sharing Redis and PostgreSQL, behind nginx/nginx.conf.

    Redis, PostgreSQL and nginx come from tests/support/stack.py, which runs
    the repository's own nginx.conf with only ports and paths rewritten.

    :param users_db: a SQLite file whose users the database starts with (the
        chat scenario's user pool), copied with their ids so their tokens hold.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    redis = postgres = nginx = None
    workers: list[ServerProcess] = []
    try:
        redis = Redis().start()
        postgres = Postgres().start()
        database_url = postgres.create_database("pulseboard")
        migrate(database_url)
        if users_db is not None:
            copy_users(users_db, database_url)
        # Every simulated user registers through nginx on loopback: one address
        # to the workers, which limit registrations per address.
        shared = {"MESSAGE_QUEUE": redis.url, "DATABASE_URL": database_url,
                  "REGISTER_ADDRESS_RATE_LIMIT": "100000 per minute",
                  "LOGIN_ADDRESS_RATE_LIMIT": "100000 per minute"}
        for i in range(2):
            workers.append(_worker(workdir / f"worker{i}", async_mode, shared))
            workers[-1].start(timeout=60)
        nginx = Nginx([f"127.0.0.1:{w.port}" for w in workers]).start()
        wait_for_http(f"{nginx.url}/api/health", 30)
        yield Deployment(nginx.url, workers,
                         {"nginx": nginx.process.pid, "redis": redis.process.pid,
                          "postgres": postgres.process.pid},
                         LOOPBACK_SOURCES)
    finally:
        if nginx is not None:
            nginx.stop()
        for worker in workers:
            worker.stop()
        for service in (postgres, redis):
            if service is not None:
                service.stop()


def peer_version() -> str:
    """The version of the socket.io package the peer runs (bench/node_modules)."""
    package = BENCH / "node_modules" / "socket.io" / "package.json"
    if not package.exists():
        raise GeneratorError("bench/node_modules/socket.io is missing: run `cd bench && npm ci`")
    return json.loads(package.read_text())["version"]


def peer_label() -> str:
    """How the table names the peer, e.g. ``node socket.io 4.8.4 peer (one emit per publish)``."""
    return f"node socket.io {peer_version()} peer (one emit per publish)"


@contextlib.contextmanager
def node_peer(workdir: Path, users: list[dict] | None = None):
    """The node socket.io peer (bench/peer) on a free port; stopped on exit whatever happens.

    It gets Pulseboard's own chat rate limit, so both refuse the same
    messages. Should this process die without stopping it, the peer notices
    that its parent is gone and exits by itself.

    :param users: ``[{username, token}]`` the peer knows from the start (the
        chat scenario's, as Pulseboard gets them in a prepared database).
    """
    peer_version()  # a clear error if bench/node_modules lacks socket.io
    workdir = workdir / "peer"
    workdir.mkdir(parents=True, exist_ok=True)
    command = [node_binary(), str(PEER), "--port", "{port}",
               "--rate-messages", str(RATE_MESSAGES),
               "--rate-window-ms", str(int(RATE_WINDOW * 1000)), "--parent", str(os.getpid())]
    if users:
        (workdir / "users.json").write_text(json.dumps(users))
        command += ["--users", str(workdir / "users.json")]
    peer = ServerProcess(workdir, command=command)
    try:
        peer.start(timeout=30)
        yield Deployment(peer.url, [peer], kind="peer")
    finally:
        peer.stop()
