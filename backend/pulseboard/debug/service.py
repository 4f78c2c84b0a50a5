"""DebugService: store, deduplicate, filter and push debug messages.

A message identical to one seen less than :data:`DEDUPE_WINDOW` seconds ago
(same level, source and message text) is not stored again: the earlier row's
``count`` goes up, its ``ts`` and ``context`` become the latest, and it is
emitted again with the same ``id``. Clients therefore upsert by ``id``. The
window slides: a message repeated every second stays one row.
"""

import json

from sqlalchemy import delete, select, update

from ..cluster import cluster_of
from ..contract.debug import MAX_MESSAGE, MAX_SOURCE, RECENT_LIMIT
from ..extensions import db
from ..rooms import Rooms
from ..wire import ApiError, now_ms
from .debughub import NAMESPACE, DebugHub
from .dedupe import MemoryDedupe, RedisDedupe
from .filters import DebugFilter
from .models import LEVELS, DebugMessage

DEDUPE_WINDOW = 10.0
MAX_CONTEXT_BYTES = 8_192
#: Rows kept; older ones are deleted now and then.
MAX_STORED = 10_000
PRUNE_EVERY = 500

TASK_LEVELS = {"succeeded": "success", "failed": "error", "cancelled": "warning"}


def context_size(context) -> int:
    """The size in bytes of ``context`` as JSON."""
    return len(json.dumps(context, separators=(",", ":"), default=str).encode())


def delete_older_than(before: int) -> int:
    """Delete stored messages whose last occurrence is before ``before`` (ms); no commit.

    Returns the number deleted (the retention sweep, ``DEBUG_RETENTION_DAYS``).
    """
    return db.session.execute(delete(DebugMessage).where(DebugMessage.ts < before)).rowcount


class DebugService:
    """Debug messages of one worker; see the ``/debug`` contract section.

    :param dedupe_window: seconds within which an identical message is a repeat.
    """

    def __init__(self, socketio, dedupe_window: float = DEDUPE_WINDOW):
        self.hub = DebugHub(socketio)
        self.window_ms = int(dedupe_window * 1000)
        self.cluster = cluster_of(socketio)
        self.dedupe = RedisDedupe(self.cluster, self.window_ms, socketio.sleep) \
            if self.cluster.clustered else MemoryDedupe(self.window_ms)
        self.rooms = Rooms(socketio, NAMESPACE)
        self._inserted = 0
        #: The highest id this worker handed to the hub.
        self._appended = 0

    # -- posting -----------------------------------------------------------------

    def post(self, level: str, source: str, message: str, context: dict | None = None) -> dict:
        """Store (or count a repeat of) a message and push it to matching subscribers."""
        if level not in LEVELS:
            raise ApiError("bad_request", f"level must be one of {', '.join(LEVELS)}")
        if not source or len(source) > MAX_SOURCE:
            raise ApiError("bad_request", f"source must be 1-{MAX_SOURCE} characters")
        if not message:
            raise ApiError("bad_request", "message must not be empty")
        if len(message) > MAX_MESSAGE:
            raise ApiError("too_large", f"message is over {MAX_MESSAGE} characters")
        if context is not None and context_size(context) > MAX_CONTEXT_BYTES:
            raise ApiError("too_large", f"context is over {MAX_CONTEXT_BYTES} bytes as JSON")
        now = now_ms()
        key = (level, source, message)
        # Storage first, outside the hub's lock; see subscribe() for why a
        # snapshot still gets each message once.
        seen = self.dedupe.lookup(key, now)
        row = self._repeat(seen, now, context) if seen is not None else None
        if row is None:
            row = DebugMessage(ts=now, first_ts=now, level=level, source=source,
                               message=message, context=context, count=1)
            db.session.add(row)
            db.session.commit()
            self._after_insert(row.id)
        item = row.as_dict()
        self.dedupe.remember(key, item["id"], now)
        with self.hub.lock:
            self.hub.post(item)
            self._appended = max(self._appended, item["id"])
        return item

    def _repeat(self, message_id: int, now: int, context) -> DebugMessage | None:
        result = db.session.execute(
            update(DebugMessage).where(DebugMessage.id == message_id)
            .values(count=DebugMessage.count + 1, ts=now, context=context))
        db.session.commit()
        if result.rowcount != 1:
            return None
        return db.session.get(DebugMessage, message_id, populate_existing=True)

    def _after_insert(self, new_id: int) -> None:
        self._inserted += 1
        if self._inserted % PRUNE_EVERY == 0:
            db.session.execute(delete(DebugMessage).where(DebugMessage.id <= new_id - MAX_STORED))
            db.session.commit()

    def report_task(self, task: dict) -> dict:
        """Post a run's end as ``success``, ``error`` or ``warning`` from ``task:<id>``."""
        status = task["status"]
        message = f"task {task['name']} #{task['id']} {status}"
        if task.get("reason"):
            message += f": {task['reason']}"
        duration = None
        if task.get("started_at") and task.get("finished_at"):
            duration = task["finished_at"] - task["started_at"]
        context = {"task_id": task["id"], "name": task["name"], "status": status,
                   "exit_code": task.get("exit_code"), "duration_ms": duration}
        return self.post(TASK_LEVELS[status], f"task:{task['id']}", message[:MAX_MESSAGE], context)

    # -- reading and subscribing -------------------------------------------------

    def recent(self, flt: DebugFilter, limit: int = RECENT_LIMIT) -> list[dict]:
        """The newest ``limit`` messages matching ``flt``, oldest first."""
        query = select(DebugMessage).where(*flt.clauses())
        rows = db.session.scalars(query.order_by(DebugMessage.id.desc()).limit(limit))
        return [row.as_dict() for row in reversed(list(rows))]

    def subscribe(self, sid: str, flt: DebugFilter) -> list[dict]:
        """Follow messages matching ``flt`` (replacing this socket's earlier filter).

        The socket moves to the filter's rooms under the hub's lock, which
        also notes the messages still waiting for the next tick and the
        highest id handed to the hub; the stored messages are read after,
        outside the lock. In one process the reply leaves out what the
        socket will receive as events (pending, or newer than that id): each
        message once. With a message queue, events from other workers can
        cross the read: a message may come in both (clients upsert by id).
        """
        with self.hub.lock:
            self._leave(sid)
            for room in flt.rooms():
                self.rooms.join(sid, room)
            unsent = self.hub.pending_ids()
            appended = self._appended
        messages = self.recent(flt)
        if self.cluster.clustered:
            return [m for m in messages if m["id"] not in unsent]
        return [m for m in messages if m["id"] not in unsent and m["id"] <= appended]

    def unsubscribe(self, sid: str) -> None:
        """Stop pushing messages to ``sid``."""
        with self.hub.lock:
            self._leave(sid)

    def drop(self, sid: str) -> None:
        """Forget a disconnected socket (python-socketio clears its rooms itself)."""
        self.rooms.drop(sid)

    def _leave(self, sid: str) -> None:
        for room in self.rooms.of(sid, "debug:"):
            self.rooms.leave(sid, room)
