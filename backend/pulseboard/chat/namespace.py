"""The ``/chat`` namespace: validate each payload, call ChatService, return the ack."""

from typing import Annotated

from flask import request
from pydantic import Field

from ..namespace import AuthNamespace
from ..wire import MAX_ID, Payload, full_match, ok, parse
from .limits import DEFAULT_PAGE, MAX_PAGE, ROOM_NAME
from .service import NAMESPACE, ChatService

ClientId = Field(default=None, min_length=1, max_length=64)
MessageId = Field(default=None, ge=0, le=MAX_ID)
PageSize = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)
#: The whole name must match (ROOM_NAME's `$` alone let "fz\n" join).
RoomName = Annotated[str, Field(max_length=64),
                     full_match(ROOM_NAME.pattern, "1-32 of a-z 0-9 _ -, starting "
                                                   "with a letter or digit")]


class RoomRef(Payload):
    room: RoomName


class RoomMessage(Payload):
    room: RoomName
    text: str  # its length is checked by the service, to answer too_large
    client_id: str | None = ClientId


class DirectMessage(Payload):
    to: str = Field(max_length=64)
    text: str
    client_id: str | None = ClientId


class HistoryQuery(Payload):
    room: RoomName
    before_id: int | None = MessageId
    limit: int = PageSize


class ResumeQuery(Payload):
    room: RoomName
    after_id: int = Field(ge=0, le=MAX_ID)
    limit: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE)


class DirectHistoryQuery(Payload):
    with_: str = Field(alias="with", max_length=64)
    before_id: int | None = MessageId
    after_id: int | None = MessageId
    limit: int = PageSize


class ChatNamespace(AuthNamespace):
    """Rooms, direct messages, presence and notifications; see the ``/chat`` contract."""

    def __init__(self, service: ChatService):
        super().__init__(NAMESPACE)
        self.service = service

    def disconnected(self, identity, sid):
        self.service.disconnect(sid, identity)

    def on_rooms(self, data):
        parse(Payload, data)  # takes no payload: anything but nothing or {} is bad_request
        return ok(rooms=self.service.rooms())

    def on_join(self, data):
        room = parse(RoomRef, data).room
        return ok(**self.service.join(request.sid, self.user, room))

    def on_leave(self, data):
        self.service.leave(request.sid, self.user, parse(RoomRef, data).room)
        return ok()

    def on_message(self, data):
        msg = parse(RoomMessage, data)
        return ok(message=self.service.post(request.sid, self.user, msg.room, msg.text,
                                            msg.client_id))

    def on_dm(self, data):
        msg = parse(DirectMessage, data)
        return ok(message=self.service.send_dm(self.user, msg.to, msg.text, msg.client_id))

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
        parse(Payload, data)
        return ok(conversations=self.service.conversations(self.user))
