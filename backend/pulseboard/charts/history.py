"""Stored chart history: a buffered bulk writer, the read query, the roll-up.

Every point :meth:`ChartService._record <.service.ChartService._record>`
records (once per point cluster-wide: on the lease holder that sampled it or
the worker that received it) is handed to :class:`HistoryWriter`, which keeps
it in a bounded buffer and writes the buffer about once a second with
``INSERT`` executemany, chunk by chunk. The retention sweep
(:mod:`pulseboard.retention`, once a minute on one worker) rolls the points
stored since its last round into one-minute buckets (``chart_rollups``: mean,
min, max, count; merged with a bucket already there), deletes raw points
(``chart_points``) older than ``CHART_RAW_HOURS`` and everything older than
``CHART_RETENTION_HOURS``.

:func:`read` answers the ``history`` event and ``GET /api/streams/<name>/history``:
the raw points when they fit in ``max_points``, else bucket averages computed
in SQL (``GROUP BY (t - from) / step``): from the raw rows for buckets under a
minute, else from the minute buckets plus the raw rows not rolled up yet,
weighted by their counts. A range that reaches back past the raw points gets
buckets of a minute at least.
"""

import logging
import math
import threading
import time
from collections import deque

from flask import current_app
from sqlalchemy import delete, func, insert, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError

from ..background import Periodic
from ..extensions import db
from ..wire import ApiError, now_ms, ok
from .models import ChartPoint, ChartRollup, ChartRollupMark

log = logging.getLogger(__name__)

BUCKET_MS = 60_000
#: ``from`` defaults to this long before ``to``.
DEFAULT_SPAN_MS = 3_600_000
FLUSH_INTERVAL = 1.0
#: Points buffered at most; past it the oldest are dropped (and counted).
MAX_BUFFERED = 200_000
#: Rows per INSERT executemany, each its own transaction: under eventlet a long
#: SQLite write would stall every greenlet, and yielding inside a transaction
#: would leave the write lock held while another greenlet waits on it. 1,000, not
#: 5,000: the ingest scenario at 100,000 lines/s gave subscribers' p99 126 / 217 ms
#: against 226 / 270 ms (docs/benchmarks.md, "Line-protocol ingest").
CHUNK_ROWS = 1_000
#: A full buffer is logged at most this often (seconds); every drop is counted.
WARN_EVERY = 60.0
#: Seconds a flush waits for the buffer's lock (held only for list appends).
LOCK_TIMEOUT = 2.0
#: The Core table: an executemany of plain rows, without the ORM's bulk-insert bookkeeping.
POINTS = ChartPoint.__table__
#: Stored times are integers within JavaScript's exact range; others are not stored.
MAX_T = 2**53


def rows_of(batches) -> list[dict]:
    """The rows to insert for ``(stream, points)`` batches: storable points only.

    One comprehension (this runs for every point): times must be numbers
    within :data:`MAX_T` (not booleans), values finite.
    """
    finite = math.isfinite
    return [{"stream": name, "t": int(t), "value": float(value)}
            for name, points in batches for t, value in points
            if t.__class__ is not bool and -MAX_T <= t <= MAX_T and finite(value)]


