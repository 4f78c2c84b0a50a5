"""Reading and writing chat rows (SQLAlchemy 2.0 style, in the caller's app context)."""

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..wire import ApiError
from .models import ChatMessage, ChatRoom
from .rules import MAX_ROOMS


def ensure_room(name: str) -> None:
    """Create room ``name`` unless it exists; ``too_large`` past :data:`MAX_ROOMS`."""
    if db.session.scalar(select(ChatRoom.id).where(ChatRoom.name == name)) is not None:
        return
    if db.session.scalar(select(func.count(ChatRoom.id))) >= MAX_ROOMS:
        raise ApiError("too_large", f"there are already {MAX_ROOMS} rooms; join an existing one")
    db.session.add(ChatRoom(name=name))
    try:
        db.session.commit()
    except IntegrityError:  # another socket created it first: it exists, as wanted
        db.session.rollback()


def room_names() -> list[str]:
    """Every stored room's name, sorted."""
    return list(db.session.scalars(select(ChatRoom.name).order_by(ChatRoom.name)))


def by_client_id(sender_id: int, client_id: str | None) -> ChatMessage | None:
    """The message ``sender_id`` already sent under ``client_id``, if any."""
    if client_id is None:
        return None
    return db.session.scalar(select(ChatMessage).where(
        ChatMessage.sender_id == sender_id, ChatMessage.client_id == client_id))


_INSERT_MESSAGE = insert(ChatMessage.__table__)
_MESSAGE_COLUMNS = tuple(c.key for c in ChatMessage.__table__.columns if not c.primary_key)


def save(message: ChatMessage) -> tuple[ChatMessage, bool]:
    """Store ``message``; return ``(stored, created)``.

    A message whose ``client_id`` its sender already used is refused by the
    unique constraint, and the first one is returned with ``created=False``:
    one INSERT for every message instead of a lookup before each. The INSERT
    is a Core statement compiled once, on a connection of its own: the ORM's
    unit of work and session bookkeeping cost more than the database did
    (docs/benchmarks.md). ``message`` stays transient, with its ``id`` set.
    """
    # An attribute left unset (None) takes the column's default (``annotation``: false).
    values = {key: value for key in _MESSAGE_COLUMNS
              if (value := getattr(message, key)) is not None}
    try:
        with db.engine.begin() as connection:
            result = connection.execute(_INSERT_MESSAGE, values)
    except IntegrityError:
        first = by_client_id(message.sender_id, message.client_id)
        if first is None:
            raise
        return first, False
    message.id = result.inserted_primary_key[0]
    return message, True


def page(criterion, limit: int, before_id: int | None = None,
         after_id: int | None = None) -> tuple[list[ChatMessage], bool]:
    """One page of messages matching ``criterion``, oldest first, and whether more exist.

    With ``after_id`` the page is the oldest ``limit`` messages after it (the
    ones a client missed); otherwise it is the newest ``limit`` messages
    before ``before_id`` (or overall). ``more`` says whether the page was cut
    short in the direction it was read.
    """
    query = select(ChatMessage).where(criterion)
    if after_id is not None:
        query = query.where(ChatMessage.id > after_id).order_by(ChatMessage.id)
        rows = list(db.session.scalars(query.limit(limit + 1)))
        return rows[:limit], len(rows) > limit
    if before_id is not None:
        query = query.where(ChatMessage.id < before_id)
    rows = list(db.session.scalars(query.order_by(ChatMessage.id.desc()).limit(limit + 1)))
    return rows[:limit][::-1], len(rows) > limit


def conversations(user_id: int, limit: int) -> list[ChatMessage]:
    """The latest message of each of ``user_id``'s DM conversations, newest first."""
    latest = (
        select(func.max(ChatMessage.id))
        .where(ChatMessage.pair.is_not(None),
               or_(ChatMessage.sender_id == user_id, ChatMessage.recipient_id == user_id))
        .group_by(ChatMessage.pair)
    )
    query = (select(ChatMessage).where(ChatMessage.id.in_(latest))
             .order_by(ChatMessage.id.desc()).limit(limit))
    return list(db.session.scalars(query))
