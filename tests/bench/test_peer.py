"""The node socket.io peer of the benchmark (bench/peer), run small and for real.

The peer is only worth comparing with if it keeps the contract subset the
load generator uses and one emit per publish; these tests hold it to that,
to its error values, and to stopping when its parent is gone.
"""

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from bench import report
from bench.processes import node_binary
from bench.scenarios.charts import broadcast
from bench.scenarios.chat import chat, register_users
from bench.scenarios.common import register_user
from bench.servers import PEER, node_peer
from support.clients import SocketClient, publish_points, register, wait_until
from support.server import free_port


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    """One peer shared by this module's tests (each uses fresh streams/users)."""
    with node_peer(tmp_path_factory.mktemp("peer")) as dep:
        yield dep


def test_server_stamped_points_go_out_one_frame_each(peer):
    result = broadcast(peer, "peer-stamped", clients=5, rate=50, seconds=1, server_time=True)

    assert list(result["published"]["sent"].values()) == [50]
    assert result["points"] == 5 * 50
    assert result["loss"] == result["duplicates"] == 0
    assert result["frames"] == result["points"]  # no batching: one emit per publish


def test_each_published_batch_is_one_frame(peer):
    result = broadcast(peer, "peer-batches", clients=4, rate=500, seconds=1)

    requests = result["published"]["request_latency"]["count"]
    assert result["points"] == 4 * 500
    assert result["loss"] == 0
    assert result["frames"] == 4 * requests < result["points"]


def test_chat_acks_broadcasts_and_keeps_the_rate_limit(peer):
    users = register_users(peer.url, 6)
    result = chat(peer, users, rooms=2, seconds=2, interval_ms=500)

    assert result["sent"] == result["acked"] == 6 * 4
    assert result["expected_deliveries"] == result["received"] == 6 * 4 * 2
    assert result["lost"] == result["loss"] == result["duplicates"] == 0

    client = SocketClient(peer.url, "/chat", register_user(peer.url)).connect()
    try:
        assert client.call("message", {"room": "nowhere", "text": "hi"})["error"]["code"] \
            == "forbidden"
        assert client.call("join", {"room": "limits"})["ok"]
        acks = [client.call("message", {"room": "limits", "text": f"m{i}"}) for i in range(11)]
        assert all(ack["ok"] for ack in acks[:10])
        assert acks[10]["error"]["code"] == "rate_limited"
    finally:
        client.close()


def test_concurrent_registrations_get_their_own_ids_and_names(peer):
    # Hashing a password yields to other requests: ids and names are claimed before it.
    def status(name):
        return requests.post(f"{peer.url}/api/auth/register",
                             json={"username": name, "password": "correct-horse"}, timeout=10)

    names = [f"concurrent{i}" for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(status, names + ["twice"] * 4))

    users = [answer.json()["user"] for answer in answers[:8]]
    assert sorted(user["username"] for user in users) == sorted(names)
    assert len({user["id"] for user in users}) == 8
    assert sorted(answer.status_code for answer in answers[8:]) == [201, 400, 400, 400]


def test_users_given_at_start_are_known_by_their_token(tmp_path):
    # The chat scenario's users reach the peer so, without registering.
    with node_peer(tmp_path, users=[{"username": "seeded", "token": "seeded-token"}]) as dep:
        client = SocketClient(dep.url, "/chat", "seeded-token").connect()
        try:
            assert client.call("join", {"room": "seeds"})["members"] == ["seeded"]
        finally:
            client.close()
        assert register(dep.url, "newcomer")["user"]["id"] == 2


def test_sockets_without_a_valid_token_are_refused(peer):
    for namespace in ("/charts", "/chat"):
        for token in (None, "forged"):
            client = SocketClient(peer.url, namespace, token)
            with pytest.raises(socketio.exceptions.ConnectionError, match="unauthorized"):
                client.connect(timeout=5)


def test_bad_input_gets_the_contract_error(peer):
    token = register_user(peer.url)
    assert publish_points(peer.url, "forged", "x", {"value": 1}).status_code == 401
    cases = [({"points": [[1, "a"]]}, 400), ({"value": 1, "extra": 1}, 400),
             ({"points": [[1, 1]] * 10_001}, 413)]
    for body, status in cases:
        response = publish_points(peer.url, token, "peer-bad", body)
        assert response.status_code == status
        assert response.json()["ok"] is False
    assert publish_points(peer.url, token, "system.cpu", {"value": 1}).status_code == 403

    client = SocketClient(peer.url, "/charts", token).connect()
    try:
        assert client.call("subscribe", {"stream": "peer-none"})["error"]["code"] == "not_found"
        assert client.call("subscribe", {"stream": 3})["error"]["code"] == "bad_request"
        assert client.call("bogus", {})["error"]["code"] == "not_found"
    finally:
        client.close()


def test_the_peer_exits_when_its_parent_dies():
    # A parent killed with SIGKILL cannot stop its children: the peer must
    # notice, also when it dies before the peer has even started (--parent).
    launcher = ("import os, subprocess, sys, time; "
                "p = subprocess.Popen(sys.argv[1:] + ['--parent', str(os.getpid())]); "
                "print(p.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", launcher, node_binary(), str(PEER),
                               "--port", str(free_port())], stdout=subprocess.PIPE, text=True)
    peer_pid = 0
    try:
        peer_pid = int(parent.stdout.readline())
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert wait_until(lambda: not _alive(peer_pid), timeout=15)
    finally:
        parent.kill()
        parent.wait(10)
        if _alive(peer_pid):
            os.kill(peer_pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return pid > 0 and stat.read().rsplit(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_each_pulseboard_figure_shows_its_ratio_to_the_peer():
    def entry(kind, p99, pts):
        return {"name": "chart fan-out 50 pts/s", "scenario": "fanout", "kind": kind,
                "deployment": kind, "latency": {"p50_ms": 50.0, "p99_ms": p99},
                "server": {"cpu_mean": 40.0, "rss_peak_mb": 120.0},
                "figures": {"pts/s": pts}, "throughput": f"{pts} pts/s delivered", "loss": 0}

    ours, theirs = entry("pulseboard", 96.0, 1000), entry("peer", 100.0, 500)
    other = {**entry("pulseboard", 96.0, 1000), "scenario": "modes"}
    report.add_peer_ratios([ours, theirs, other])

    row, x = report._row(ours), report.TIMES
    assert f"| 96.0 ms (0.96{x} peer) |" in row
    assert f"| 50.0 ms (1.00{x} peer) |" in row
    assert f"(vs peer: 2.00{x} pts/s)" in row
    assert "vs_peer" not in theirs and "vs_peer" not in other  # no counterpart in "modes"
    assert "peer)" not in report._row(theirs)