class HistoryWriter:
    """Buffers points and writes them in bulk from a background task.

    :param app: the Flask app (the flusher needs an app context for the database).
    :param socketio: for the background task and its sleeps (eventlet, gevent or threads).
    """

    def __init__(self, app, socketio, max_buffered: int = MAX_BUFFERED,
                 interval: float = FLUSH_INTERVAL):
        self.app = app
        self.socketio = socketio
        self.max_buffered = max_buffered
        #: ``(stream, points)`` batches as _record had them; converted to rows when flushed.
        self._buffer: deque = deque()
        self._points = 0
        self._lock = threading.Lock()  # the buffer's own: never the hub's, never held over I/O
        self._flusher = Periodic(socketio, interval, self._flush_logged, first_after=True)
        #: Points dropped because the buffer was full, and rows written, since start.
        self.dropped = 0
        self.written = 0
        self._warned_at = -WARN_EVERY

    # -- buffering (called from _record, on hot paths) --------------------------

    def add(self, name: str, points: list) -> None:
        """Queue ``points`` of stream ``name`` for the next flush (no I/O, no copy).

        The list is kept as it is (the callers never change a recorded list);
        checking and converting the points is the flusher's work, off the
        request's path.
        """
        if not points:
            return
        with self._lock:
            self._buffer.append((name, points))
            self._points += len(points)
            self._trim()

    def _trim(self) -> None:
        """Drop the oldest batches past the bound (under the lock)."""
        dropped = 0
        while self._points > self.max_buffered and len(self._buffer) > 1:
            _, points = self._buffer.popleft()
            self._points -= len(points)
            dropped += len(points)
        if dropped:
            self._dropped(dropped)

    def _dropped(self, count: int) -> None:
        self.dropped += count
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:  # not once per point, nor per flush
            self._warned_at = now
            log.warning("chart history: buffer full (%d points), dropping the oldest "
                        "(%d so far); the database does not keep up", self.max_buffered,
                        self.dropped)

    def pending(self) -> int:
        """Points waiting for the next flush."""
        return self._points

    # -- flushing ----------------------------------------------------------------

    def start(self) -> None:
        """Start the background flusher (once)."""
        self._flusher.start()

    def stop(self) -> None:
        """Stop the flusher and write what is buffered (the process is stopping)."""
        self._flusher.stop()
        written = self.flush_now()
        if written:
            log.info("chart history: wrote %d buffered points at exit", written)

    def _flush_logged(self) -> None:
        try:
            self.flush_now()
        except Exception:  # never let the flusher die: the next round retries
            log.exception("chart history: flush failed")

    def flush_now(self) -> int:
        """:meth:`flush` inside an app context; returns the rows written."""
        with self.app.app_context():
            return self.flush()

    def flush(self) -> int:
        """Write the points buffered now (needs an app context); returns the rows written.

        Chunk by chunk: each is taken off the buffer, converted, inserted and
        committed on its own, with a yield between (no CPU-bound stretch
        longer than one chunk). Taking a chunk off the buffer before writing
        it means the exit flush, when it interrupts this one, writes the rest
        and nothing twice. A chunk that fails goes back to the front of the
        buffer (the bound still holds) and is retried on the next flush.
        """
        # With a timeout: the exit flush runs in a signal handler, which may have
        # interrupted this very greenlet inside add() with the lock held.
        if not self._lock.acquire(timeout=LOCK_TIMEOUT):
            log.warning("chart history: buffer busy, %d points not written", self._points)
            return 0
        todo = self._points  # what arrives meanwhile waits for the next flush
        self._lock.release()
        written, first = 0, True
        while todo > 0:
            if not first:
                self.socketio.sleep(0)  # between transactions: let the others run
            first = False
            if not self._lock.acquire(timeout=LOCK_TIMEOUT):
                break
            try:
                chunk = self._take(min(CHUNK_ROWS, todo))
            finally:
                self._lock.release()
            if not chunk:
                break
            todo -= sum(len(points) for _, points in chunk)
            rows = rows_of(chunk)
            try:
                if rows:
                    db.session.execute(insert(POINTS), rows)
                    db.session.commit()
            except Exception:
                db.session.rollback()
                self._requeue(chunk)
                self.written += written
                raise
            written += len(rows)
        self.written += written
        return written

    def _take(self, limit: int) -> list:
        """Remove up to ``limit`` points from the front of the buffer (under the lock)."""
        taken, count = [], 0
        while self._buffer and count < limit:
            name, points = self._buffer[0]
            room = limit - count
            if len(points) <= room:
                self._buffer.popleft()
                taken.append((name, points))
                count += len(points)
            else:  # split: the rest stays in front
                taken.append((name, points[:room]))
                self._buffer[0] = (name, points[room:])
                count += room
        self._points -= count
        return taken

    def _requeue(self, batches: list) -> None:
        """Put unwritten batches back before what arrived since."""
        with self._lock:
            self._buffer.extendleft(reversed(batches))
            self._points += sum(len(points) for _, points in batches)
            self._trim()


# -- reading -----------------------------------------------------------------------


def answer(charts, query) -> dict:
    """The ``history`` answer for a :class:`~pulseboard.contract.charts.StreamHistoryQuery`.

    :param charts: the :class:`~.service.ChartService` (an unknown stream is ``not_found``).
    """
    charts.lookup(query.stream)
    end = now_ms() if query.to is None else query.to
    start = max(0, end - DEFAULT_SPAN_MS) if query.from_ is None else query.from_
    if start > end:
        raise ApiError("bad_request", "'from' must not be after 'to'")
    raw_hours = current_app.config.get("CHART_RAW_HOURS", 6)
    raw_from = (now_ms() - int(raw_hours * 3_600_000)) // BUCKET_MS * BUCKET_MS
    step, points = read(query.stream, start, end, query.max_points, raw_from)
    return ok(stream=query.stream, **{"from": start}, to=end, step_ms=step, points=points)


def recent_raw(name: str, limit: int) -> list[list]:
    """The newest ``limit`` stored raw points of ``name``, oldest first (seeds a window)."""
    rows = db.session.execute(
        select(ChartPoint.t, ChartPoint.value).where(ChartPoint.stream == name)
        .order_by(ChartPoint.t.desc(), ChartPoint.id.desc()).limit(limit)).all()
    return [[t, value] for t, value in reversed(rows)]


