"""Every event of every namespace, and the REST calls the SPA makes, with their models.

The export (:mod:`.export`) and the tests read this table; the handlers use
the payload models directly. An entry is a *request* (client→server, acked:
payload model and success-ack model; any request may also be answered with
:class:`~.base.Failure`) or an *event* (server→client).
"""

from dataclasses import dataclass, field

from pydantic import BaseModel

from . import alerts, annotations, auth, charts, chat, debug, health, ingest, tasks
from .base import Failure, NoPayload, Ok, Resync


@dataclass(frozen=True)
class Request:
    """A client→server event: what it takes and what its success ack is."""

    payload: type[BaseModel]
    ack: type[BaseModel]


@dataclass(frozen=True)
class Namespace:
    """One Socket.IO namespace: its requests and the events it pushes."""

    requests: dict[str, Request]
    events: dict[str, type[BaseModel]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """A REST call: its JSON body (None without one) and its success body."""

    body: type[BaseModel] | None
    reply: type[BaseModel]


#: Every namespace pushes ``resync`` after a message-queue outage.
COMMON_EVENTS = {"resync": Resync}

NAMESPACES: dict[str, Namespace] = {
    "/charts": Namespace(
        requests={
            "streams": Request(NoPayload, charts.StreamsAck),
            "subscribe": Request(charts.StreamRef, charts.SubscribeAck),
            "unsubscribe": Request(charts.StreamRef, Ok),
            "annotations": Request(annotations.AnnotationsQuery, annotations.AnnotationsAck),
            "history": Request(charts.StreamHistoryQuery, charts.StreamHistoryAck),
        },
        events={"points": charts.PointsFrame, "annotation": annotations.Annotation,
                **COMMON_EVENTS},
    ),
    "/logs": Namespace(
        requests={
            "tasks": Request(NoPayload, tasks.TasksAck),
            "start": Request(tasks.StartTask, tasks.TaskAck),
            "cancel": Request(tasks.TaskRef, Ok),
            "subscribe": Request(tasks.TaskSubscribe, tasks.TaskSubscribeAck),
            "unsubscribe": Request(tasks.TaskRef, Ok),
        },
        events={"lines": tasks.LinesFrame, "task": tasks.Task, **COMMON_EVENTS},
    ),
    "/debug": Namespace(
        requests={
            "subscribe": Request(debug.DebugSubscribe, debug.DebugSubscribeAck),
            "unsubscribe": Request(NoPayload, Ok),
        },
        events={"debug": debug.DebugMessage, **COMMON_EVENTS},
    ),
    "/chat": Namespace(
        requests={
            "rooms": Request(NoPayload, chat.RoomsAck),
            "join": Request(chat.RoomRef, chat.JoinAck),
            "leave": Request(chat.RoomRef, Ok),
            "message": Request(chat.PostMessage, chat.RoomMessageAck),
            "dm": Request(chat.SendDirect, chat.DirectMessageAck),
            "history": Request(chat.HistoryQuery, chat.MessagesAck),
            "resume": Request(chat.ResumeQuery, chat.MessagesAck),
            "dm_history": Request(chat.DirectHistoryQuery, chat.DirectHistoryAck),
            "conversations": Request(NoPayload, chat.ConversationsAck),
        },
        events={"message": chat.RoomMessage, "dm": chat.DirectMessage,
                "notification": chat.Notification, "presence": chat.Presence,
                **COMMON_EVENTS},
    ),
    "/alerts": Namespace(
        requests={
            "subscribe": Request(NoPayload, alerts.AlertsSubscribeAck),
            "unsubscribe": Request(NoPayload, Ok),
            "ack": Request(alerts.AlertRef, alerts.AlertAck),
            "get": Request(alerts.AlertRef, alerts.AlertDetailAck),
        },
        events={"alert": alerts.Alert, **COMMON_EVENTS},
    ),
}

#: The REST calls; every error body is :class:`~.base.Failure`.
ROUTES: dict[str, Route] = {
    "POST /api/auth/register": Route(auth.Credentials, auth.Session),
    "POST /api/auth/login": Route(auth.Credentials, auth.Session),
    "GET /api/auth/me": Route(None, auth.Me),
    "GET /api/health": Route(None, health.Health),
    "GET /api/streams": Route(None, charts.StreamList),
    "POST /api/streams/{name}/points": Route(charts.PublishBody, charts.PublishReply),
    "GET /api/streams/{name}/history": Route(None, charts.StreamHistoryAck),
    "GET /api/tasks": Route(None, tasks.TaskList),
    "POST /api/tasks": Route(tasks.StartTask, tasks.TaskAck),
    "GET /api/tasks/{id}": Route(None, tasks.TaskReply),
    "POST /api/tasks/{id}/cancel": Route(None, Ok),
    "GET /api/debug": Route(None, debug.DebugList),
    "POST /api/debug": Route(debug.PostBody, debug.PostReply),
    "POST /api/write": Route(None, ingest.WriteReply),  # line protocol, not JSON
    "POST /api/v2/write": Route(None, ingest.WriteReply),
    "GET /api/alerts": Route(None, alerts.AlertList),
    "GET /api/alerts/{id}": Route(None, alerts.AlertDetail),
    "POST /api/alerts/{id}/ack": Route(None, alerts.AlertAck),
    "GET /api/annotations": Route(None, annotations.AnnotationsAck),
}

#: Models every client needs whatever it calls.
SHARED = (Failure,)


def all_models() -> list[type[BaseModel]]:
    """Every model the registry names, each once, in a stable order."""
    seen: dict[type[BaseModel], None] = dict.fromkeys(SHARED)
    for ns in NAMESPACES.values():
        for request in ns.requests.values():
            seen.update(dict.fromkeys((request.payload, request.ack)))
        seen.update(dict.fromkeys(ns.events.values()))
    for route in ROUTES.values():
        seen.update(dict.fromkeys(m for m in (route.body, route.reply) if m is not None))
    return list(seen)
