"""Fixtures every test folder shares."""

import pytest

from support.clients import SocketClient, register
from support.server import ServerProcess


@pytest.fixture
def server(tmp_path):
    """A fresh ``pulseboard serve`` (eventlet) with its own SQLite database."""
    process = ServerProcess(tmp_path / "server").start()
    yield process
    process.stop()


@pytest.fixture
def connect():
    """``connect(server, namespace, token, **options)`` -> a connected SocketClient, closed after.

    ``server`` is anything with a ``url``: a ``ServerProcess``, or the stack's nginx.
    """
    clients = []

    def _connect(srv, namespace, token, **options):
        client = SocketClient(srv.url, namespace, token, **options).connect()
        clients.append(client)
        return client

    yield _connect
    for client in clients:
        client.close()


@pytest.fixture
def user(server):
    """A registered user on ``server``: ``{token, user: {id, username}}``."""
    return register(server.url)
