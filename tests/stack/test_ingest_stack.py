"""Ingest through nginx, in front of two workers: line protocol in, /metrics kept inside."""

from pathlib import Path

import requests

from support.clients import unique_name

FIXTURES = Path(__file__).resolve().parents[1] / "backend" / "fixtures" / "telegraf"


def test_telegraf_batch_through_nginx_is_one_window_on_every_worker(stack, connect, new_user):
    token = new_user()["token"]
    prefix = unique_name("tg")
    response = requests.post(f"{stack.nginx.url}/api/v2/write",
                             params={"org": "ops", "bucket": "b", "prefix": prefix},
                             data=(FIXTURES / "defaults.lp").read_bytes(), timeout=30,
                             headers={"Authorization": f"Token {token}"})
    assert response.status_code == 202, response.text
    stream = f"{prefix}.cpu.usage_idle.cpu-total.pb-test-01"
    for worker in stack.workers:
        ack = connect(worker, "/charts", token).call("subscribe", {"stream": stream})
        assert ack["ok"], (worker.url, ack)
        assert ack["points"] == [[1764640800000, 96.98795180722912]]


def test_metrics_is_not_served_through_nginx_but_by_each_worker(stack):
    through_nginx = requests.get(f"{stack.nginx.url}/metrics", timeout=10)
    assert through_nginx.status_code == 404
    assert "pulseboard_info" not in through_nginx.text
    workers = set()
    for worker in stack.workers:
        direct = requests.get(f"{worker.url}/metrics", timeout=10)
        assert direct.status_code == 200 and "pulseboard_connections{" in direct.text
        workers |= {line.split('worker="', 1)[1].split('"', 1)[0]
                    for line in direct.text.splitlines() if line.startswith("pulseboard_info{")}
    assert len(workers) == 2  # each answers for its own process
