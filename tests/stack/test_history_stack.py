"""Stored chart history on the stack (Postgres, two workers): stored once, read anywhere."""

import time

from sqlalchemy import func, select

from support.clients import api_get, publish_points, unique_name, wait_until

HOUR = 3_600_000


def test_points_through_one_worker_are_in_history_through_the_other_once(stack, connect,
                                                                          new_user):
    token = new_user()["token"]
    a, b = stack.workers
    stream = f"stack.{unique_name('history')}"
    base = int(time.time() * 1000) - 60_000
    points = [[base + i * 10, float(i % 7)] for i in range(2000)]
    assert publish_points(a.url, token, stream, {"points": points}).status_code == 202

    url = f"{b.url}/api/streams/{stream}/history"
    params = {"from": base, "to": base + 19_999, "max_points": 5000}
    assert wait_until(lambda: len(api_get(url, token, params=params).json()["points"]) >= 2000)
    time.sleep(1.5)  # past another flush of either worker: a second copy would show now
    body = api_get(url, token, params=params).json()
    assert body["step_ms"] == 0 and body["points"] == points  # once each, in order

    # Bucket averages in Postgres' SQL: 2000 points into 20 buckets of 1 s (100 each).
    ack = connect(b, "/charts", token).call("history", {**params, "stream": stream,
                                                        "max_points": 20})
    assert ack["ok"] and ack["step_ms"] == 1000 and len(ack["points"]) == 20
    assert ack["points"][0] == [base, sum(i % 7 for i in range(100)) / 100]

    # A sampled stream: the lease holder alone stores it, whoever subscribes where.
    for worker in (a, b):
        assert connect(worker, "/charts", token).call("subscribe",
                                                      {"stream": "demo.random"})["ok"]
    since = int(time.time() * 1000)
    url = f"{a.url}/api/streams/demo.random/history"
    assert wait_until(lambda: len(api_get(url, token, params={"from": since}).json()["points"])
                      >= 10)
    stored = [t for t, _ in api_get(url, token, params={"from": since}).json()["points"]]
    assert len(stored) == len(set(stored))


def test_the_roll_up_on_postgres(stack):
    """The sweep's SQL on Postgres, in this process, beside the workers' own sweeps.

    This process takes no lease: the roll-up's compare-and-set on its mark
    keeps two at once from counting a point twice.
    """
    from pulseboard import create_app, retention
    from pulseboard.charts import history
    from pulseboard.charts.models import ChartPoint, ChartRollup
    from pulseboard.extensions import db, socketio

    app = create_app({"SQLALCHEMY_DATABASE_URI": stack.database_url, "SECRET_KEY": "x",
                      "ASYNC_MODE": "threading", "MESSAGE_QUEUE": None,
                      "CHART_RAW_HOURS": 6, "CHART_RETENTION_HOURS": 168})
    stream = f"stack.{unique_name('rollup')}"
    now = int(time.time() * 1000)
    old = (now - 7 * HOUR) // 60_000 * 60_000
    writer = history.HistoryWriter(app, socketio)
    writer.add(stream, [[old + i * 1000, float(i)] for i in range(120)])
    writer.add(stream, [[now - HOUR, 5.0]])
    try:
        writer.flush_now()
        with app.app_context():
            retention.sweep(app.config, now)
            retention.sweep(app.config, now)  # idempotent
            rows = db.session.execute(
                select(ChartRollup.bucket, ChartRollup.mean, ChartRollup.count)
                .where(ChartRollup.stream == stream).order_by(ChartRollup.bucket)).all()
            # The workers' own sweeps may roll these up first: the same buckets, once.
            recent = (now - HOUR) // 60_000 * 60_000
            assert [tuple(r) for r in rows] == [(old, 29.5, 60), (old + 60_000, 89.5, 60),
                                                (recent, 5.0, 1)]
            raw = db.session.scalar(select(func.count()).where(ChartPoint.stream == stream))
            assert raw == 1
            step, points = history.read(stream, old, now, 5000, now - 6 * HOUR)
            assert step == 60_000 and points[:2] == [[old, 29.5], [old + 60_000, 89.5]]
            assert points[-1][1] == 5.0
    finally:
        with app.app_context():
            db.session.execute(db.delete(ChartPoint).where(ChartPoint.stream == stream))
            db.session.execute(db.delete(ChartRollup).where(ChartRollup.stream == stream))
            db.session.commit()
            db.engine.dispose()


def test_a_point_committed_after_a_higher_id_is_still_rolled_up(stack):
    """Postgres hands out ids at INSERT: a flush still open while another commits.

    Worker A's insert (the lower id) is uncommitted while B's (higher) is
    committed; a sweep then must not move the mark past A's row (it waits for
    A), else A's point would never be counted. The sweep runs in a thread so
    A can commit while it waits.
    """
    import threading

    from sqlalchemy import insert

    from pulseboard import create_app, retention
    from pulseboard.charts.models import ChartPoint, ChartRollup
    from pulseboard.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": stack.database_url, "SECRET_KEY": "x",
                      "ASYNC_MODE": "threading", "MESSAGE_QUEUE": None,
                      "CHART_RAW_HOURS": 6, "CHART_RETENTION_HOURS": 168})
    stream = f"stack.{unique_name('inflight')}"
    now = int(time.time() * 1000)
    with app.app_context():
        engine = db.engine
        a, b = engine.connect(), engine.connect()
        try:
            a.begin()
            a.execute(insert(ChartPoint.__table__), [{"stream": stream, "t": now, "value": 1.0}])
            with b.begin():
                b.execute(insert(ChartPoint.__table__),
                          [{"stream": stream, "t": now + 1, "value": 2.0}])

            def sweep():
                with app.app_context():
                    retention.sweep(app.config, now)

            sweeper = threading.Thread(target=sweep)
            sweeper.start()
            sweeper.join(1.0)  # the fixed roll-up waits here for A's transaction
            a.commit()
            sweeper.join(30)
            assert not sweeper.is_alive()
            retention.sweep(app.config, now)
            counts = db.session.scalars(select(ChartRollup.count)
                                        .where(ChartRollup.stream == stream)).all()
            assert sum(counts) == 2  # both points, once each
        finally:
            a.close()
            b.close()
            db.session.execute(db.delete(ChartPoint).where(ChartPoint.stream == stream))
            db.session.execute(db.delete(ChartRollup).where(ChartRollup.stream == stream))
            db.session.commit()
            db.engine.dispose()
