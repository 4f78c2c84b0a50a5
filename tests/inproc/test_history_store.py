"""Chart history storage in process: the buffer bound, roll-up, retention at a given ``now``."""

import pytest
from sqlalchemy import func, select

from pulseboard import retention
from pulseboard.charts import history
from pulseboard.charts.models import ChartPoint, ChartRollup
from pulseboard.debug.models import DebugMessage
from pulseboard.extensions import db, socketio
from pulseboard.tasks.models import LogLine, TaskRun

HOUR = 3_600_000
DAY = 24 * HOUR
#: A whole minute, long after the epoch: "now" of these tests.
NOW = 1_800_000_000_000


@pytest.fixture
def clean(app):
    """An app context with no stored chart points, roll-ups, runs or debug messages."""
    with app.app_context():
        for model in (ChartPoint, ChartRollup, LogLine, TaskRun, DebugMessage):
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


def test_sweep_rolls_up_merges_and_is_idempotent(clean):
    config = {**clean.config, "CHART_RAW_HOURS": 6, "CHART_RETENTION_HOURS": 24}
    w = writer(clean)
    old = NOW - 7 * HOUR  # a whole minute, past the raw hours
    w.add("s", [[old + i * 1000, float(i)] for i in range(120)])  # two minutes at 1 Hz
    w.add("s", [[NOW - HOUR, 5.0]])  # recent: stays raw
    w.add("gone", [[NOW - 25 * HOUR, 1.0]])  # past retention
    w.flush()
    done = retention.sweep(config, NOW)
    assert done["chart_rolled"] == 120 and done["chart_buckets"] == 2
    assert done["chart_expired"] == 1
    rollups = db.session.execute(select(ChartRollup.bucket, ChartRollup.mean, ChartRollup.minimum,
                                        ChartRollup.maximum, ChartRollup.count)
                                 .order_by(ChartRollup.bucket)).all()
    assert [tuple(r) for r in rollups] == [(old, 29.5, 0, 59, 60),
                                           (old + 60_000, 89.5, 60, 119, 60)]
    assert db.session.scalar(select(func.count()).select_from(ChartPoint)) == 1
    assert retention.sweep(config, NOW)["chart_rolled"] == 0  # again: nothing changes
    assert db.session.scalar(select(func.sum(ChartRollup.count))) == 120

    # A late point with an old time lands in a rolled-up minute: merged, not replaced.
    w.add("s", [[old + 30_500, 1000.0]])
    w.flush()
    retention.sweep(config, NOW)
    row = db.session.get(ChartRollup, ("s", old), populate_existing=True)
    assert (row.count, row.maximum) == (61, 1000)
    assert row.mean == pytest.approx((sum(range(60)) + 1000) / 61)

    # Past the retention the buckets go too.
    assert retention.sweep(config, old + 24 * HOUR + 60_000)["chart_expired_buckets"] == 1


def test_history_combines_raw_points_and_rollups_across_the_boundary(clean):
    config = {**clean.config, "CHART_RAW_HOURS": 1, "CHART_RETENTION_HOURS": 24}
    w = writer(clean)
    start = NOW - 2 * HOUR
    w.add("s", [[start + i * 10_000, 1.0] for i in range(360)])  # 1 h before the boundary
    w.add("s", [[start + HOUR + i * 10_000, 3.0] for i in range(360)])  # 1 h after it
    w.flush()
    retention.sweep(config, NOW)
    assert db.session.scalar(select(func.count()).select_from(ChartRollup)) == 60
    assert db.session.scalar(select(func.count()).select_from(ChartPoint)) == 360

    step, points = history.read("s", start, NOW, 5000)
    assert step == 60_000  # roll-ups in range: buckets at least a minute wide
    assert len(points) == 120 and [t for t, _ in points] == [start + i * 60_000
                                                             for i in range(120)]
    assert {v for _, v in points[:60]} == {1.0} and {v for _, v in points[60:]} == {3.0}
    step, points = history.read("s", start, NOW - 1, 2)  # two hours: two buckets of one
    assert step == HOUR and points == [[start, 1.0], [start + HOUR, 3.0]]
    step, points = history.read("s", start, NOW, 1)  # the range is inclusive: 2 h + 1 ms
    assert step == 2 * HOUR + 1 and points == [[start, 2.0]]  # weighted by counts
    assert history.read("s", start + HOUR, NOW, 5000)[0] == 0  # raw only: raw points


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
