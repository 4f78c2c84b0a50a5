"""docker-compose.yml built and run in podman, tested through nginx's published port only.

Bases are stand-ins (Debian, not Alpine: tests/images/README.md). Every
request sends the user's Bearer token, reads included.
"""

import re
import time

import pytest
import requests
from packaging.markers import Marker

from support.clients import SocketClient, register, unique_name, wait_until
from support.playwright import run_playwright
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
    # The lock is universal: a package may be pinned once per Python range
    # (`deprecated==1.3.1 ; python_full_version < '3.12'`); keep the pins
    # whose marker holds for the image's interpreter.
    python = deployment.exec("backend-1", "python", "-c",
                             "import platform; print(platform.python_version())").stdout.strip()
    locked = {}
    for name, version, marker in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)(?: ; (.+))?$", (
            REPO / "backend" / "requirements.lock").read_text(), re.MULTILINE):
        environment = {"python_full_version": python, "python_version": python.rsplit(".", 1)[0]}
        if not marker or Marker(marker).evaluate(environment):
            locked[name] = version
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


def test_the_spa_loads_and_a_user_registers_and_logs_in(deployment):
    page = requests.get(f"{deployment.url}/tasks", timeout=10)  # an SPA route: index.html
    assert page.status_code == 200 and 'id="app"' in page.text
    script = re.search(r'<script type="module" crossorigin src="(/assets/[^"]+\.js)"', page.text)
    asset = requests.get(f"{deployment.url}{script.group(1)}", timeout=10)
    assert asset.status_code == 200 and "javascript" in asset.headers["Content-Type"]
    assert "immutable" in asset.headers["Cache-Control"]

    username = unique_name("img")
    registered = register(deployment.url, username)
    login = requests.post(f"{deployment.url}/api/auth/login", timeout=10,
                          json={"username": username, "password": "correct-horse"})
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    me = api(deployment, "GET", "/api/auth/me", token)
    assert me.status_code == 200 and me.json()["user"]["id"] == registered["user"]["id"]
    health = api(deployment, "GET", "/api/health", token).json()
    assert health["status"] == "ok"
    assert (health["db"], health["message_queue"]) == ("postgresql", "redis")
    assert health["worker"].split(":")[0] in BACKENDS


def test_a_chart_subscription_receives_http_published_points(deployment, clients):
    token = register(deployment.url)["token"]
    stream = f"images.{unique_name('s')}"
    assert api(deployment, "POST", f"/api/streams/{stream}/points", token,
               json={"value": 1.0}).status_code == 202
    charts = socket(deployment, "/charts", token, clients)
    # Not checked: the recent window in the ack. It is each worker's own here,
    # and nginx may have sent the POST and the socket to different workers.
    ack = charts.call("subscribe", {"stream": stream})
    assert ack["ok"], ack
    now = int(time.time() * 1000)
    assert api(deployment, "POST", f"/api/streams/{stream}/points", token,
               json={"points": [[now, 2.0], [now + 1, 3.0]]}).status_code == 202

    def values(frames):
        # The first point may arrive live too: the subscription can beat its batch.
        return [p[1] for f in frames for p in f["points"] if p[1] != 1.0]

    frames = charts.wait_for("points", lambda items: len(values(items)) >= 2)
    assert values(frames) == [2.0, 3.0]


def test_a_task_runs_to_the_end_with_its_log(deployment, clients):
    token = register(deployment.url)["token"]
    logs = socket(deployment, "/logs", token, clients)
    started = logs.call("start", {"name": "pipeline"})
    assert started["ok"], started
    task_id = started["task"]["id"]
    assert logs.call("subscribe", {"task_id": task_id})["ok"]
    logs.wait_for("task", lambda items: any(t["status"] == "succeeded" for t in items), timeout=60)
    log = api(deployment, "GET", f"/api/tasks/{task_id}/log", token)
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert len(log.text.splitlines()) >= 5, log.text
    listed = api(deployment, "GET", "/api/tasks", token).json()
    assert any(t["id"] == task_id and t["status"] == "succeeded" for t in listed["tasks"])


def test_playwright_smoke_specs_pass_in_chromium(deployment):
    result = run_playwright(deployment.url, ["auth.spec.ts", "chat.spec.ts", "tasks.spec.ts"])
    assert result.returncode == 0, f"{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout


def chat_client(deployment, token, clients, room):
    """A /chat client that reconnects by itself and has joined ``room``."""
    client = socket(deployment, "/chat", token, clients, reconnection=True)
    client.connects = 1
    client.sio.on("connect", lambda: setattr(client, "connects", client.connects + 1),
                  namespace="/chat")
    assert client.call("join", {"room": room})["ok"]
    return client


