"""Annotations from the rows and objects other features keep, as pure functions and queries.

Each builder turns what a feature already exposes to every signed-in user (a
task object, an alert object, a room message) into the contract's
``annotation``; each ``*_between`` query reads the newest ``limit`` of one
source inside ``[start, end]`` (milliseconds), newest first.

Runs are on every chart (``streams: null``): a run has no stream. An alert
transition is on its rule's stream. An annotated chat message is on every
chart. Direct messages never become annotations.
"""

from urllib.parse import quote

from sqlalchemy import select

from ..alerts.models import Alert, AlertEvent
from ..chat.models import ChatMessage
from ..extensions import db
from ..tasks.models import TaskRun

#: The transitions drawn (an acknowledgement is not one) and their severity when not firing.
ALERT_TRANSITIONS = ("pending", "firing", "resolved")
RUN_END_SEVERITY = {"succeeded": "success", "failed": "critical", "cancelled": "warning"}
DETAIL_CHARS = 200


def _clip(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"


# -- builders ------------------------------------------------------------------------


def run_link(task_id: int, at: int) -> dict:
    """The link to a run's log at the line printed at ``at``."""
    return {"kind": "run", "task_id": task_id, "at": at, "path": f"/tasks/{task_id}?at={at}"}


def run_start(task: dict) -> dict | None:
    """The start of a run (a task object); None before it started."""
    t = task.get("started_at")
    if t is None:
        return None
    by = task.get("started_by")
    return {"id": f"run:{task['id']}:start", "kind": "run", "t": t,
            "title": f"run #{task['id']} {task['name']} started",
            "detail": f"started by {by}" if by else None, "severity": "info",
            "streams": None, "link": run_link(task["id"], t)}


def run_end(task: dict) -> dict | None:
    """The end of a run (a task object); None while it has not ended."""
    t = task.get("finished_at")
    if t is None:
        return None
    status = task["status"]
    return {"id": f"run:{task['id']}:end", "kind": "run", "t": t,
            "title": f"run #{task['id']} {task['name']} {status}",
            "detail": _clip(task.get("reason")),
            "severity": RUN_END_SEVERITY.get(status, "info"),
            "streams": None, "link": run_link(task["id"], t)}


def alert_transition(alert: dict, kind: str, t: int) -> dict:
    """A transition (``pending``, ``firing``, ``resolved``) of an alert object at ``t``."""
    severity = alert["severity"] if kind == "firing" else \
        ("success" if kind == "resolved" else "info")
    value = alert.get("value")
    detail = alert["summary"] + (f" (value {value:g})" if isinstance(value, int | float) else "")
    return {"id": f"alert:{alert['id']}:{kind}", "kind": "alert", "t": t,
            "title": f"alert #{alert['id']} {alert['rule']} {kind}", "detail": _clip(detail),
            "severity": severity, "streams": [alert["stream"]],
            "link": {"kind": "alert", "alert_id": alert["id"],
                     "path": f"/alerts?alert={alert['id']}"}}


def transition_time(alert: dict, kind: str) -> int | None:
    """When an alert object took transition ``kind`` (None if it has not)."""
    return {"pending": alert.get("started_at"), "firing": alert.get("fired_at"),
            "resolved": alert.get("resolved_at")}.get(kind)


def chat_message(message: dict) -> dict | None:
    """An annotated room message; None for any other message (DMs included)."""
    if not message.get("annotation") or not message.get("room"):
        return None
    room, mid = message["room"], message["id"]
    return {"id": f"chat:{mid}", "kind": "chat", "t": message["ts"],
            "title": f"{message['user']} in #{room}", "detail": _clip(message["text"]),
            "severity": "info", "streams": None,
            "link": {"kind": "chat", "room": room, "message_id": mid,
                     "path": f"/chat/room/{quote(room)}?message={mid}"}}


# -- queries (in an app context) -----------------------------------------------------


def runs_between(start: int, end: int, limit: int) -> list[dict]:
    """Run starts and ends inside the range, newest first (at most ``limit`` of each)."""
    found = []
    for column, build in ((TaskRun.started_at, run_start), (TaskRun.finished_at, run_end)):
        rows = db.session.scalars(select(TaskRun).where(column >= start, column <= end)
                                  .order_by(column.desc()).limit(limit))
        found += [build(row.as_dict()) for row in rows]
    return [a for a in found if a is not None]


def alerts_between(start: int, end: int, stream: str | None, limit: int) -> list[dict]:
    """Alert transitions inside the range (on ``stream`` only, if given), newest first."""
    query = (select(AlertEvent, Alert).join(Alert, Alert.id == AlertEvent.alert_id)
             .where(AlertEvent.kind.in_(ALERT_TRANSITIONS), AlertEvent.ts >= start,
                    AlertEvent.ts <= end))
    if stream is not None:
        query = query.where(Alert.stream == stream)
    rows = db.session.execute(query.order_by(AlertEvent.ts.desc()).limit(limit))
    found = []
    for event, alert in rows:
        item = alert.as_dict()
        if event.value is not None:
            item["value"] = event.value  # the value at that transition, not the latest
        found.append(alert_transition(item, event.kind, event.ts))
    return found


def chat_between(start: int, end: int, limit: int) -> list[dict]:
    """Annotated room messages inside the range, newest first."""
    rows = db.session.scalars(select(ChatMessage).where(
        ChatMessage.annotation.is_(True), ChatMessage.room.is_not(None),
        ChatMessage.ts >= start, ChatMessage.ts <= end)
        .order_by(ChatMessage.ts.desc()).limit(limit))
    return [a for a in (chat_message(row.as_room_message()) for row in rows) if a is not None]
