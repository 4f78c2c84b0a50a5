"""docker-compose.yml built and run in podman, tested through nginx's published port only.

Bases are stand-ins (Debian, not Alpine: tests/images/README.md). Every
request sends the user's Bearer token, reads included.
"""

import re
import time

import pytest
import requests

from images.e2e import run_playwright
from support.clients import SocketClient, register, unique_name, wait_until
from support.server import REPO

pytestmark = pytest.mark.timeout(1200)  # the first test also builds every image

BACKENDS = ("backend-1", "backend-2")


def api(deployment, method: str, path: str, token: str, **kwargs) -> requests.Response:
    """A REST call through nginx with ``token``."""
    return requests.request(method, f"{deployment.url}{path}", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def answering_worker(deployment, token: str) -> str:
    """The backend container (hostname) nginx sends this client to right now."""
    response = api(deployment, "GET", "/api/health", token)
    assert response.status_code == 200, response.text
    return response.json()["worker"].split(":", 1)[0]


def socket(deployment, namespace: str, token: str, clients: list, **options) -> SocketClient:
    """A Socket.IO client through nginx, closed at the end of the test."""
    client = SocketClient(deployment.url, namespace, token, **options).connect(timeout=20)
    clients.append(client)
    return client


@pytest.fixture
def clients():
    opened: list[SocketClient] = []
    yield opened
    for client in opened:
        client.close()


def test_every_service_is_healthy_and_the_backend_runs_unprivileged(deployment):
    services = {c["Labels"]["com.docker.compose.service"] for c in deployment.containers()}
    assert services == {"nginx", *BACKENDS, "redis", "postgres"}
    for backend in BACKENDS:
        assert deployment.exec(backend, "id", "-u").stdout.strip() != "0"
        # The instance folder resolves to the installed package and is writable.
        probe = deployment.exec(backend, "python", "-c", (
            "import os, pulseboard.app as a, flask;"
            "p = flask.Flask(a.__name__).instance_path;"
            "print(p, os.access(p, os.W_OK))"))
        assert probe.stdout.split()[1] == "True", probe.stdout
        assert "/app/" not in probe.stdout.split()[0]


def test_backend_image_installs_the_locked_versions(deployment):
    locked = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", (
        REPO / "backend" / "requirements.lock").read_text(), re.MULTILINE))
    frozen = deployment.exec("backend-1", "pip", "list", "--format", "freeze").stdout
    installed = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", frozen, re.MULTILINE))

    def normal(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    installed = {normal(k): v for k, v in installed.items()}
    for name, version in locked.items():
        if normal(name) in installed:  # markers may leave a package out (async-timeout)
            assert installed[normal(name)] == version, name
    assert installed["pulseboard"]
    assert installed["flask-socketio"] == locked["flask-socketio"]
