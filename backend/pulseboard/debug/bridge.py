"""DebugLogHandler: the server's log records at WARNING and above, on ``/debug``.

``emit`` only formats the record and queues it, so it is safe from any
thread or greenlet and never touches the caller's database session. A
background task drains the queue through :meth:`DebugService.post` in its own
app context. While it does, whatever that task logs itself is not bridged
(a task-local flag), so the bridge can never feed itself. The queue is
bounded (oldest records are dropped) and identical records are deduplicated
by the service, so a logging storm cannot flood the board.
"""

import logging
import threading
from collections import deque

from ..extensions import db
from .service import MAX_MESSAGE, MAX_SOURCE

MAX_QUEUED = 500
MAX_TRACEBACK = 4_000


def describe(record: logging.LogRecord, formatter: logging.Formatter) -> dict:
    """The ``post`` arguments for one log record."""
    message = record.getMessage() or record.name
    context = {"logger": record.name, "module": record.module, "line": record.lineno,
               "thread": record.threadName}
    if record.exc_info:
        context["traceback"] = formatter.formatException(record.exc_info)[-MAX_TRACEBACK:]
    return {
        "level": "error" if record.levelno >= logging.ERROR else "warning",
        "source": f"log:{record.name}"[:MAX_SOURCE],
        "message": message[:MAX_MESSAGE],
        "context": context,
    }


class DebugLogHandler(logging.Handler):
    """Bridges log records to a :class:`~.service.DebugService`.

    :param app: the Flask app whose context the drain task pushes.
    :param socketio: starts the drain task (a greenlet or a thread).
    :param service: the DebugService the records are posted to.
    """

    def __init__(self, app, socketio, service, level: int = logging.WARNING):
        super().__init__(level)
        self.app = app
        self.socketio = socketio
        self.service = service
        self._queue: deque = deque(maxlen=MAX_QUEUED)
        self._local = threading.local()
        self._guard = threading.Lock()
        self._draining = False
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the record for the drain task (never blocks, never recurses)."""
        if getattr(self._local, "draining", False):
            return
        try:
            item = describe(record, self._formatter)
        except Exception:
            self.handleError(record)
            return
        self._queue.append(item)  # a full queue drops its oldest record
        with self._guard:
            if self._draining:
                return
            self._draining = True
        self.socketio.start_background_task(self._drain)

    def _drain(self) -> None:
        self._local.draining = True
        try:
            with self.app.app_context():
                self._post_queued()
        finally:
            self._local.draining = False
            with self._guard:
                self._draining = False
                again = bool(self._queue)
                if again:
                    self._draining = True
            if again:
                self.socketio.start_background_task(self._drain)

    def _post_queued(self) -> None:
        for _ in range(MAX_QUEUED):
            try:
                item = self._queue.popleft()
            except IndexError:
                return
            try:
                self.service.post(**item)
            except Exception:  # printed by the other handlers, not bridged (draining)
                db.session.rollback()
                logging.getLogger(__name__).exception("bridging a log record failed")


def install(handler: DebugLogHandler, logger: logging.Logger | None = None) -> None:
    """Attach ``handler`` to ``logger`` (the root logger), replacing an earlier bridge."""
    logger = logger or logging.getLogger()
    for old in [h for h in logger.handlers if isinstance(h, DebugLogHandler)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
