"""Stored debug messages."""

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..contract.debug import LEVELS, Level
from ..extensions import db

__all__ = ["LEVELS", "DebugMessage", "Level"]


class DebugMessage(db.Model):
    """One debug message; repeats within the dedupe window raise ``count``.

    ``ts`` is the last occurrence and ``first_ts`` the first, in milliseconds
    since the epoch; ``id`` grows with every new (not repeated) message.
    """

    __tablename__ = "debug_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger)
    first_ts: Mapped[int] = mapped_column(BigInteger)
    level: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    message: Mapped[str] = mapped_column(Text)
    context: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    count: Mapped[int] = mapped_column(Integer, default=1)

    def as_dict(self) -> dict:
        """The contract's ``debug`` object (plus ``first_ts``)."""
        return {"id": self.id, "ts": self.ts, "first_ts": self.first_ts, "level": self.level,
                "source": self.source, "message": self.message, "context": self.context,
                "count": self.count}
