"""Chart history storage in process: the buffer bound, roll-up, retention at a given ``now``."""

import pytest
from sqlalchemy import func, select

from pulseboard import retention
from pulseboard.charts import history
from pulseboard.charts.models import ChartPoint, ChartRollup, ChartRollupMark
from pulseboard.debug.models import DebugMessage
from pulseboard.extensions import db, socketio
from pulseboard.tasks.models import LogLine, TaskRun
from pulseboard.wire import now_ms

HOUR = 3_600_000
DAY = 24 * HOUR
#: A whole minute, long after the epoch: "now" of these tests.
NOW = 1_800_000_000_000


@pytest.fixture
def clean(app):
    """An app context with no stored chart points, roll-ups, runs or debug messages.

    The roll-up's mark goes too; ids of chart points keep growing all the same.
    """
    with app.app_context():
        for model in (ChartPoint, ChartRollup, ChartRollupMark, LogLine, TaskRun, DebugMessage):
            db.session.execute(db.delete(model))
        db.session.commit()
        yield app


def writer(app, **options):
    return history.HistoryWriter(app, socketio, **options)


def test_a_full_buffer_drops_the_oldest_and_counts_them(clean, caplog):
    w = writer(clean, max_buffered=6)
    w.add("s", [[t, t] for t in range(3)])
    w.add("s", [[t, t] for t in range(3, 6)])
    w.add("s", [[8, float("nan")], [True, 1], [2**60, 1]])  # never stored
    assert w.pending() == 6 and w.dropped == 3  # the oldest request's points went
    w.add("s", [[6, 6]])
    assert w.dropped == 6 and caplog.text.count("buffer full") == 1  # logged once
    assert w.flush() == 1 and w.pending() == 0  # the three refused points are not stored
    assert history.read("s", 0, 100, 100) == (0, [[6, 6.0]])


def test_a_failed_flush_keeps_the_points_for_the_next(clean, monkeypatch):
    w = writer(clean)
    w.add("s", [[1, 1], [2, 2]])
    real = db.session.execute
    monkeypatch.setattr(db.session, "execute", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("database down")))
    with pytest.raises(RuntimeError):
        w.flush()
    monkeypatch.setattr(db.session, "execute", real)
    assert w.pending() == 2 and w.flush() == 2


def rollups():
    return [tuple(r) for r in db.session.execute(
        select(ChartRollup.stream, ChartRollup.bucket, ChartRollup.mean, ChartRollup.minimum,
               ChartRollup.maximum, ChartRollup.count)
        .order_by(ChartRollup.stream, ChartRollup.bucket)).all()]


def raw_count():
    return db.session.scalar(select(func.count()).select_from(ChartPoint))


def test_sweep_rolls_up_merges_and_is_idempotent(clean):
    config = {**clean.config, "CHART_RAW_HOURS": 6, "CHART_RETENTION_HOURS": 24}
    w = writer(clean)
    old = NOW - 7 * HOUR  # a whole minute, past the raw hours
    w.add("s", [[old + i * 1000, float(i)] for i in range(120)])  # two minutes at 1 Hz
    w.add("s", [[NOW - HOUR, 5.0]])  # recent: rolled up, and kept raw
    w.add("gone", [[NOW - 25 * HOUR, 1.0]])  # past retention
    w.flush()
    done = retention.sweep(config, NOW)
    assert done["chart_expired"] == 1
    assert (done["chart_rolled"], done["chart_buckets"], done["chart_raw_deleted"]) == (121, 3,
                                                                                         120)
    assert rollups() == [("s", old, 29.5, 0, 59, 60), ("s", old + 60_000, 89.5, 60, 119, 60),
                         ("s", NOW - HOUR, 5.0, 5, 5, 1)]
    assert raw_count() == 1
    again = retention.sweep(config, NOW)  # nothing changes
    assert (again["chart_rolled"], again["chart_raw_deleted"]) == (0, 0)
    assert db.session.scalar(select(func.sum(ChartRollup.count))) == 121

    # Points of a minute already rolled up (a late one with an old time, more of
    # the recent minute): merged with its bucket, not replacing it.
    w.add("s", [[old + 30_500, 1000.0], [NOW - HOUR + 1, 7.0]])
    w.flush()
    assert retention.sweep(config, NOW)["chart_rolled"] == 2
    row = db.session.get(ChartRollup, ("s", old), populate_existing=True)
    assert (row.count, row.maximum) == (61, 1000)
    assert row.mean == pytest.approx((sum(range(60)) + 1000) / 61)
    assert rollups()[-1] == ("s", NOW - HOUR, 6.0, 5, 7, 2)
    assert raw_count() == 2  # the late point was past the raw hours: gone once rolled up

    # Past the retention the buckets go too.
    assert retention.sweep(config, old + 24 * HOUR + 60_000)["chart_expired_buckets"] == 1


