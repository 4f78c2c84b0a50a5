"""Published streams, stored so every worker knows them, and the stored chart history.

A stream's live window lives in each worker's memory (or Redis). A
``chart_streams`` row only records that a name exists, so a client on any
worker (or after a restart) can subscribe to a stream that was published
through another. ``chart_points`` and ``chart_rollups`` hold the history
(:mod:`.history`).
"""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..auth.models import utcnow
from ..extensions import db


class PublishedStream(db.Model):
    """A stream created by ``POST /api/streams/<name>/points``."""

    __tablename__ = "chart_streams"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


#: An autoincrementing 64-bit key (SQLite autoincrements only an INTEGER primary key).
BigId = BigInteger().with_variant(Integer, "sqlite")


class ChartPoint(db.Model):
    """One stored raw point (:mod:`.history`); kept ``CHART_RAW_HOURS``, then rolled up.

    ``id`` orders points of equal ``t`` as they arrived, and only grows: the
    roll-up's mark (:class:`ChartRollupMark`) relies on it, so SQLite must not
    reuse the ids of deleted rows (``AUTOINCREMENT``; Postgres' sequences never do).
    """

    __tablename__ = "chart_points"
    __table_args__ = (Index("ix_chart_points_stream_t", "stream", "t"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    stream: Mapped[str] = mapped_column(String(64))
    t: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float] = mapped_column(Float)


class ChartRollup(db.Model):
    """One minute of a stream's points past ``CHART_RAW_HOURS``, kept ``CHART_RETENTION_HOURS``.

    ``bucket`` is the minute's start (ms since the epoch, a multiple of 60,000).
    """

    __tablename__ = "chart_rollups"

    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    mean: Mapped[float] = mapped_column(Float)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class ChartRollupMark(db.Model):
    """How far the roll-up got: the highest ``chart_points.id`` counted in ``chart_rollups``."""

    __tablename__ = "chart_rollup_marks"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
