"""Annotations: task runs, alert transitions and marked chat messages, drawn on the charts.

Read with ``GET /api/annotations`` or the ``/charts`` event ``annotations``;
new ones are pushed to every ``/charts`` socket as ``annotation``.
"""

from typing import Annotated, Literal

from pydantic import Field

from .base import Payload, QueryTime, Reply, Timestamp
from .charts import StreamName

#: One answer holds at most this many annotations: the newest are kept (``truncated``).
MAX_ANNOTATIONS = 1000
#: The widest range one query may ask for (31 days).
MAX_RANGE_MS = 31 * 24 * 3600 * 1000

AnnotationKind = Literal["run", "alert", "chat"]
AnnotationSeverity = Literal["info", "success", "warning", "critical"]


class AnnotationsQuery(Payload):
    """``annotations`` (and the query of ``GET /api/annotations``): ``from <= to``."""

    from_: QueryTime = Field(alias="from")
    to: QueryTime
    stream: StreamName | None = Field(
        default=None, description="only what belongs on this stream's chart (plus what "
                                  "belongs on every chart)")


class RunLink(Reply):
    """Opens the run's log at the first line printed at or after ``at``."""

    kind: Literal["run"]
    task_id: int
    at: Timestamp
    path: str = Field(description="the SPA path: /tasks/<id>?at=<t_ms>")


class AlertLink(Reply):
    kind: Literal["alert"]
    alert_id: int
    path: str = Field(description="the SPA path: /alerts?alert=<id>")


class ChatLink(Reply):
    kind: Literal["chat"]
    room: str
    message_id: int
    path: str = Field(description="the SPA path: /chat/room/<room>?message=<id>")


class Annotation(Reply):
    """One event on the charts (also the pushed ``annotation`` event)."""

    id: str = Field(description="run:<id>:start, run:<id>:end, alert:<id>:<transition>, "
                                "chat:<message id>")
    kind: AnnotationKind
    t: Timestamp
    title: str
    detail: str | None
    severity: AnnotationSeverity
    streams: list[str] | None = Field(description="the charts it belongs on; null: every chart")
    link: Annotated[RunLink | AlertLink | ChatLink, Field(discriminator="kind")]


class AnnotationsAck(Reply):
    """``annotations`` and ``GET /api/annotations``: oldest first."""

    ok: Literal[True]
    from_: Timestamp = Field(alias="from")
    to: Timestamp
    annotations: list[Annotation]
    truncated: bool = Field(description=f"more than {MAX_ANNOTATIONS} matched: the newest "
                                        f"{MAX_ANNOTATIONS} are kept")
