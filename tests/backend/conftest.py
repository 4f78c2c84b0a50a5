"""Fixtures the backend tests share."""

import shutil

import pytest


@pytest.fixture(scope="module")
def redis_url():
    """The URL of a throwaway ``redis-server`` (one per test module); skips without one."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    from support.stack import Redis

    server = Redis().start()
    yield server.url
    server.stop()
