"""The ``/chat`` namespace: validate each payload, call ChatService, return the ack."""

from flask import request

from ..contract.base import NoPayload
from ..contract.chat import (
    DirectHistoryQuery,
    HistoryQuery,
    PostMessage,
    ResumeQuery,
    RoomRef,
    SendDirect,
)
from ..namespace import AuthNamespace
from ..wire import ok, parse
from .service import NAMESPACE, ChatService


def embed_of(msg) -> dict | None:
    """A ``message``/``dm`` payload's embed as a plain dict (checked by the service)."""
    return msg.embed.model_dump() if msg.embed is not None else None


class ChatNamespace(AuthNamespace):
    """Rooms, direct messages, presence and notifications; see the ``/chat`` contract."""

    def __init__(self, service: ChatService):
        super().__init__(NAMESPACE)
        self.service = service

    def disconnected(self, identity, sid):
        self.service.disconnect(sid, identity)

    def on_rooms(self, data):
        parse(NoPayload, data)
        return ok(rooms=self.service.rooms())

    def on_join(self, data):
        room = parse(RoomRef, data).room
        return ok(**self.service.join(request.sid, self.user, room))

    def on_leave(self, data):
        self.service.leave(request.sid, self.user, parse(RoomRef, data).room)
        return ok()

    def on_message(self, data):
        msg = parse(PostMessage, data)
        return ok(message=self.service.post(request.sid, self.user, msg.room, msg.text,
                                            msg.client_id, embed_of(msg), annotate=msg.annotate))

    def on_dm(self, data):
        msg = parse(SendDirect, data)
        return ok(message=self.service.send_dm(self.user, msg.to, msg.text, msg.client_id,
                                               embed_of(msg)))

    def on_history(self, data):
        query = parse(HistoryQuery, data)
        return ok(**self.service.history(request.sid, query.room, query.before_id, query.limit))

    def on_resume(self, data):
        query = parse(ResumeQuery, data)
        return ok(**self.service.resume(request.sid, query.room, query.after_id, query.limit))

    def on_dm_history(self, data):
        query = parse(DirectHistoryQuery, data)
        return ok(**self.service.dm_history(self.user, query.with_, query.limit,
                                            query.before_id, query.after_id))

    def on_conversations(self, data):
        parse(NoPayload, data)
        return ok(conversations=self.service.conversations(self.user))