def test_a_second_roll_up_at_once_counts_nothing_twice(clean, monkeypatch):
    """Two workers rolling up at once (a lapsed lease): the mark's compare-and-set decides."""
    config = {**clean.config, "CHART_RAW_HOURS": 6, "CHART_RETENTION_HOURS": 24}
    w = writer(clean)
    w.add("s", [[NOW - HOUR, 1.0], [NOW - HOUR + 1, 3.0]])
    w.flush()
    assert retention.sweep(config, NOW)["chart_rolled"] == 2
    # The other one read the mark before this one moved it.
    monkeypatch.setattr(history, "rolled_up_to", lambda: 0)
    assert retention.sweep(config, NOW)["chart_rolled"] == 0
    assert rollups() == [("s", NOW - HOUR, 2.0, 1, 3, 2)]


def test_history_combines_raw_points_and_rollups_across_the_boundary(clean):
    config = {**clean.config, "CHART_RAW_HOURS": 1, "CHART_RETENTION_HOURS": 24}
    raw_from = NOW - HOUR
    w = writer(clean)
    start = NOW - 2 * HOUR
    w.add("s", [[start + i * 10_000, 1.0] for i in range(360)])  # 1 h before the boundary
    w.add("s", [[start + HOUR + i * 10_000, 3.0] for i in range(360)])  # 1 h after it
    w.flush()
    retention.sweep(config, NOW)
    assert len(rollups()) == 120 and raw_count() == 360  # the older hour is rolled up only

    step, points = history.read("s", start, NOW, 5000, raw_from)
    assert step == 60_000  # reaching back past the raw points: a minute at least
    assert [t for t, _ in points] == [start + i * 60_000 for i in range(120)]
    assert {v for _, v in points[:60]} == {1.0} and {v for _, v in points[60:]} == {3.0}
    step, points = history.read("s", start, NOW - 1, 2, raw_from)  # two hours in two buckets
    assert step == HOUR and points == [[start, 1.0], [start + HOUR, 3.0]]
    step, points = history.read("s", start, NOW, 1, raw_from)  # inclusive: 2 h + 1 ms
    assert step == 2 * HOUR + 1 and points == [[start, 2.0]]  # weighted by counts
    step, points = history.read("s", raw_from, NOW, 5000, raw_from)
    assert step == 0 and len(points) == 360  # within the raw hours: the raw points
    step, points = history.read("s", raw_from, NOW, 100, raw_from)
    assert step == 36_001 and len(points) == 100  # under a minute: from the raw points

    # Points stored since the last sweep count in minute buckets too.
    w.add("s", [[NOW - 30_000, 9.0]])
    w.flush()
    step, points = history.read("s", raw_from, NOW, 10, raw_from)
    # The last bucket starts 54 min 9 ms in: the minutes starting in it (55-59, six
    # points each) and the new point. A minute counts in the bucket its start is in.
    assert step == 360_001 and points[-1] == [raw_from + 9 * step, (30 * 3.0 + 9.0) / 31]


