"""``/alerts``: alert episodes of the rules file, live, and their acknowledgement.

See docs/alerts.md for the rules and the state machine.
"""

from typing import Literal

from pydantic import Field

from .base import MAX_ID, Payload, Reply, Timestamp

AlertState = Literal["pending", "firing", "resolved"]
AlertSeverity = Literal["info", "warning", "critical"]
AlertCondition = Literal["above", "below", "absent"]


class AlertRef(Payload):
    """``ack`` and ``get``."""

    id: int = Field(ge=1, le=MAX_ID)


class Alert(Reply):
    """One episode of a rule: pending, then firing (or not), then resolved."""

    id: int
    rule: str
    stream: str
    condition: AlertCondition
    threshold: float | None
    severity: AlertSeverity
    summary: str
    state: AlertState
    value: float | None = Field(description="the latest (worst) value seen; null for absent")
    started_at: Timestamp
    fired_at: Timestamp | None
    resolved_at: Timestamp | None
    updated_at: Timestamp
    acked_by: str | None
    acked_at: Timestamp | None
    acked_via: Literal["board", "chat"] | None


class AlertRule(Reply):
    """A rule of the rules file as clients see it (its actions are not shown)."""

    name: str
    stream: str
    condition: AlertCondition
    threshold: float | None
    clear: float | None
    for_: float = Field(alias="for", ge=0)
    clear_for: float = Field(ge=0)
    severity: AlertSeverity
    summary: str


class AlertEvent(Reply):
    """A transition of an alert, or its acknowledgement (``actor``: worker id or username)."""

    id: int
    alert_id: int
    kind: Literal["pending", "firing", "resolved", "acknowledged"]
    ts: Timestamp
    value: float | None
    actor: str


class AlertsSubscribeAck(Reply):
    """``subscribe``: the stored alerts and every rule; ``alert`` events follow."""

    ok: Literal[True]
    alerts: list[Alert] = Field(description="the newest 200 and every open one, newest first")
    rules: list[AlertRule]


class AlertAck(Reply):
    """``ack`` and ``POST /api/alerts/{id}/ack``: the alert, acknowledged (the first ack stands)."""

    ok: Literal[True]
    alert: Alert


class AlertDetailAck(Reply):
    """``get``: one alert with its events."""

    ok: Literal[True]
    alert: Alert
    events: list[AlertEvent]


# -- REST ------------------------------------------------------------------------


class AlertList(Reply):
    """``GET /api/alerts``."""

    alerts: list[Alert]
    rules: list[AlertRule]


class AlertDetail(Reply):
    """``GET /api/alerts/{id}``."""

    alert: Alert
    events: list[AlertEvent]
