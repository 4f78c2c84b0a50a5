"""The benchmark harness, run small: real server, real node clients, seconds long.

``make bench`` is not part of ``make test``; this is, so the harness cannot
rot: each scenario runs at a tiny size and must connect every client, deliver
every point or message exactly once and report well-formed numbers.
"""

import json
import subprocess

import pytest

from bench import driver, entries, report
from bench.processes import GENERATOR, node_binary
from bench.scenarios.charts import broadcast, capacity
from bench.scenarios.chat import chat, user_pool
from bench.scenarios.common import register_user
from bench.scenarios.ingest import ingest, subscriptions, telegraf_series
from bench.servers import scaled_stack, single_worker
from bench.stats import merge_latency

LATENCY_KEYS = {"count", "p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """One eventlet worker shared by this module's scenarios (each uses fresh streams/users)."""
    with single_worker(tmp_path_factory.mktemp("bench")) as dep:
        yield dep


def _check_latency(latency: dict, count: int) -> None:
    assert set(latency) == LATENCY_KEYS
    assert latency["count"] == count
    assert 0 <= latency["p50_ms"] <= latency["p99_ms"] <= latency["max_ms"] < 10_000


def test_fanout_delivers_every_point_to_every_subscriber(deployment):
    result = broadcast(deployment, "smoke", clients=12, rate=50, seconds=2)

    sent = result["published"]["sent"]
    assert list(sent.values()) == [100]
    assert result["connected"] == result["still_connected"] == 12
    assert result["points"] == 12 * 100
    assert result["lost"] == result["duplicates"] == result["loss"] == 0
    assert result["clients_complete"] == 12
    assert 0 < result["frames"] <= result["points"]
    assert result["points_per_s"] > 0
    _check_latency(result["latency"], 12 * 100)
    assert result["resources"]["worker0"]["rss_peak_mb"] > 10


def test_server_stamped_points_arrive_once_whatever_their_order(deployment):
    # One POST {value} per point, several in flight: arrival order may vary.
    result = broadcast(deployment, "smoke-stamped", clients=6, rate=50, seconds=2,
                       server_time=True)

    assert list(result["published"]["sent"].values()) == [100]
    assert result["published"]["failures"] == {}
    assert result["points"] == 6 * 100
    assert result["lost"] == result["duplicates"] == result["loss"] == 0
    _check_latency(result["latency"], 6 * 100)


def test_saturation_counts_frames_over_several_streams(deployment):
    result = broadcast(deployment, "smoke-sat", clients=8, rate=20, seconds=2, streams=3,
                       interval_ms=50)

    assert sorted(result["published"]["sent"].values()) == [40, 40, 40]
    assert result["points"] == 8 * 3 * 40
    assert result["loss"] == 0
    # Three streams, so at least one frame per stream per client.
    assert result["frames"] >= 8 * 3


def test_capacity_connects_idle_clients_and_reaches_all_of_them(deployment):
    result = capacity(deployment, clients=60, processes=2, settle_s=0.5)

    assert result["connected"] == result["still_connected"] == 60
    assert result["connect_rate"] > 0
    assert result["points"] == 60  # the one point published at the end, once each
    assert result["loss"] == 0
    assert result["rss_after_mb"] >= result["rss_before_mb"] > 10


def test_chat_delivers_each_message_to_every_other_member(deployment):
    users = [{"username": f"u{i}", "token": register_user(deployment.url)} for i in range(6)]
    result = chat(deployment, users, rooms=2, seconds=2, interval_ms=500)

    assert result["connected"] == 6
    assert result["sent"] == result["acked"] == 6 * 4
    assert result["refused"] == {}
    # Two rooms of three: each message reaches the two other members.
    assert result["expected_deliveries"] == result["received"] == 6 * 4 * 2
    assert result["self_echo"] == 6 * 4
    assert result["lost"] == result["loss"] == result["duplicates"] == 0
    _check_latency(result["ack_latency"], 6 * 4)
    _check_latency(result["delivery_latency"], 6 * 4 * 2)


def test_scaled_stack_chats_with_the_pool_users_copied_into_postgres(tmp_path):
    # The pool is a SQLite file; the stack's database is PostgreSQL, as deployed:
    # the copied users' tokens must hold on both workers, and a new user gets a new id.
    pool_db, users = user_pool(4, tmp_path)
    with scaled_stack(tmp_path / "stack", users_db=pool_db) as dep:
        result = chat(dep, users, rooms=1, seconds=2, interval_ms=500)
        assert register_user(dep.url, "benchnewcomer")

    assert result["connected"] == 4
    assert result["sent"] == result["acked"] == 4 * 4
    assert result["refused"] == {}
    assert result["expected_deliveries"] == result["received"] == 4 * 4 * 3
    assert result["lost"] == result["loss"] == result["duplicates"] == 0


def test_ingest_delivers_every_line_to_the_subscribers_of_its_stream(deployment):
    # 12 series, 6 clients on 2 streams each: every stream has one subscriber.
    result = ingest(deployment, "smoke", clients=6, per_client=2, series=12, rate=2_000,
                    batch_lines=500, seconds=2)

    published = result["published"]
    assert published["batches"] == 8 and published["failures"] == {}
    assert published["accepted_lines"] == published["points"] == 4_000
    assert result["connected"] == result["still_connected"] == 6
    assert result["expected_deliveries"] == result["points"] == 4_000
    assert result["lost"] == result["duplicates"] == result["loss"] == 0
    assert result["clients_complete"] == 6
    assert result["lines_per_s"] > 0
    _check_latency(result["latency"], 4_000)
    entry = entries.ingest_entry("line-protocol ingest", "1 worker", result)
    assert entry["figures"] == {"lines/s": result["lines_per_s"]}
    assert "lines/s accepted" in entry["throughput"] and entry["loss"] == 0


def test_json_publish_at_the_same_volume_is_measured_the_same_way(deployment):
    result = ingest(deployment, "smoke", clients=6, per_client=2, series=12, rate=2_000,
                    batch_lines=500, seconds=2, via="json", json_interval_ms=200)

    assert result["published"]["failures"] == {}
    assert 0 < result["expected_deliveries"] == result["points"] <= 4_000
    assert result["loss"] == result["duplicates"] == 0
    _check_latency(result["latency"], result["points"])


def test_telegraf_series_are_distinct_and_named_by_the_servers_rule():
    series = telegraf_series(64, "pre", fields=2)
    heads = [s["head"] for s in series]
    assert len(set(heads)) == 64
    assert heads[:2] == ["cpu,cpu=cpu0,host=h00",
                         "disk,device=sda0,fstype=ext4,host=h00,mode=rw,path=/d0"]
    assert series[0]["fields"] == [["usage_idle", "", "pre.cpu.usage_idle.cpu0.h00"],
                                   ["usage_user", "", "pre.cpu.usage_user.cpu0.h00"]]
    assert series[2]["fields"][0][1] == "i"  # diskio counters are integers
    assert subscriptions(5, 2, 4) == [3, 3, 2, 2]


def test_generator_refuses_anything_but_loopback():
    config = {"role": "subscribers", "url": "http://192.0.2.1:5000", "clients": 1,
              "streams": ["x"], "deadline_s": 5}
    done = subprocess.run([node_binary(), str(GENERATOR), json.dumps(config)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "127.0.0.1 only" in done.stdout


def test_merged_latency_is_exact_to_the_bucket():
    def summary(values):
        buckets: dict[int, int] = {}
        for v in values:
            buckets[int(v / 0.1)] = buckets.get(int(v / 0.1), 0) + 1
        return {"count": len(values), "max_ms": max(values),
                "mean_ms": sum(values) / len(values),
                "histogram": {"resolution_ms": 0.1, "max_ms": max(values),
                              "buckets": sorted(buckets.items())}}

    merged = merge_latency([summary([1.0] * 98), summary([50.0, 90.0])])
    assert merged["count"] == 100
    assert merged["p50_ms"] == pytest.approx(1.1)
    assert merged["p99_ms"] == pytest.approx(50.1)
    assert merged["max_ms"] == 90.0


def test_driver_writes_results_and_replaces_its_table(tmp_path, monkeypatch):
    monkeypatch.setattr(driver, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(driver, "DOC", tmp_path / "benchmarks.md")
    (tmp_path / "benchmarks.md").write_text("# Benchmarks\n\nProse stays.\n")

    first = driver.main(["--smoke", "--scenario", "fanout"])
    run = driver.main(["--smoke", "--scenario", "fanout"])

    saved = json.loads(next((tmp_path / "results").glob("*.json")).read_text())
    assert saved["profile"] == "smoke"
    assert {"cpu", "cores", "packages", "load_average"} <= set(saved["machine"])
    # Pulseboard's entry, then the node peer's, measured the same way.
    entry, peer = run["entries"]
    assert (entry["kind"], peer["kind"]) == ("pulseboard", "peer")
    # Whether the smoke run met its latency target depends on the machine's
    # load; targets belong to the benchmark report, not to a test's verdict.
    assert isinstance(entry["met"], bool) and entry["loss"] == peer["loss"] == 0
    assert set(entry["vs_peer"]) == {"p50", "p99", "cpu", "rss", "figures"}
    latest = tmp_path / "results" / f"{run['started'].replace(':', '-')}.json"
    assert json.loads(latest.read_text())["entries"][0]["vs_peer"] == entry["vs_peer"]
    doc = (tmp_path / "benchmarks.md").read_text()
    assert "Prose stays." in doc
    assert doc.count("<!-- bench:smoke:start -->") == 1
    assert "| fanout: chart fan-out 50 pts/s | 1 worker (eventlet) |" in doc
    assert "| fanout: chart fan-out 50 pts/s | node socket.io 4.8" in doc
    assert f"{report.TIMES} peer) |" in doc
    assert report.table(run) in doc
    assert report.table(first) not in doc
