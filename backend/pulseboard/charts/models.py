"""Published streams, stored so every worker knows them.

Points are not stored: a stream's window lives in each worker's memory. The
row only records that a name exists, so a client on any worker (or after a
restart) can subscribe to a stream that was published through another.
"""

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..auth.models import utcnow
from ..extensions import db


class PublishedStream(db.Model):
    """A stream created by ``POST /api/streams/<name>/points``."""

    __tablename__ = "chart_streams"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