def test_sweep_deletes_old_task_logs_and_debug_messages(clean):
    config = {**clean.config, "TASK_LOG_RETENTION_DAYS": 30, "DEBUG_RETENTION_DAYS": 7}
    old = TaskRun(name="old", status="succeeded", steps=[], created_at=0,
                  finished_at=NOW - 31 * DAY, line_count=2)
    recent = TaskRun(name="new", status="failed", steps=[], created_at=0,
                     finished_at=NOW - 29 * DAY, line_count=1)
    running = TaskRun(name="run", status="running", steps=[], created_at=0, line_count=1)
    db.session.add_all([old, recent, running])
    db.session.flush()
    db.session.add_all([LogLine(task_id=old.id, seq=1, ts=0, stream="stdout", text="a"),
                        LogLine(task_id=old.id, seq=2, ts=0, stream="stdout", text="b"),
                        LogLine(task_id=recent.id, seq=1, ts=0, stream="stdout", text="c"),
                        LogLine(task_id=running.id, seq=1, ts=0, stream="stdout", text="d")])
    for ts in (NOW - 8 * DAY, NOW - 6 * DAY):
        db.session.add(DebugMessage(ts=ts, first_ts=ts, level="info", source="t", message="m"))
    db.session.commit()

    done = retention.sweep(config, NOW)
    assert (done["task_log_lines"], done["debug_messages"]) == (2, 1)
    assert sorted(db.session.scalars(select(LogLine.text))) == ["c", "d"]
    assert db.session.get(TaskRun, old.id) is not None  # the run stays listed
    assert list(db.session.scalars(select(DebugMessage.ts))) == [NOW - 6 * DAY]
    assert retention.sweep(config, NOW)["task_log_lines"] == 0


def test_the_sweeper_sweeps_only_with_the_lease(clean):
    class Held:
        def __init__(self, held):
            self.held = held

        def hold(self):
            return self.held

    sweeper = retention.RetentionSweeper(clean, socketio)
    sweeper.lease = Held(False)
    assert sweeper.run_once(NOW) is None
    sweeper.lease = Held(True)
    assert sweeper.run_once(NOW)["chart_rolled"] == 0


def test_retention_settings_are_numbers_above_zero(tmp_path):
    from pulseboard.config import SettingsError, from_environment

    config = from_environment(tmp_path, {})
    assert (config["CHART_RAW_HOURS"], config["CHART_RETENTION_HOURS"],
            config["TASK_LOG_RETENTION_DAYS"], config["DEBUG_RETENTION_DAYS"],
            config["RETENTION_SWEEP_SECONDS"]) == (6, 168, 30, 7, 60)
    assert from_environment(tmp_path, {"CHART_RAW_HOURS": "0.5"})["CHART_RAW_HOURS"] == 0.5
    for value, meaning in (("abc", "must be a number"), ("0", "greater than 0"),
                           ("-1", "greater than 0")):
        with pytest.raises(SettingsError, match=f"CHART_RAW_HOURS: .*{meaning}"):
            from_environment(tmp_path, {"CHART_RAW_HOURS": value})
    with pytest.raises(SettingsError, match="DEBUG_RETENTION_DAYS"):
        from_environment(tmp_path, {"DEBUG_RETENTION_DAYS": "7 days"})


def test_a_flush_interrupted_between_chunks_writes_each_point_once(clean, monkeypatch):
    """The exit flush runs while the flusher yields between chunks: the rest, once."""
    monkeypatch.setattr(history, "CHUNK_ROWS", 3)
    w = writer(clean)
    w.add("s", [[t, t] for t in range(5)])
    w.add("s", [[t, t] for t in range(5, 8)])
    interrupted = []

    class Interrupting:
        @staticmethod
        def sleep(seconds):
            if not interrupted:
                interrupted.append(None)
                interrupted[0] = w.flush()  # as the exit flush would

    w.socketio = Interrupting
    assert w.flush() == 3  # the first chunk; the interruption wrote the other five
    assert interrupted == [5] and w.pending() == 0
    assert history.read("s", 0, 100, 100) == (0, [[t, float(t)] for t in range(8)])


