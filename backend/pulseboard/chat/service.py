"""ChatService: rooms, room and direct messages, history, presence and notifications.

Conventions every event of ``/chat`` follows (see also ``docs/contract.md``):

* ``ts`` is an integer: milliseconds since the Unix epoch, UTC, as on charts.
* Message ids come from one increasing sequence shared by room and direct
  messages; every list of messages is oldest first.
* A socket must have joined a room (this socket, not another tab of its
  user) to post to it, to read its ``history`` and to ``resume`` it.
  Joining is free for any valid name, so this enforces the flow
  join → read/post rather than secrecy.
* Delivery is at least once: a message stored while a socket joins may be in
  the ``join`` snapshot and also arrive as an event; clients key by ``id``.
* ``client_id`` is unique per author across room and direct messages. A
  repeat for the same room (or recipient) answers with the first message,
  which is neither stored, broadcast nor counted again; a repeat aimed
  elsewhere is a ``bad_request``.
"""

from ..auth.service import find_user
from ..auth.tokens import Identity
from ..namespace import user_room
from ..wire import ApiError, now_ms
from . import store
from .embeds import summary
from .mentions import mentioned_users
from .models import ChatMessage, pair_key
from .presence import NAMESPACE, Presence, chat_room
from .rules import (
    DEFAULT_PAGE,
    DEFAULT_ROOM,
    JOIN_MESSAGES,
    MAX_ROOMS_PER_SOCKET,
    chat_limiter,
    check_room_name,
    clean_text,
    preview,
)

MAX_CONVERSATIONS = 200
__all__ = ["NAMESPACE", "ChatService", "chat_room"]


