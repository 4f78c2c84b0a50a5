"""The retention sweep: what stored history is kept, and for how long.

Every ``RETENTION_SWEEP_SECONDS`` (60) the worker holding the lease
``retention`` (one per cluster; without a message queue the process itself)
runs :func:`sweep`:

* chart points: those stored since the last round are rolled up into
  one-minute buckets (mean, min, max, count); raw points older than
  ``CHART_RAW_HOURS`` (6) are deleted, points and buckets older than
  ``CHART_RETENTION_HOURS`` (168) too (:func:`pulseboard.charts.history.roll_up`);
* task logs: the stored lines of runs that finished more than
  ``TASK_LOG_RETENTION_DAYS`` (30) ago (the runs themselves stay listed);
* debug messages last seen more than ``DEBUG_RETENTION_DAYS`` (7) ago.

Each step is idempotent (a second sweep with the same ``now`` changes
nothing), so a lease that lapses mid-sweep costs at most a repeated step.
"""

import logging

from .background import Periodic
from .cluster import cluster_of
from .wire import now_ms

log = logging.getLogger(__name__)

HOUR_MS = 3_600_000
#: Rows one retention DELETE removes at most: each batch is its own statement and
#: transaction, with a yield between, so a large backlog never stalls the worker
#: (an eventlet greenlet blocked on one long statement stalls every socket on it).
DELETE_ROWS = 10_000
DAY_MS = 24 * HOUR_MS
LEASE_NAME = "retention"


def sweep(config, now: int) -> dict:
    """One sweep as of ``now`` (ms) with the app's ``config``; needs an app context.

    Returns what was deleted or rolled up, by kind.
    """
    from .charts.history import roll_up
    from .debug.service import delete_older_than
    from .extensions import db
    from .tasks.store import delete_old_log_lines

    charts = roll_up(now, int(config["CHART_RAW_HOURS"] * HOUR_MS),
                     int(config["CHART_RETENTION_HOURS"] * HOUR_MS))
    lines = delete_old_log_lines(now - int(config["TASK_LOG_RETENTION_DAYS"] * DAY_MS))
    db.session.commit()
    messages = delete_older_than(now - int(config["DEBUG_RETENTION_DAYS"] * DAY_MS))
    db.session.commit()
    return {**{f"chart_{key}": value for key, value in charts.items()},
            "task_log_lines": lines, "debug_messages": messages}


def pause() -> None:
    """Let the worker's other greenlets run between two rounds of a sweep."""
    from .extensions import socketio

    socketio.sleep(0)


def delete_in_batches(table, key_columns: tuple, condition, rows: int | None = None) -> int:
    """Delete the rows of ``table`` matching ``condition``, committing every batch.

    At most ``rows`` (:data:`DELETE_ROWS`) rows per ``DELETE ... WHERE key IN
    (SELECT key ... LIMIT rows)``, which both SQLite and Postgres run; rows
    are picked by ``key_columns`` (the primary key). Returns the rows deleted.
    """
    from sqlalchemy import delete, select, tuple_

    from .extensions import db

    rows = rows or DELETE_ROWS
    key = key_columns[0] if len(key_columns) == 1 else tuple_(*key_columns)
    total = 0
    while True:
        batch = select(*key_columns).where(condition).limit(rows)
        done = db.session.execute(delete(table).where(key.in_(batch))).rowcount
        db.session.commit()
        total += done
        if done < rows:
            return total
        pause()


class RetentionSweeper:
    """Runs :func:`sweep` in the background on the one worker holding the lease."""

    def __init__(self, app, socketio):
        self.app = app
        self.socketio = socketio
        self.interval = float(app.config["RETENTION_SWEEP_SECONDS"])
        # Lapses three rounds after its holder stopped (at least 30 s): a worker
        # that dies hands the sweep over, a slow sweep does not.
        self.lease = cluster_of(socketio).lease(LEASE_NAME, int(max(3 * self.interval, 30) * 1000))
        self._sweeps = Periodic(socketio, self.interval, lambda: self.run_once(now_ms()))

    def start(self) -> None:
        """Start sweeping (once); the first sweep runs at once."""
        self._sweeps.start()

    def stop(self) -> None:
        """Stop after the current round."""
        self._sweeps.stop()

    def run_once(self, now: int) -> dict | None:
        """Sweep as of ``now`` if this worker holds the lease; what it did, or None."""
        if not self.lease.hold():
            return None
        with self.app.app_context():
            from .extensions import db

            try:
                done = sweep(self.app.config, now)
            except Exception:
                db.session.rollback()
                log.exception("retention sweep failed; retried next round")
                return None
        if any(done.values()):
            log.info("retention sweep: %s", ", ".join(f"{k}={v}" for k, v in done.items() if v))
        return done
