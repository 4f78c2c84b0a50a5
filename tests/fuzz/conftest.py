"""One server for the whole fuzz run: the cases, not the start-ups, take the time."""

import pytest

from support.clients import register
from support.server import ServerProcess


@pytest.fixture(scope="package")
def fuzz_server(tmp_path_factory):
    """A ``pulseboard serve`` (eventlet) shared by every fuzz test, with a user's token."""
    server = ServerProcess(tmp_path_factory.mktemp("fuzz")).start()
    server.token = register(server.url)["token"]
    yield server
    server.stop()