class ChatService:
    """The ``/chat`` feature's state and rules, independent of Flask's request globals.

    :param socketio: the ``SocketIO`` instance that emits events and moves
        sockets in and out of Socket.IO rooms.
    """

    def __init__(self, socketio, check_embed=None):
        self.socketio = socketio
        #: ``check_embed(embed) -> stored embed``, raising ``not_found`` (chat/embeds.py).
        self.check_embed = check_embed or (lambda embed: embed)
        self.presence = Presence(socketio, on_gone=self._announce_gone)
        self.limiter = chat_limiter(socketio)
        #: ``hook(user, message)`` after a new room or direct message is stored (alerts' /ack).
        self.on_posted: list = []

    def _emit(self, event: str, data: dict, to, skip_sid: str | None = None) -> None:
        self.socketio.emit(event, data, to=to, namespace=NAMESPACE, skip_sid=skip_sid)

    # -- rooms and presence ----------------------------------------------------

    def rooms(self) -> list[dict]:
        """Every room (``general`` included) with how many users are online in it."""
        names = sorted({DEFAULT_ROOM, *store.room_names()})
        online = self.presence.online_counts(names)
        return [{"name": n, "online": online[n]} for n in names]

    def join(self, sid: str, user: Identity, room: str) -> dict:
        """Put socket ``sid`` in ``room`` (created on first join); return members and messages."""
        check_room_name(room)
        if not self.presence.has_joined(sid, room):
            if self.presence.rooms_of(sid) >= MAX_ROOMS_PER_SOCKET:
                raise ApiError("too_large", f"a socket joins at most {MAX_ROOMS_PER_SOCKET} rooms")
            store.ensure_room(room)
            # Enter the Socket.IO room before reading the snapshot, so that a
            # message stored meanwhile is in the snapshot, the broadcast or both.
            if self.presence.join(sid, user.username, room):
                # The joining socket learns who is there from the ack instead.
                self._emit("presence", {"room": room, "user": user.username, "online": True},
                           chat_room(room), skip_sid=sid)
        messages, _ = store.page(ChatMessage.room == room, JOIN_MESSAGES)
        return {"room": room, "members": self.presence.members(room),
                "messages": [m.as_room_message() for m in messages]}

    def leave(self, sid: str, user: Identity, room: str) -> None:
        """Take socket ``sid`` out of ``room``; leaving a room not joined is a no-op."""
        check_room_name(room)
        if self.presence.leave(sid, user.username, room):
            self._announce_offline(user, room)

    def disconnect(self, sid: str, user: Identity) -> None:
        """Forget a disconnected socket; announce rooms its user is no longer in."""
        for room in self.presence.drop(sid, user.username):
            self._announce_offline(user, room)

    def _announce_offline(self, user: Identity, room: str) -> None:
        self._announce_gone(room, user.username)

    def _announce_gone(self, room: str, username: str) -> None:
        self._emit("presence", {"room": room, "user": username, "online": False},
                   chat_room(room))

    def _require_joined(self, sid: str, room: str) -> None:
        check_room_name(room)
        if not self.presence.has_joined(sid, room):
            raise ApiError("forbidden", f"join room {room!r} first")

    # -- sending ---------------------------------------------------------------

    def post(self, sid: str, user: Identity, room: str, text: str,
             client_id: str | None = None, embed: dict | None = None,
             annotate: bool = False) -> dict:
        """Store and broadcast a room message; notify the users it mentions.

        ``embed`` (a stream or a run, see chat/embeds.py) is checked before
        anything is stored; a message with an embed may have empty text.
        ``annotate`` marks it an annotation (drawn on the charts by the
        annotations feature's ``on_posted`` hook).
        """
        self._require_joined(sid, room)
        text, embed = self._content(text, embed)
        row, created = self._save(user, ChatMessage(
            room=room, sender_id=user.id, sender_name=user.username,
            text=text, ts=now_ms(), client_id=client_id, embed=embed, annotation=annotate),
            lambda first: first.room == room)
        message = row.as_room_message()
        if created:
            self._emit("message", message, chat_room(room))
            for target in mentioned_users(row.text, user.id):
                self._emit("notification", {
                    "kind": "mention", "from": user.username, "room": room,
                    "message_id": row.id, "preview": preview(row.text)}, user_room(target.id))
            for hook in self.on_posted:
                hook(user, message)
        return message

    def send_dm(self, user: Identity, to: str, text: str, client_id: str | None = None,
                embed: dict | None = None) -> dict:
        """Store a direct message; deliver it to every socket of both users."""
        text, embed = self._content(text, embed)
        recipient = self._other_user(user, to)
        row, created = self._save(user, ChatMessage(
            sender_id=user.id, sender_name=user.username, recipient_id=recipient.id,
            recipient_name=recipient.username, pair=pair_key(user.id, recipient.id),
            text=text, ts=now_ms(), client_id=client_id, embed=embed),
            lambda first: first.recipient_id == recipient.id)
        message = row.as_direct_message()
        if created:
            self._emit("dm", message, [user_room(user.id), user_room(recipient.id)])
            self._emit("notification", {
                "kind": "dm", "from": user.username, "message_id": row.id,
                "preview": preview(row.text or summary(row.embed))}, user_room(recipient.id))
            for hook in self.on_posted:
                hook(user, message)
        return message

    def _content(self, text: str, embed: dict | None) -> tuple[str, dict | None]:
        """A message's cleaned text and checked embed; text may be empty only beside an embed."""
        if embed is not None and not text.strip():
            return "", self.check_embed(embed)
        return clean_text(text), self.check_embed(embed)

    def _save(self, user: Identity, message: ChatMessage, same_target) -> tuple[ChatMessage, bool]:
        """Store ``message`` and count it against ``user``'s rate limit: ``(row, created)``.

        A repeated ``client_id`` answers with the first message (``created``
        false), is not counted, and is answered even when the user is rate
        limited, so that a client may always retry. ``same_target(first)``
        tells whether the first message went where this one goes.
        """
        key = str(user.id)
        try:
            self.limiter.hit(key, "messages")
        except ApiError:
            first = store.by_client_id(user.id, message.client_id)
            if first is None:
                raise
            return self._check_repeat(first, same_target), False
        row, created = store.save(message)
        if not created:
            self.limiter.refund(key)
            self._check_repeat(row, same_target)
        return row, created

    @staticmethod
    def _check_repeat(first: ChatMessage, same_target) -> ChatMessage:
        if not same_target(first):
            raise ApiError("bad_request",
                           f"client_id {first.client_id!r} was used for another message")
        return first

    @staticmethod
    def _other_user(user: Identity, username: str) -> Identity:
        other = find_user(username)
        if other is None:
            raise ApiError("not_found", f"no user named {username!r}")
        if other.id == user.id:
            raise ApiError("bad_request", "direct messages go to another user")
        return other

    # -- reading ---------------------------------------------------------------

    def history(self, sid: str, room: str, before_id: int | None = None,
                limit: int = DEFAULT_PAGE) -> dict:
        """Up to ``limit`` room messages before ``before_id`` (or the latest), oldest first."""
        self._require_joined(sid, room)
        rows, more = store.page(ChatMessage.room == room, limit, before_id=before_id)
        return {"messages": [m.as_room_message() for m in rows], "has_more": more}

    def resume(self, sid: str, room: str, after_id: int, limit: int) -> dict:
        """The room messages after ``after_id``, oldest first: what a client missed."""
        self._require_joined(sid, room)
        rows, more = store.page(ChatMessage.room == room, limit, after_id=after_id)
        return {"messages": [m.as_room_message() for m in rows], "has_more": more}

    def dm_history(self, user: Identity, other: str, limit: int, before_id: int | None = None,
                   after_id: int | None = None) -> dict:
        """A page of the caller's own conversation with ``other``, oldest first."""
        if before_id is not None and after_id is not None:
            raise ApiError("bad_request", "give before_id or after_id, not both")
        peer = self._other_user(user, other)
        rows, more = store.page(ChatMessage.pair == pair_key(user.id, peer.id), limit,
                                before_id=before_id, after_id=after_id)
        return {"with": peer.username, "messages": [m.as_direct_message() for m in rows],
                "has_more": more}

    def conversations(self, user: Identity) -> list[dict]:
        """The caller's DM conversations, most recent first, each with its last message."""
        latest = store.conversations(user.id, MAX_CONVERSATIONS)
        return [{"with": m.recipient_name if m.sender_id == user.id else m.sender_name,
                 "last": m.as_direct_message()} for m in latest]
