"""TaskService: task definitions, runs, and exactly-once log subscriptions.

Every line reaches a subscriber exactly once, either in the ``subscribe``
reply or in a later ``lines`` frame, never both: under the hub's lock the
socket joins the run's room and the service fixes a *boundary*, the last seq
already handed to the hub minus the lines still waiting for the next tick.
The reply carries stored lines up to the boundary; frames carry the rest.
Lines are committed before they reach the hub, so the read always finds them.

A reply holds at most :data:`MAX_REPLY_LINES` lines. When there are more it
says ``more: true`` and the client subscribes again on the same socket with
``after_seq`` set to the last seq it got: that continues below the same
boundary, while frames keep delivering what comes after it.
"""

import logging
import threading

from ..rooms import Rooms
from ..wire import ApiError
from . import store
from .definitions import TaskCatalog
from .models import FINAL_STATUSES
from .runner import TaskRunner
from .taskhub import NAMESPACE, TASKS_ROOM, TaskHub, task_room

log = logging.getLogger(__name__)

MAX_REPLY_LINES = 5_000
LIST_LIMIT = 50


class TaskService:
    """The ``/logs`` feature of one worker.

    :param app: the Flask app (its config, and app contexts for runs).
    :param on_finished: ``callback(task_dict)`` when a run ends (debug messages).
    """

    def __init__(self, app, socketio, on_finished=None):
        self.catalog = TaskCatalog(app.config["TASKS_FILE"])
        self.hub = TaskHub(socketio)
        self.runner = TaskRunner(app, socketio, self.hub, app.config["TASK_CONCURRENCY"],
                                 self._finished, on_started=self._started)
        self.on_finished = on_finished
        #: ``hook(task_dict)`` when a run starts / ends (annotations); a failing hook is logged.
        self.on_started: list = []
        self.on_ended: list = []
        self.app = app
        self.socketio = socketio
        self.cluster = self.runner.cluster
        # With a message queue several workers share the database, and a run
        # another worker is running must not be taken for an orphan: a
        # survivor settles a run once its owner's heartbeat has lapsed.
        self._orphans_settled = self.cluster.clustered
        self._suspects: set[str] = set()
        self.rooms = Rooms(socketio, NAMESPACE)
        self.cluster.on_workers_lost(self._settle_lost_workers)
        self._lock = threading.Lock()
        #: sid -> {task_id: boundary seq}
        self._subscriptions: dict[str, dict[int, int]] = {}

    def _ready(self) -> None:
        """Once per process: runs a previous server left unfinished are failed.

        Only a single-process server (no ``MESSAGE_QUEUE``) does this.
        """
        if self._orphans_settled:
            return
        with self._lock:
            if not self._orphans_settled:
                ids = store.fail_orphans("interrupted: the server stopped while it ran")
                # (fail_orphans settles the steps too: running failed, the rest skipped)
                if ids:
                    log.warning("marked runs %s failed: the server stopped while they ran", ids)
                self._orphans_settled = True

    def _finished(self, run) -> None:
        task = run.as_dict()
        if self.on_finished is not None:
            self.on_finished(task)
        self._call(self.on_ended, task)

    def _started(self, run) -> None:
        self._call(self.on_started, run.as_dict())

    @staticmethod
    def _call(hooks: list, task: dict) -> None:
        for hook in hooks:
            try:
                hook(task)
            except Exception:
                log.exception("task %d: a hook failed", task["id"])

    def _settle_lost_workers(self, lost: set[str]) -> None:
        """On each sweep: fail the runs of workers whose heartbeat lapsed (twice in a row)."""
        with self.app.app_context():
            owners = store.unfinished_owners() - {self.cluster.worker_id}
            missing = {w for w in owners if not self.cluster.is_alive(w)}
            confirmed = (missing & self._suspects) | (missing & lost)
            self._suspects = missing - confirmed
            for worker in sorted(confirmed):
                self._settle_runs_of(worker)

    def _settle_runs_of(self, worker: str) -> list[dict]:
        tasks = store.settle_unfinished(f"worker lost: {worker} stopped while it ran", worker)
        for task in tasks:
            log.warning("task %d (%s) failed: its worker %s was lost",
                        task["id"], task["name"], worker)
            self.socketio.emit("task", task, to=TASKS_ROOM, namespace=NAMESPACE)
            if self.on_finished is not None:
                self.on_finished(task)
            self._call(self.on_ended, task)
        return tasks

    # -- queries ---------------------------------------------------------------------

    def definitions(self) -> list[dict]:
        """Every task a client may start, by name."""
        return [d.as_dict() for d in sorted(self.catalog.definitions().values(),
                                            key=lambda d: d.name)]

    def list_tasks(self, limit: int = LIST_LIMIT) -> list[dict]:
        """The newest runs first, live ones with their current state."""
        self._ready()
        tasks = []
        for row in store.recent_runs(limit):
            run = self.runner.live.get(row.id)
            tasks.append(run.as_dict() if run is not None else row.as_dict())
        return tasks

    def get(self, task_id: int) -> dict:
        """One run's task object, or ``not_found``."""
        self._ready()
        run = self.runner.live.get(task_id)
        if run is not None:
            return run.as_dict()
        row = store.get_run(task_id)
        if row is None:
            raise ApiError("not_found", f"no task with id {task_id}")
        return row.as_dict()

    def log_text(self, task_id: int) -> tuple[dict, object]:
        """A run's task object and an iterator over its whole log as text.

        ``not_found`` comes before anything is streamed.
        """
        return self.get(task_id), store.iter_log_text(task_id)

    # -- commands ---------------------------------------------------------------------

    def start(self, name: str, username: str | None) -> dict:
        """Queue a run of the task called ``name``; return its task object."""
        self._ready()
        definition = self.catalog.get(name)
        if definition is None:
            raise ApiError("not_found", f"no task named {name!r}")
        run = self.runner.submit(definition, username)
        log.info("task %d (%s) queued by %s", run.id, name, username)
        return run.as_dict()

    def cancel(self, task_id: int, username: str) -> None:
        """Cancel a queued or running run, on whichever worker owns it.

        ``bad_request`` if it already ended. A run owned by another worker
        is cancelled by a command to that worker; a run whose worker is gone
        is settled here at once.
        """
        if self.runner.cancel(task_id, username):
            return
        task = self.get(task_id)
        if task["status"] in FINAL_STATUSES:
            raise ApiError("bad_request", f"task {task_id} already {task['status']}")
        owner = store.get_run(task_id).worker
        if self.cluster.clustered and self.cluster.is_alive(owner):
            if not self.cluster.send_command("cancel", {"task_id": task_id, "by": username}):
                raise ApiError("internal", "the message queue is unreachable: try again")
            return
        self._settle_runs_of(owner)

    # -- subscriptions ---------------------------------------------------------------

    def connected(self, sid: str) -> None:
        """A new ``/logs`` socket: it receives every run's ``task`` events."""
        self.rooms.join(sid, TASKS_ROOM)

    def subscribe(self, sid: str, task_id: int, after_seq: int | None) -> dict:
        """Follow a run's log; return ``{task, lines, more}``. See the module doc.

        The socket joins the run's room under the hub's lock unless this
        call continues an earlier one's paging.
        """
        self._ready()
        after = after_seq or 0
        task = self.get(task_id)  # read before the lock: no database I/O under it
        with self.hub.lock:
            boundary = self._subscriptions.get(sid, {}).get(task_id)
            continuing = boundary is not None and after_seq is not None and after < boundary
            live = None if continuing else self.runner.live.get(task_id)
            if not continuing:
                self.rooms.join(sid, task_room(task_id))
                if live is not None:
                    boundary = live.last_seq - self.hub.pending_count(task_room(task_id))
                    self._subscriptions.setdefault(sid, {})[task_id] = boundary
        if not continuing and live is None:
            # Not running here: its lines come through the queue (or not at all).
            # Joined first, read after: a line may come twice, never not at all.
            boundary = store.max_seq(task_id)
            with self.hub.lock:
                self._subscriptions.setdefault(sid, {})[task_id] = boundary
        lines = store.lines_between(task_id, after, boundary, MAX_REPLY_LINES + 1)
        more = len(lines) > MAX_REPLY_LINES
        return {"task": task, "lines": lines[:MAX_REPLY_LINES], "more": more}

    def unsubscribe(self, sid: str, task_id: int) -> None:
        """Stop following a run."""
        with self.hub.lock:
            self._subscriptions.get(sid, {}).pop(task_id, None)
            self.rooms.leave(sid, task_room(task_id))

    def drop(self, sid: str) -> None:
        """Forget a disconnected socket's subscriptions."""
        self.rooms.drop(sid)
        with self.hub.lock:
            self._subscriptions.pop(sid, None)

    def shutdown(self) -> None:
        """Kill every running task's process group (the server is stopping)."""
        self.runner.kill_all()
