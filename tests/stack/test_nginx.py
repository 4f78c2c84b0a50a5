"""nginx in front: the SPA, the proxied API and WebSocket, and a reload under traffic."""

import re
import threading
import time

import pytest
import requests
import socketio

from support.clients import SocketClient, unique_name, wait_until
from support.stack import DIST

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def assert_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_spa_with_history_fallback_cached_assets_and_gzip(stack):
    if not (DIST / "index.html").is_file():
        pytest.skip("frontend/dist is not built: run `make frontend` (`make test` builds it)")
    index = requests.get(f"{stack.nginx.url}/", timeout=5)
    assert index.status_code == 200
    assert index.headers["Content-Type"].startswith("text/html")
    assert index.text == (DIST / "index.html").read_text()
    assert index.headers["Cache-Control"] == "no-cache"
    assert_security_headers(index)

    route = requests.get(f"{stack.nginx.url}/chat/general", timeout=5)
    assert route.status_code == 200 and route.text == index.text

    script = re.search(r'src="(/assets/[^"]+\.js)"', index.text).group(1)
    asset = requests.get(f"{stack.nginx.url}{script}", headers={"Accept-Encoding": "gzip"},
                         timeout=5)
    assert asset.status_code == 200
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset.headers["Content-Encoding"] == "gzip"
    assert asset.content == (DIST / script.lstrip("/")).read_bytes()  # requests inflates it

    missing = requests.get(f"{stack.nginx.url}/assets/missing-0123abcd.js", timeout=5)
    assert missing.status_code == 404


def test_api_is_proxied_with_security_headers(stack):
    response = requests.get(f"{stack.nginx.url}/api/health", timeout=5)
    assert response.status_code == 200
    assert response.json()["db"] == "postgresql"
    assert_security_headers(response)
    assert "Cache-Control" not in response.headers  # the backend's say, not the SPA's


def test_websocket_upgrade_through_nginx_passes_the_origin_check(stack, connect, new_user):
    token = new_user()["token"]
    # What a browser on the nginx origin sends; it is not in CORS_ORIGINS,
    # so it passes only if nginx forwards Host with its port.
    page = connect(stack.nginx, "/charts", token, headers={"Origin": stack.nginx.url})
    assert page.call("streams")["ok"] is True

    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(stack.nginx, "/charts", token, headers={"Origin": "http://evil.example"})

    # Long-polling first, then the upgrade: every request must reach the same worker.
    polling = socketio.Client(reconnection=False)
    try:
        polling.connect(stack.nginx.url, namespaces=["/charts"], auth={"token": token},
                        transports=["polling", "websocket"], wait_timeout=10)
        assert wait_until(lambda: polling.transport() == "websocket")
        assert polling.call("streams", namespace="/charts", timeout=10)["ok"] is True
    finally:
        polling.disconnect()


def _send_during_reloads(stack, senders, room, stop_after, acks, errors):
    """Send from each sender in turn; every third message over a brand-new connection."""
    for n in range(stop_after):
        user, long_lived = senders[n % len(senders)]
        text = f"reload test {n}"
        try:
            if n % 3 == 2:
                client = SocketClient(stack.nginx.url, "/chat", user["token"]).connect()
                try:
                    assert client.call("join", {"room": room})["ok"]
                    acks.append(client.call("message", {"room": room, "text": text}))
                finally:
                    client.close()
            else:
                acks.append(long_lived.call("message", {"room": room, "text": text}))
        except Exception as exc:  # recorded: the test fails on any
            errors.append(f"{n}: {exc!r}")
        time.sleep(0.05)


def test_nginx_reload_drops_no_stored_message(stack, connect, new_user):
    room = unique_name("reload")
    senders = []
    for _ in range(5):  # 30 messages, at most 6 per user: well under the rate limit
        user = new_user()
        client = connect(stack.nginx, "/chat", user["token"])
        assert client.call("join", {"room": room})["ok"]
        senders.append((user, client))
    watcher = connect(stack.nginx, "/chat", new_user()["token"])
    assert watcher.call("join", {"room": room})["ok"]

    acks, errors = [], []
    sending = threading.Thread(target=_send_during_reloads,
                               args=(stack, senders, room, 30, acks, errors))
    sending.start()
    for _ in range(2):
        time.sleep(0.6)
        before = stack.nginx.worker_pids()
        stack.nginx.reload()
        # New workers answer new connections; the old ones keep open WebSockets.
        assert wait_until(lambda b=before: stack.nginx.worker_pids() - b)
    sending.join(60)
    assert not sending.is_alive()

    assert errors == []
    assert all(ack["ok"] for ack in acks), acks
    acked = [ack["message"]["id"] for ack in acks]
    assert len(acked) == 30

    # The watcher's connection was opened before both reloads and kept.
    watcher.wait_for("message", lambda got: {m["id"] for m in got} >= set(acked))
    fresh = connect(stack.nginx, "/chat", new_user()["token"])
    assert fresh.call("join", {"room": room})["ok"]
    history = fresh.call("history", {"room": room, "limit": 200})
    assert [m["id"] for m in history["messages"]] == acked
    assert [m["text"] for m in history["messages"]] == [f"reload test {n}" for n in range(30)]
    assert "emerg" not in stack.nginx.error_log()
