"""Prometheus scrape sources (``SOURCES_FILE``) against real servers on 127.0.0.1.

The exposition is served by prometheus_client's own ``start_http_server``
(and, for counting scrapes, a tiny ``http.server``); Pulseboard runs as a
real ``pulseboard serve``; subscribers are real Socket.IO clients.
"""

import time

import pytest
import requests
from prometheus_client import CollectorRegistry, Gauge, generate_latest, start_http_server
from prometheus_client.parser import text_string_to_metric_families

from support.clients import api_get, register, wait_until
from support.exposition import ExpositionServer
from support.server import ServerProcess, free_port
from support.workers import two_workers


def write_sources(path, body: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return path


def stream_names(server) -> set:
    return {s["name"] for s in api_get(f"{server.url}/api/streams").json()["streams"]}


def sample_value(server, name: str) -> float:
    """The value of the one sample called ``name`` in the worker's /metrics."""
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    return next(sample.value for family in text_string_to_metric_families(text)
                for sample in family.samples if sample.name == name)


def scrape_counts(server, name: str = "pulseboard_scrapes") -> dict:
    """``{(source, result): count}`` from the worker's own /metrics (loopback may read it)."""
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    counts = {}
    for family in text_string_to_metric_families(text):
        if family.name == name:
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    key = (sample.labels["source"], sample.labels["result"])
                    counts[key] = counts.get(key, 0) + sample.value
    return counts


@pytest.fixture
def exposition():
    """A prometheus_client exposition server on a free loopback port, with its registry."""
    registry = CollectorRegistry()
    gauges = {"depth": Gauge("queue_depth", "Items waiting.", ["queue"], registry=registry),
              "other": Gauge("not_selected", "Left out.", registry=registry)}
    gauges["depth"].labels("inbox").set(3)
    gauges["depth"].labels("outbox").set(5)
    gauges["other"].set(1)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield f"http://127.0.0.1:{port}/metrics", gauges
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_source_is_scraped_into_live_streams(tmp_path, exposition, connect):
    url, gauges = exposition
    dead_port = free_port()  # nothing listens there
    sources = write_sources(tmp_path / "sources.toml", f"""
[sources.app]
url = "{url}"
interval = 1
select = ['queue_depth{{queue="inbox"}}']

[sources.down]
url = "http://127.0.0.1:{dead_port}/metrics"
interval = 1
timeout = 1
select = ["up"]
""")
    server = ServerProcess(tmp_path / "server", env={"SOURCES_FILE": str(sources)}).start()
    try:
        token = register(server.url)["token"]
        assert wait_until(lambda: "app.queue_depth.inbox" in stream_names(server), timeout=15)
        assert not any("outbox" in n or "not_selected" in n for n in stream_names(server))
        client = connect(server, "/charts", token)
        ack = client.call("subscribe", {"stream": "app.queue_depth.inbox"})
        assert ack["ok"]
        # A point still waiting for the hub's tick comes in that frame, not in the ack.
        first = ack["points"] or client.wait_for("points", timeout=15)[0]["points"]
        assert first and all(v == 3 for _, v in first)
        gauges["depth"].labels("inbox").set(42)
        frames = client.wait_for("points", lambda f: any(
            v == 42 for frame in f for _, v in frame["points"]), timeout=15)
        times = [t for frame in frames for t, _ in frame["points"]]
        assert all(abs(t - time.time() * 1000) < 60_000 for t in times)  # the scrape's time
        # The dead source fails every second: counted each time, logged once.
        assert wait_until(lambda: scrape_counts(server).get(("down", "error"), 0) >= 3,
                          timeout=20)
        assert scrape_counts(server).get(("app", "ok"), 0) >= 2
        assert server.log().count("scrape of source 'down' failed") == 1
    finally:
        server.stop()


def test_a_bad_sources_file_is_logged_and_the_server_still_serves(tmp_path):
    sources = write_sources(tmp_path / "sources.toml", "[sources.x\nurl = ")
    server = ServerProcess(tmp_path / "server", env={"SOURCES_FILE": str(sources)}).start()
    try:
        assert "sources file" in server.log() and "could not be read" in server.log()
    finally:
        server.stop()


def counting_exposition() -> ExpositionServer:
    """A source serving one gauge, ``jobs_running 2``."""
    registry = CollectorRegistry()
    Gauge("jobs_running", "Jobs.", registry=registry).set(2)
    return ExpositionServer(generate_latest(registry))


def test_two_workers_scrape_a_source_once_and_a_survivor_takes_over(tmp_path):
    target = counting_exposition()
    sources = write_sources(tmp_path / "sources.toml", f"""
[sources.jobs]
url = "{target.url}"
interval = 1
timeout = 1
select = ["jobs_running"]
""")
    try:
        with two_workers(tmp_path, {"SOURCES_FILE": str(sources)}) as workers:
            assert wait_until(lambda: len(target.hits) >= 2, timeout=20)
            start_hits, started = len(target.hits), time.monotonic()
            time.sleep(6)
            rate = (len(target.hits) - start_hits) / (time.monotonic() - started)
            assert 0.4 <= rate <= 1.5, rate  # one scrape a second for the cluster, not two
            per_worker = [scrape_counts(w).get(("jobs", "ok"), 0) for w in workers]
            assert sorted(value > 0 for value in per_worker) == [False, True], per_worker
            assert [sample_value(worker, "pulseboard_queue_up") for worker in workers] == [1, 1]
            holder = workers[per_worker.index(max(per_worker))]
            survivor = workers[1 - workers.index(holder)]
            holder.kill()
            # The lease lapses (timeout + 3 s) and the survivor scrapes from then on.
            assert wait_until(lambda: scrape_counts(survivor).get(("jobs", "ok"), 0) >= 2,
                              timeout=20)
            assert "jobs.jobs_running" in stream_names(survivor)
    finally:
        target.stop()


def big_exposition(with_length: bool) -> ExpositionServer:
    """Exposition text over 1 MB: with a Content-Length, or (HTTP/1.0) without one."""
    lines = ["# TYPE big_gauge gauge", "big_gauge 1"]
    lines += [f'padding{{n="{i}"}} {i}' for i in range(60_000)]  # never selected
    body = ("\n".join(lines) + "\n").encode()
    assert len(body) > 1_000_000
    return ExpositionServer(body, with_length)


def test_an_exposition_over_1_mb_is_refused_without_publishing(tmp_path):
    sized, unsized = big_exposition(with_length=True), big_exposition(with_length=False)
    try:
        sources = write_sources(tmp_path / "sources.toml", f"""
[sources.sized]
url = "{sized.url}"
interval = 1
timeout = 1
select = ["big_gauge"]

[sources.unsized]
url = "{unsized.url}"
interval = 1
timeout = 1
select = ["big_gauge"]
""")
        server = ServerProcess(tmp_path / "server", env={"SOURCES_FILE": str(sources)}).start()
        try:
            assert wait_until(lambda: all(scrape_counts(server).get((name, "error"), 0) >= 2
                                          for name in ("sized", "unsized")), timeout=20)
            counts = scrape_counts(server)
            assert counts.get(("sized", "ok"), 0) == 0 and counts.get(("unsized", "ok"), 0) == 0
            assert not any("big_gauge" in name for name in stream_names(server))
            log = server.log()
            for name in ("sized", "unsized"):  # logged once, like any failing source
                assert log.count(f"scrape of source {name!r} failed") == 1, log
            assert log.count("more than 1000000 bytes") == 2, log
            assert len(sized.hits) >= 2 and len(unsized.hits) >= 2
        finally:
            server.stop()
    finally:
        sized.stop()
        unsized.stop()
