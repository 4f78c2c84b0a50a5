"""The in-process layer: one app in the test process, driven by test clients.

Flask-SocketIO's ``socketio.test_client`` feeds packets straight to the
Socket.IO server (no WSGI, no network) and returns each ack; Flask's
``app.test_client`` does the same for REST. Handlers, services and the
database are the real ones. Each module gets its own app (threading mode, a
fresh SQLite file, migrated as a server would be), since ``create_app``
rebinds the one ``socketio`` object to the newest app.
"""

import itertools

import pytest

from pulseboard import create_app, schema
from pulseboard.extensions import socketio
from support.tasks import write_tasks

_names = itertools.count()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A migrated app with its own database, the test tasks file and no message queue."""
    workdir = tmp_path_factory.mktemp("inproc")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'pulseboard.db'}",
        "SECRET_KEY": "inproc-secret", "ASYNC_MODE": "threading", "MESSAGE_QUEUE": None,
        "TASKS_FILE": str(write_tasks(workdir / "tasks")), "TASK_CONCURRENCY": 2,
        "DATA_FILE": str(workdir / "data.json"), "TESTING": True,
    })
    schema.upgrade(app)  # create_app builds only
    yield app
    app.extensions["pulseboard"].tasks.shutdown()


@pytest.fixture
def http(app):
    """Flask's test client for the REST API."""
    return app.test_client()


@pytest.fixture
def account(http):
    """``account()`` -> ``{token, user}`` of a newly registered user."""

    def make(prefix: str = "user") -> dict:
        response = http.post("/api/auth/register", json={
            "username": f"{prefix}{next(_names)}", "password": "correct-horse-battery"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def sio(app):
    """``sio(namespace, token=None)`` -> a connected (or refused) Socket.IO test client."""
    clients = []

    def connect(namespace: str, token: str | None = None, auth: object = None):
        auth = {"token": token} if token is not None else auth
        client = socketio.test_client(app, namespace=namespace, auth=auth)
        clients.append((client, namespace))
        return client

    yield connect
    for client, namespace in clients:
        if client.is_connected(namespace):
            client.disconnect(namespace=namespace)

