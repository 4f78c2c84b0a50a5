"""Chat tables: rooms, and one table for room messages and direct messages.

One table means one id sequence and one idempotency key per user: a
``client_id`` names exactly one message of its author, room or direct.
A room message has ``room`` set; a direct message has ``recipient_id`` and
``pair`` set, ``pair`` being ``"<low id>:<high id>"`` so that both sides of
a conversation page through the same index.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..auth.models import utcnow
from ..extensions import db


def pair_key(user_a: int, user_b: int) -> str:
    """The ``pair`` value shared by both directions of one conversation."""
    low, high = sorted((user_a, user_b))
    return f"{low}:{high}"


class ChatRoom(db.Model):
    """A room someone has joined at least once (``general`` is created on first use)."""

    __tablename__ = "chat_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChatMessage(db.Model):
    """A room message or a direct message; ``ts`` is milliseconds since the epoch (UTC)."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("sender_id", "client_id", name="uq_chat_messages_sender_client"),
        Index("ix_chat_messages_room_id", "room", "id"),
        Index("ix_chat_messages_pair_id", "pair", "id"),
        Index("ix_chat_messages_annotation_ts", "annotation", "ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room: Mapped[str | None] = mapped_column(String(32))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sender_name: Mapped[str] = mapped_column(String(32))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient_name: Mapped[str | None] = mapped_column(String(32))
    pair: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    ts: Mapped[int] = mapped_column(BigInteger)
    client_id: Mapped[str | None] = mapped_column(String(64))
    #: Sent with ``annotate``: drawn on the charts (room messages only).
    annotation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: ``{"kind": "stream", "stream"}`` or ``{"kind": "run", "task_id"}`` (chat/embeds.py), or None.
    embed: Mapped[dict | None] = mapped_column(JSON)

    def as_room_message(self) -> dict:
        """The contract's room ``message`` object."""
        return {"id": self.id, "room": self.room, "user": self.sender_name,
                "text": self.text, "ts": self.ts, "client_id": self.client_id,
                "annotation": bool(self.annotation), "embed": self.embed}

    def as_direct_message(self) -> dict:
        """The contract's ``dm`` object."""
        return {"id": self.id, "from": self.sender_name, "to": self.recipient_name,
                "text": self.text, "ts": self.ts, "client_id": self.client_id,
                "embed": self.embed}
