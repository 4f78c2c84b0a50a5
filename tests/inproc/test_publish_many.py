"""``ChartService.publish_many``: the batch publish of ingest and the JSON publish, in process.

Each stream is refused for what :meth:`publish` refuses it for, the others
are recorded, and an idle hub emits every stream of one call in one flush.
"""

import itertools

import pytest

from pulseboard.charts.streams import stream_room
from pulseboard.wire import ApiError

_runs = itertools.count()


@pytest.fixture
def charts(app):
    """The app's ChartService, inside an app context (creating a stream stores its name)."""
    with app.app_context():
        yield app.extensions["pulseboard"].charts


@pytest.fixture
def prefix():
    """A fresh name prefix per test: streams live as long as the module's app."""
    return f"pm{next(_runs)}"


def test_every_stream_is_recorded_in_order(charts, prefix):
    refused = charts.publish_many({f"{prefix}.a": [[1, 1.0], [2, 2.0]],
                                   f"{prefix}.b": [[1, 5.0]]})
    assert refused == {}
    assert charts.latest(f"{prefix}.a") == [[1, 1.0], [2, 2.0]]
    assert charts.latest(f"{prefix}.b") == [[1, 5.0]]
    names = {s["name"] for s in charts.list_streams()}
    assert {f"{prefix}.a", f"{prefix}.b"} <= names


def test_refused_streams_are_returned_with_publishs_own_errors(charts, prefix):
    refused = charts.publish_many({
        "system.cpu": [[1, 1.0]],  # a built-in stream
        "demo.new": [[1, 1.0]],  # under a prefix the server produces
        "file.x": [[1, 1.0]],
        "Bad Name": [[1, 1.0]],
        f"{prefix}.ok": [[1, 3.0]],
    })
    assert {name: exc.code for name, exc in refused.items()} == {
        "system.cpu": "forbidden", "demo.new": "forbidden", "file.x": "forbidden",
        "Bad Name": "bad_request"}
    assert charts.latest(f"{prefix}.ok") == [[1, 3.0]]  # the others still stored
    # publish raises the same error publish_many returns.
    for name, exc in refused.items():
        with pytest.raises(ApiError) as raised:
            charts.publish(name, [[1, 1.0]])
        assert (raised.value.code, raised.value.message) == (exc.code, exc.message)


def test_the_published_streams_cap_refuses_only_the_new_names_past_it(charts, prefix,
                                                                      monkeypatch):
    charts.publish_many({f"{prefix}.old": [[1, 1.0]]})
    existing = len([s for s in charts.list_streams() if s["interval_ms"] is None])
    monkeypatch.setattr(charts, "max_published_streams", existing + 2)
    refused = charts.publish_many({f"{prefix}.n{i}": [[1, float(i)]] for i in range(4)}
                                  | {f"{prefix}.old": [[2, 2.0]]})
    assert sorted(refused) == [f"{prefix}.n2", f"{prefix}.n3"]
    assert {exc.code for exc in refused.values()} == {"too_large"}
    assert all(exc.message == "too many published streams" for exc in refused.values())
    assert charts.latest(f"{prefix}.old") == [[1, 1.0], [2, 2.0]]  # known names still go
    assert charts.latest(f"{prefix}.n1") == [[1, 1.0]]
    with pytest.raises(ApiError) as raised:
        charts.publish(f"{prefix}.n3", [[1, 1.0]])
    assert raised.value.code == "too_large"


def test_an_idle_hub_emits_every_stream_of_one_call_in_one_flush(charts, prefix):
    names = [f"{prefix}.s{i}" for i in range(5)]
    charts.publish_many({name: [[1, 0.0]] for name in names})  # create them
    hub = charts.hub
    with hub.lock:
        hub.flush()  # nothing left pending from earlier tests
        hub._due = hub._free_at = float("-inf")  # idle: the next append emits at once
        before = hub.immediate_flushes
        charts.publish_many({name: [[2, float(i)]] for i, name in enumerate(names)})
        assert hub.immediate_flushes == before + 1
        assert all(hub.pending_count(stream_room(name)) == 0 for name in names)


def test_empty_batches_record_nothing_and_emit_nothing(charts, prefix):
    charts.publish_many({f"{prefix}.e": [[1, 1.0]]})
    hub = charts.hub
    flushes = hub.immediate_flushes
    assert charts.publish_many({f"{prefix}.e": []}) == {}
    assert charts.publish_many({}) == {}
    assert charts.latest(f"{prefix}.e") == [[1, 1.0]]
    assert hub.immediate_flushes == flushes
