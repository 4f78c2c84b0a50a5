"""The compose stack on loopback, started once for the stack tests."""

import shutil

import pytest

from support.clients import register
from support.stack import Stack, postgres_bin


def require_programs() -> None:
    """Skip when the system programs are missing (`make test` installs them)."""
    missing = [name for name in ("nginx", "redis-server") if shutil.which(name) is None]
    if postgres_bin() is None:
        missing.append("postgresql")
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (run scripts/install-system-deps.sh)")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Postgres, Redis, two `pulseboard serve` workers and nginx, as docker-compose.yml has them."""
    require_programs()
    running = Stack(tmp_path_factory.mktemp("stack")).start()
    yield running
    running.stop()


@pytest.fixture
def new_user(stack):
    """``new_user()`` -> a user registered through nginx: ``{token, user}``."""
    return lambda: register(stack.nginx.url)
