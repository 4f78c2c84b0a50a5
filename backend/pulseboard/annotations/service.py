"""AnnotationService: read annotations in a time range, and push new ones cluster-wide.

Reading merges the three sources (:mod:`.sources`) and keeps the newest
:data:`MAX_ANNOTATIONS`; the answer says ``truncated`` when it cut. What is
returned is what any signed-in user may read already (room messages, runs,
alerts), so a signed-in caller is the only check.

Pushing: the feature where an event happens calls a hook here on the worker
where it happens (the run's worker, the rule's evaluator, the poster's
worker), once per event cluster-wide; ``socketio.emit`` to the whole
``/charts`` namespace goes through the message queue when there is one, so
every worker's sockets get it. A hook never fails the caller: the event
itself is stored already, and a client that missed a push reads it again
with ``annotations``.
"""

import logging

from ..charts.streams import NAMESPACE, STREAM_NAME
from ..contract.annotations import MAX_ANNOTATIONS, MAX_RANGE_MS
from ..wire import ApiError
from . import sources

log = logging.getLogger(__name__)

EVENT = "annotation"


def check_range(start: int, end: int, stream: str | None) -> None:
    """``bad_request`` for ``from > to``, a range over :data:`MAX_RANGE_MS` or a bad name."""
    if start > end:
        raise ApiError("bad_request", "from must not be after to")
    if end - start > MAX_RANGE_MS:
        raise ApiError("bad_request", f"the range is at most {MAX_RANGE_MS // 86_400_000} days")
    if stream is not None and not STREAM_NAME.fullmatch(stream):
        raise ApiError("bad_request", "stream names are 1-64 of a-z 0-9 . _ -, "
                                      "starting with a letter or digit")


def newest(annotations: list[dict], limit: int = MAX_ANNOTATIONS) -> tuple[list[dict], bool]:
    """The newest ``limit`` of ``annotations``, oldest first, and whether any were cut."""
    ordered = sorted(annotations, key=lambda a: (a["t"], a["id"]))
    return ordered[-limit:] if limit else [], len(ordered) > limit


class AnnotationService:
    """Annotations of one worker.

    :param socketio: the ``SocketIO`` instance pushes go through.
    """

    def __init__(self, socketio):
        self.socketio = socketio

    def between(self, start: int, end: int, stream: str | None = None) -> dict:
        """``{from, to, annotations, truncated}`` for ``[start, end]`` (ms), oldest first.

        ``stream`` keeps what belongs on that chart: its alerts, and what
        belongs on every chart (runs, chat). An unknown but well-formed name
        is no error: an alert rule may watch a stream nobody created yet.
        """
        check_range(start, end, stream)
        limit = MAX_ANNOTATIONS + 1  # one more than kept: tells whether it cut
        found = (sources.runs_between(start, end, limit)
                 + sources.alerts_between(start, end, stream, limit)
                 + sources.chat_between(start, end, limit))
        kept, truncated = newest(found)
        return {"from": start, "to": end, "annotations": kept, "truncated": truncated}

    # -- pushing --------------------------------------------------------------------

    def push(self, annotation: dict | None) -> None:
        """Send ``annotation`` to every ``/charts`` socket of every worker."""
        if annotation is None:
            return
        try:
            self.socketio.emit(EVENT, annotation, namespace=NAMESPACE)
        except Exception:
            log.exception("annotations: pushing %s failed", annotation.get("id"))

    def on_run_started(self, task: dict) -> None:
        """Hook of the tasks feature: a run started (its task object)."""
        self.push(sources.run_start(task))

    def on_run_finished(self, task: dict) -> None:
        """Hook of the tasks feature: a run ended, or was settled after its worker was lost."""
        self.push(sources.run_end(task))

    def on_alert_transition(self, kind: str, alert: dict) -> None:
        """Hook of the alerts feature: ``alert`` took transition ``kind``."""
        t = sources.transition_time(alert, kind)
        if kind in sources.ALERT_TRANSITIONS and t is not None:
            self.push(sources.alert_transition(alert, kind, t))

    def on_chat_message(self, user, message: dict) -> None:
        """Hook of the chat feature: a new room or direct message (only annotated room ones)."""
        self.push(sources.chat_message(message))
