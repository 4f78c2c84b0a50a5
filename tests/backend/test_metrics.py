"""``GET /metrics`` on a real server, read with prometheus_client's own text parser."""

import requests
from prometheus_client.parser import text_string_to_metric_families

from support.clients import register, wait_until
from support.server import ServerProcess
from support.tasks import start, start_server, wait_final

METRICS_TOKEN = "scraper-secret-for-tests"


def samples(server, headers=None) -> dict:
    """``{(sample name, frozenset(labels)): value}`` of one scrape."""
    response = requests.get(f"{server.url}/metrics", headers=headers or {}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(scrape: dict, name: str, **labels) -> float | None:
    wanted = set(labels.items())
    found = [v for (n, ls), v in scrape.items() if n == name and wanted <= ls]
    return sum(found) if found else None


def test_metrics_counts_connections_emits_and_task_runs(tmp_path, connect):
    server = start_server(tmp_path)
    try:
        worker = requests.get(f"{server.url}/api/health", timeout=5).json()["worker"]
        token = register(server.url)["token"]
        before = samples(server)
        assert value(before, "pulseboard_info", worker=worker) == 1
        assert value(before, "pulseboard_connections", namespace="/charts", worker=worker) == 0
        assert value(before, "pulseboard_queue_up") is None  # no message queue
        assert value(before, "process_resident_memory_bytes") > 0

        charts = connect(server, "/charts", token)
        connect(server, "/charts", token)
        logs = connect(server, "/logs", token)
        assert charts.call("subscribe", {"stream": "demo.sine"})["ok"]
        charts.wait_for("points", lambda frames: len(frames) >= 5)
        during = samples(server)
        assert value(during, "pulseboard_connections", namespace="/charts") == 2
        assert value(during, "pulseboard_connections", namespace="/logs") == 1
        assert value(during, "pulseboard_connections", namespace="/chat") == 0
        frames = value(during, "pulseboard_emits_total", namespace="/charts", event="points")
        assert frames >= 5

        wait_final(logs, start(logs, "pipeline"))
        wait_final(logs, start(logs, "failing"))
        assert wait_until(lambda: value(samples(server), "pulseboard_task_runs_total",
                                        status="failed") == 1)
        after = samples(server)
        assert value(after, "pulseboard_task_runs_total", status="succeeded", worker=worker) == 1
        assert value(after, "pulseboard_emits_total", namespace="/charts", event="points") > \
            frames
    finally:
        server.stop()


def test_without_a_token_only_direct_loopback_clients_may_read(server):
    assert samples(server)
    for headers in ({"X-Real-IP": "203.0.113.9"}, {"X-Forwarded-For": "203.0.113.9"},
                    {"Forwarded": "for=203.0.113.9;proto=http"}):
        through_proxy = requests.get(f"{server.url}/metrics", headers=headers, timeout=5)
        assert through_proxy.status_code == 403, headers
        assert through_proxy.json()["error"]["code"] == "forbidden"
        assert "METRICS_TOKEN" in through_proxy.json()["error"]["message"]


def test_with_metrics_token_every_reader_needs_it(tmp_path):
    server = ServerProcess(tmp_path / "server", env={"METRICS_TOKEN": METRICS_TOKEN}).start()
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"},
                        {"Authorization": f"Token {METRICS_TOKEN}"}):
            response = requests.get(f"{server.url}/metrics", headers=headers, timeout=5)
            assert response.status_code == 401, headers
            assert response.json()["error"]["code"] == "unauthorized"
        user_token = register(server.url)["token"]  # a user's token is not the scraper's
        assert requests.get(f"{server.url}/metrics", timeout=5, headers={
            "Authorization": f"Bearer {user_token}"}).status_code == 401
        scrape = samples(server, {"Authorization": f"Bearer {METRICS_TOKEN}",
                                  "X-Real-IP": "203.0.113.9"})
        assert value(scrape, "pulseboard_info") == 1
    finally:
        server.stop()