def test_seeded_points_are_not_taken_for_the_level_now(clean):
    """A window seeded from stored history shows the past; ``latest`` (alerts) skips it.

    An alert rule reading an hours-old stored point as fresh would resolve an
    ``absent`` alert or fire a threshold on stale data when a chart is opened.
    """
    from pulseboard.charts.models import PublishedStream

    charts = clean.extensions["pulseboard"].charts
    name = f"app.seeded{NOW}"
    old = now_ms() - HOUR
    if db.session.get(PublishedStream, name) is None:
        db.session.add(PublishedStream(name=name, unit=""))
    db.session.execute(db.insert(ChartPoint), [{"stream": name, "t": old + i, "value": float(i)}
                                               for i in range(3)])
    db.session.commit()
    stream = charts.lookup(name)
    charts._seed(stream)  # what the first subscribe does
    assert list(stream.window) == [[old, 0.0], [old + 1, 1.0], [old + 2, 2.0]]
    assert charts.latest(name) == []
    fresh = [[now_ms(), 5.0]]
    charts.publish(name, fresh)
    assert charts.latest(name) == fresh
    assert charts.latest(name, after_t=fresh[0][0]) == []


def test_a_sweep_over_more_rows_than_a_batch_handles_each_once(clean, monkeypatch):
    """Bounded rounds (small here): roll-up windows of ids, batched deletes, yields between.

    One unbounded statement over a backlog would stall the worker's greenlets
    for seconds; in rounds every point is still rolled up once, every old row deleted.
    """
    monkeypatch.setattr(history, "ROLLUP_IDS", 7, raising=False)
    monkeypatch.setattr(retention, "DELETE_ROWS", 4, raising=False)
    pauses = []
    monkeypatch.setattr(retention, "pause", lambda: pauses.append(None), raising=False)
    config = {**clean.config, "CHART_RAW_HOURS": 6, "CHART_RETENTION_HOURS": 24,
              "TASK_LOG_RETENTION_DAYS": 30}
    w = writer(clean)
    old = NOW - 7 * HOUR
    w.add("s", [[old + i * 1000, float(i)] for i in range(120)])
    w.add("s", [[NOW - HOUR, 5.0]])
    w.add("gone", [[NOW - 25 * HOUR + i, 1.0] for i in range(9)])  # past retention
    w.flush()
    run = TaskRun(name="old", status="succeeded", steps=[], created_at=0,
                  finished_at=NOW - 31 * DAY, line_count=10)
    db.session.add(run)
    db.session.flush()
    db.session.add_all([LogLine(task_id=run.id, seq=i, ts=0, stream="stdout", text="x")
                        for i in range(1, 11)])
    db.session.commit()

    done = retention.sweep(config, NOW)
    assert (done["chart_expired"], done["chart_rolled"], done["chart_raw_deleted"],
            done["task_log_lines"]) == (9, 121, 120, 10)
    assert rollups() == [("s", old, 29.5, 0, 59, 60), ("s", old + 60_000, 89.5, 60, 119, 60),
                         ("s", NOW - HOUR, 5.0, 5, 5, 1)]
    assert raw_count() == 1 and db.session.scalar(select(func.count()).select_from(LogLine)) == 0
    # 121 ids in windows of 7, 120 + 9 + 10 rows in batches of 4: many rounds, a yield each.
    assert len(pauses) >= 121 // 7 + 120 // 4
    again = retention.sweep(config, NOW)
    assert (again["chart_rolled"], again["chart_raw_deleted"], again["task_log_lines"]) == (0, 0,
                                                                                            0)