def read(name: str, start: int, end: int, max_points: int,
         raw_from: int = 0) -> tuple[int, list[list]]:
    """``(step_ms, points)`` of ``name`` with ``start <= t <= end``, oldest first.

    Raw points (``step_ms`` 0) when the range holds at most ``max_points`` of
    them and reaches no minute bucket from before ``raw_from`` (where raw
    points are gone); else averages over ``step_ms``-wide buckets starting at
    ``start`` (``t`` is a bucket's start), never more than ``max_points``.
    Buckets a minute wide or more are computed from the minute roll-ups plus
    the raw points not rolled up yet (a few hundred rows for a day), narrower
    ones from the raw points.
    """
    step = -(-(end - start + 1) // max_points)  # ceil: at most max_points buckets
    old = start < raw_from and db.session.scalar(
        select(ChartRollup.bucket).where(ChartRollup.stream == name,
                                         ChartRollup.bucket.between(start, min(end, raw_from - 1)))
        .limit(1)) is not None
    if not old:
        rows = db.session.execute(
            select(ChartPoint.t, ChartPoint.value)
            .where(ChartPoint.stream == name, ChartPoint.t.between(start, end))
            .order_by(ChartPoint.t, ChartPoint.id).limit(max_points + 1)).all()
        if len(rows) <= max_points:
            return 0, [[t, value] for t, value in rows]
    if old or step >= BUCKET_MS:
        step = max(step, BUCKET_MS)
        return step, _totals(start, step, _rollup_sums(name, start, end, step),
                             _raw_sums(name, start, end, step, after_id=rolled_up_to()))
    return step, _totals(start, step, _raw_sums(name, start, end, step))


def _raw_sums(name: str, start: int, end: int, step: int, after_id: int | None = None) -> list:
    # Integer division on both dialects (t - start >= 0, so it is floor too).
    key = ((ChartPoint.t - start) // step).label("k")
    query = select(key, func.sum(ChartPoint.value), func.count()).where(
        ChartPoint.stream == name, ChartPoint.t.between(start, end))
    if after_id is not None:
        query = query.where(ChartPoint.id > after_id)
    return db.session.execute(query.group_by(key)).all()


def _rollup_sums(name: str, start: int, end: int, step: int) -> list:
    key = ((ChartRollup.bucket - start) // step).label("k")
    return db.session.execute(
        select(key, func.sum(ChartRollup.mean * ChartRollup.count), func.sum(ChartRollup.count))
        .where(ChartRollup.stream == name, ChartRollup.bucket.between(start, end))
        .group_by(key)).all()


def _totals(start: int, step: int, *parts) -> list[list]:
    """``[[bucket start, mean], ...]`` from ``(key, sum, count)`` rows, weighted by count."""
    totals: dict[int, list] = {}
    for rows in parts:
        for key, total, count in rows:
            entry = totals.setdefault(int(key), [0.0, 0])
            entry[0] += float(total)
            entry[1] += int(count)
    return [[start + key * step, total / count]
            for key, (total, count) in sorted(totals.items()) if count]


# -- roll-up and retention -------------------------------------------------------------

#: The ``chart_rollup_marks`` row of the highest raw point id rolled up so far.
MARK = "points"
#: Raw point ids one roll-up transaction covers at most (its GROUP BY stays bounded).
ROLLUP_IDS = 50_000


def rolled_up_to() -> int:
    """The highest ``chart_points.id`` already counted in the minute roll-ups (0: none)."""
    return db.session.scalar(select(ChartRollupMark.last_id).where(
        ChartRollupMark.name == MARK)) or 0


def roll_up(now: int, raw_ms: int, keep_ms: int) -> dict:
    """Roll new raw points up; delete raw ones past ``raw_ms`` and everything past ``keep_ms``.

    Every raw point is counted in its minute's bucket once: the sweep rolls
    up the points stored since the last one (ids above the mark, which moves
    in the same transaction), merging with a bucket already there (the
    current minute, a late point with an old time). So wide reads use the
    buckets, raw points can go after ``CHART_RAW_HOURS`` and a repeated sweep
    changes nothing. Run by one worker at a time (the sweep's lease).

    Bounded work per statement: the roll-up goes :data:`ROLLUP_IDS` ids per
    transaction, deletes go in batches (:func:`~pulseboard.retention.delete_in_batches`),
    with a yield between rounds. Returns counts for the log.
    """
    from ..retention import delete_in_batches, pause

    keep_from = now - keep_ms
    raw_before = (now - raw_ms) // BUCKET_MS * BUCKET_MS  # whole minutes only
    expired = delete_in_batches(ChartPoint, (ChartPoint.id,), ChartPoint.t < keep_from)
    expired_buckets = delete_in_batches(ChartRollup, (ChartRollup.stream, ChartRollup.bucket),
                                        ChartRollup.bucket <= keep_from - BUCKET_MS)
    mark = rolled_up_to()
    last_id = settled_max_id()
    db.session.commit()
    rolled, buckets = 0, 0
    while mark < last_id:
        upto = min(last_id, mark + ROLLUP_IDS)
        if not _move_mark(mark, upto):
            db.session.rollback()  # another worker rolled these up (its lease lapsed meanwhile)
            log.info("chart roll-up: another worker got there first")
            break
        fresh = _fresh_buckets(mark, upto)
        rolled += sum(entry[3] for entry in fresh.values())
        buckets += len(fresh)
        if fresh:
            _merge(fresh)  # adds the stored buckets' counts in
        db.session.commit()
        mark = upto
        if mark < last_id:
            pause()
    deleted = delete_in_batches(ChartPoint, (ChartPoint.id,),
                                (ChartPoint.t < raw_before) & (ChartPoint.id <= mark))
    return {"expired": expired, "expired_buckets": expired_buckets, "rolled": rolled,
            "buckets": buckets, "raw_deleted": deleted}


def settled_max_id() -> int:
    """The highest ``chart_points.id``, once no insert below it is still uncommitted.

    Postgres hands out ids at ``INSERT``, not at commit: while one worker's
    flush is open another can commit higher ids, and a mark moved past those
    would skip the first one's points forever. ``SHARE`` mode conflicts with
    the ``ROW EXCLUSIVE`` lock every insert holds until it commits, so this
    waits for the open flushes (about a chunk's write) and holds new ones back
    only until the caller's next commit. SQLite has one writer at a time: an
    open insert lets no other commit, so ``max(id)`` is settled already.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"LOCK TABLE {POINTS.name} IN SHARE MODE"))
    return db.session.scalar(select(func.max(ChartPoint.id))) or 0


def _fresh_buckets(after_id: int, upto: int) -> dict:
    """``{(stream, minute start): [sum, min, max, count]}`` of ids ``after_id < id <= upto``."""
    minute = (ChartPoint.t // BUCKET_MS).label("minute")
    groups = db.session.execute(
        select(ChartPoint.stream, minute, func.sum(ChartPoint.value),
               func.min(ChartPoint.value), func.max(ChartPoint.value), func.count())
        .where(ChartPoint.id > after_id, ChartPoint.id <= upto)
        .group_by(ChartPoint.stream, minute)).all()
    return {(stream, int(m) * BUCKET_MS): [float(total), low, high, int(count)]
            for stream, m, total, low, high, count in groups}


def _move_mark(mark: int, last_id: int) -> bool:
    """Move the mark from ``mark`` to ``last_id``, first thing in the roll-up's transaction.

    A compare-and-set: a second roll-up running at once (two workers, a lease
    that lapsed) finds the mark moved and changes nothing; Postgres makes it
    wait for the first one's row lock, SQLite for its write lock.
    """
    moved = db.session.execute(update(ChartRollupMark).where(
        ChartRollupMark.name == MARK, ChartRollupMark.last_id == mark)
        .values(last_id=last_id)).rowcount
    if moved or mark:
        return bool(moved)
    try:  # no mark yet (its row is made by the migration; a test may delete it)
        with db.session.begin_nested():
            db.session.execute(insert(ChartRollupMark).values(name=MARK, last_id=last_id))
    except IntegrityError:
        return False
    return True


def _merge(fresh: dict) -> None:
    """Store ``fresh`` buckets, combined with those already stored under the same key."""
    keys = list(fresh)
    key = tuple_(ChartRollup.stream, ChartRollup.bucket)
    columns = (ChartRollup.stream, ChartRollup.bucket, ChartRollup.mean, ChartRollup.minimum,
               ChartRollup.maximum, ChartRollup.count)
    for start in range(0, len(keys), 500):  # bounded IN lists
        part = keys[start:start + 500]
        for stream, bucket, mean, low, high, count in db.session.execute(
                select(*columns).where(key.in_(part))).all():
            entry = fresh[(stream, bucket)]
            entry[0] += mean * count
            entry[1] = min(entry[1], low)
            entry[2] = max(entry[2], high)
            entry[3] += count
        db.session.execute(delete(ChartRollup).where(key.in_(part)))
    db.session.execute(insert(ChartRollup), [
        {"stream": stream, "bucket": bucket, "mean": total / count, "minimum": low,
         "maximum": high, "count": count}
        for (stream, bucket), (total, low, high, count) in fresh.items()])