def test_a_killed_backend_s_clients_continue_on_the_other_and_compose_restarts_it(
        deployment, clients):
    """All test clients share one address (the network's gateway), so nginx's
    hash sends them to one worker: kill it, and they move to the other; once
    compose has restarted it, a new client lands on it again. Then chat and
    DMs between the two users cross workers (through Redis)."""
    room = unique_name("r")
    alice, bob = register(deployment.url), register(deployment.url)
    first = answering_worker(deployment, alice["token"])
    other = next(b for b in BACKENDS if b != first)
    alice_chat = chat_client(deployment, alice["token"], clients, room)
    before = alice_chat.call("message", {"room": room, "text": "before the crash"})["message"]
    restarts = deployment.inspect(first)["RestartCount"]

    old_pid = deployment.crash(first)
    assert wait_until(lambda: answering_worker(deployment, alice["token"]) == other, 30)
    # Alice's socket reconnects through nginx to the other worker and carries on.
    assert wait_until(lambda: alice_chat.connects >= 2 and alice_chat.sio.connected, 30)
    assert alice_chat.call("join", {"room": room})["ok"]
    resumed = alice_chat.call("resume", {"room": room, "after_id": before["id"] - 1})
    assert [m["id"] for m in resumed["messages"]] == [before["id"]]

    # restart: unless-stopped brings the crashed worker back.
    assert wait_until(lambda: deployment.inspect(first)["RestartCount"] > restarts, 60)
    assert deployment.inspect(first)["State"]["Pid"] not in (0, old_pid)
    deployment.wait_healthy(120)
    # After nginx's fail_timeout (10 s) new clients hash to it again.
    assert wait_until(lambda: answering_worker(deployment, bob["token"]) == first, 60)
    bob_chat = chat_client(deployment, bob["token"], clients, room)

    # Alice on `other`, Bob on `first`: a room message and DMs both ways.
    sent = alice_chat.call("message", {"room": room, "text": f"hello @{bob['user']['username']}"})
    assert sent["ok"], sent
    bob_chat.wait_for("message", lambda ms: any(m["id"] == sent["message"]["id"] for m in ms))
    bob_chat.wait_for("notification", lambda ns: any(n["kind"] == "mention" for n in ns))
    reply = bob_chat.call("message", {"room": room, "text": "hi alice"})["message"]
    alice_chat.wait_for("message", lambda ms: any(m["id"] == reply["id"] for m in ms))
    dm = alice_chat.call("dm", {"to": bob["user"]["username"], "text": "a secret"})
    assert dm["ok"], dm
    bob_chat.wait_for("dm", lambda ds: any(d["id"] == dm["message"]["id"] for d in ds))
    bob_chat.wait_for("notification", lambda ns: any(n["kind"] == "dm" for n in ns))
    answer = bob_chat.call("dm", {"to": alice["user"]["username"], "text": "got it"})["message"]
    alice_chat.wait_for("dm", lambda ds: any(d["id"] == answer["id"] for d in ds))
    # Neither socket moved while they talked.
    assert (alice_chat.connects, bob_chat.connects) == (2, 1)


def test_down_then_up_keeps_users_messages_and_runs(deployment, clients):
    user = register(deployment.url)
    room = unique_name("keep")
    chat = socket(deployment, "/chat", user["token"], clients)
    chat.call("join", {"room": room})
    message = chat.call("message", {"room": room, "text": "still here after down/up"})["message"]
    logs = socket(deployment, "/logs", user["token"], clients)
    task_id = logs.call("start", {"name": "pipeline"})["task"]["id"]
    logs.call("subscribe", {"task_id": task_id})
    logs.wait_for("task", lambda items: any(t["status"] == "succeeded" for t in items), timeout=60)
    log_before = api(deployment, "GET", f"/api/tasks/{task_id}/log", user["token"]).text
    for client in clients:
        client.close()

    deployment.down()
    assert deployment.containers() == []
    deployment.up()

    login = requests.post(f"{deployment.url}/api/auth/login", timeout=10, json={
        "username": user["user"]["username"], "password": "correct-horse"})
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    chat = socket(deployment, "/chat", token, clients)
    joined = chat.call("join", {"room": room})
    assert [m["text"] for m in joined["messages"]] == [message["text"]]
    assert api(deployment, "GET", f"/api/tasks/{task_id}/log", token).text == log_before


def test_down_v_removes_every_container_network_and_volume(deployment):
    deployment.volumes_seen |= deployment.mounted_volumes()
    assert any(v.endswith("_postgres-data") for v in deployment.volumes_seen)
    deployment.down("-v")
    assert deployment.leftovers() == {"containers": [], "networks": [], "volumes": []}
