"""`pulseboard publish-point`: points reach a published stream, unknown names are refused.

A real worker with a real Redis as its message queue, the CLI as a real
subprocess. Before the check, a point for a stream that was never created
exited 0 and reached nobody.
"""

import subprocess
import sys

import pytest

from support.clients import publish_points, register, unique_name
from support.server import ServerProcess
from support.stack import Redis


@pytest.fixture(scope="module")
def queued_server(tmp_path_factory):
    """``(server, redis_url, database_url)``: one worker using Redis as its queue."""
    tmp_path = tmp_path_factory.mktemp("publish-point")
    redis = Redis().start()
    database_url = f"sqlite:///{tmp_path / 'pb.db'}"
    server = ServerProcess(tmp_path / "server",
                           env={"MESSAGE_QUEUE": redis.url, "DATABASE_URL": database_url})
    try:
        server.start()
        yield server, redis.url, database_url
    finally:
        server.stop()
        redis.stop()


def publish_point(stream: str, value: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pulseboard", "publish-point", stream, value,
                           *options], capture_output=True, text=True, timeout=60)


def test_a_point_reaches_the_subscribers_of_a_created_stream(queued_server, connect):
    server, redis_url, database_url = queued_server
    token = register(server.url)["token"]
    stream = f"cli.{unique_name('made')}"
    assert publish_points(server.url, token, stream, {"value": 1}).status_code == 202
    client = connect(server, "/charts", token)
    assert client.call("subscribe", {"stream": stream})["ok"]

    done = publish_point(stream, "7.25", "--message-queue", redis_url,
                         "--database-url", database_url)
    assert done.returncode == 0, done.stderr
    client.wait_for("points", lambda frames: any(
        v == 7.25 for f in frames if f["stream"] == stream for _, v in f["points"]))


def test_a_stream_never_created_is_refused_with_a_way_out(queued_server):
    _, redis_url, database_url = queued_server
    stream = f"cli.{unique_name('never')}"
    done = publish_point(stream, "1", "--message-queue", redis_url, "--database-url", database_url)
    assert done.returncode == 1
    assert f"no stream named '{stream}'" in done.stderr
    assert f"POST /api/streams/{stream}/points" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("stream, says", [
    ("system.cpu", "produced by the server itself"),
    ("Bad Name", "stream names are 1-64"),
])
def test_server_streams_and_bad_names_are_refused(queued_server, stream, says):
    _, redis_url, database_url = queued_server
    done = publish_point(stream, "1", "--message-queue", redis_url, "--database-url", database_url)
    assert done.returncode == 1 and says in done.stderr, done.stderr


def test_an_unreadable_database_is_a_clear_error(queued_server, tmp_path):
    _, redis_url, _ = queued_server
    missing = f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}"
    done = publish_point("cli.any", "1", "--message-queue", redis_url, "--database-url", missing)
    assert done.returncode == 1
    assert "cannot read the stream list from the database" in done.stderr
    assert "Traceback" not in done.stderr
