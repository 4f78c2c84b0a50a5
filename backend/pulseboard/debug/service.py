"""DebugService: store, deduplicate, filter and push debug messages.

A message identical to one seen less than :data:`DEDUPE_WINDOW` seconds ago
(same level, source and message text) is not stored again: the earlier row's
``count`` goes up, its ``ts`` and ``context`` become the latest, and it is
emitted again with the same ``id``. Clients therefore upsert by ``id``. The
window slides: a message repeated every second stays one row.
"""

import json

from sqlalchemy import delete, select, update

from ..extensions import db
from ..wire import ApiError, now_ms
from .debughub import DebugHub
from .filters import DebugFilter
from .models import LEVELS, DebugMessage

DEDUPE_WINDOW = 10.0
RECENT_LIMIT = 200
MAX_MESSAGE = 4_000
MAX_SOURCE = 64
MAX_CONTEXT_BYTES = 8_192
#: Rows kept; older ones are deleted now and then.
MAX_STORED = 10_000
PRUNE_EVERY = 500

TASK_LEVELS = {"succeeded": "success", "failed": "error", "cancelled": "warning"}


def context_size(context) -> int:
    """The size in bytes of ``context`` as JSON."""
    return len(json.dumps(context, separators=(",", ":"), default=str).encode())


class DebugService:
    """Debug messages of one worker; see the ``/debug`` contract section.

    :param dedupe_window: seconds within which an identical message is a repeat.
    """

    def __init__(self, socketio, dedupe_window: float = DEDUPE_WINDOW):
        self.hub = DebugHub(socketio)
        self.window_ms = int(dedupe_window * 1000)
        #: (level, source, message) -> (id, ts of its last occurrence)
        self._seen: dict[tuple, tuple[int, int]] = {}
        #: sid -> the rooms its filter joined
        self._rooms: dict[str, list[str]] = {}
        self._inserted = 0

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
        # Under the hub's lock: a subscriber's snapshot sees the row exactly
        # when the hub already has (or has sent) the event.
        with self.hub.lock:
            row = self._repeat(key, now, context)
            if row is None:
                row = DebugMessage(ts=now, first_ts=now, level=level, source=source,
                                   message=message, context=context, count=1)
                db.session.add(row)
                db.session.commit()
                self._after_insert(row.id)
            item = row.as_dict()
            self._seen[key] = (item["id"], now)
            self.hub.post(item)
        return item

    def _repeat(self, key: tuple, now: int, context) -> DebugMessage | None:
        seen = self._seen.get(key)
        if seen is None or now - seen[1] > self.window_ms:
            return None
        result = db.session.execute(
            update(DebugMessage).where(DebugMessage.id == seen[0])
            .values(count=DebugMessage.count + 1, ts=now, context=context))
        db.session.commit()
        if result.rowcount != 1:
            return None
        return db.session.get(DebugMessage, seen[0], populate_existing=True)

    def _after_insert(self, new_id: int) -> None:
        self._inserted += 1
        if self._inserted % PRUNE_EVERY == 0:
            db.session.execute(delete(DebugMessage).where(DebugMessage.id <= new_id - MAX_STORED))
            db.session.commit()
        if len(self._seen) > 1_000:  # keep the dedupe index bounded
            horizon = now_ms() - self.window_ms
            self._seen = {k: v for k, v in self._seen.items() if v[1] >= horizon}

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

    def subscribe(self, sid: str, flt: DebugFilter, join, leave) -> list[dict]:
        """Follow messages matching ``flt`` (replacing this socket's earlier filter).

        ``join(room)`` and ``leave(room)`` move the socket between the filter's
        rooms. Returns the recent matching messages, minus those about to be
        emitted (which the socket gets as events).
        """
        with self.hub.lock:
            self._leave(sid, leave)
            self._rooms[sid] = flt.rooms()
            for room in self._rooms[sid]:
                join(room)
            unsent = self.hub.pending_ids()
            messages = self.recent(flt)
        return [m for m in messages if m["id"] not in unsent]

    def unsubscribe(self, sid: str, leave) -> None:
        """Stop pushing messages to ``sid``."""
        with self.hub.lock:
            self._leave(sid, leave)

    def drop(self, sid: str) -> None:
        """Forget a disconnected socket (its rooms are gone already)."""
        with self.hub.lock:
            self._rooms.pop(sid, None)

    def _leave(self, sid: str, leave) -> None:
        for room in self._rooms.pop(sid, []):
            leave(room)
