"""TaskRunner: runs task processes, at most N at once, the rest queued FIFO.

Each started run gets three background tasks: two readers (stdout, stderr)
that buffer lines on the :class:`~.run.Run`, and a supervisor that every tick
stores the buffered lines in one batch (one commit), hands them to the hub,
and enforces cancel and timeout by signalling the run's process group
(SIGTERM, then SIGKILL after :data:`KILL_GRACE` seconds).
"""

import logging
import signal
import threading
import time
from collections import deque
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ..cluster import cluster_of
from ..extensions import db
from ..wire import ApiError, now_ms
from . import store
from .definitions import TaskDefinition
from .process import describe_exit, iter_lines, signal_group, spawn
from .run import Run
from .slots import LocalSlots, RedisSlots
from .taskhub import TASKS_ROOM, task_room

log = logging.getLogger(__name__)

TICK = 0.05
KILL_GRACE = 5.0
#: How long to wait for the pipes to close once the process itself has exited.
READER_GRACE = 5.0
#: A reader pauses while this many lines wait to be stored (backpressure).
MAX_BUFFERED = 20_000
#: A reader yields to other tasks every this many lines, even when data is ready.
YIELD_EVERY = 256
MAX_QUEUED = 100
#: How often queued runs look for a cluster slot, and running ones renew theirs.
SLOT_POLL = 0.5
SLOT_RENEW = 3.0


class TaskRunner:
    """Starts, queues, supervises and stops runs on this worker.

    :param app: the Flask app; background tasks push its app context.
    :param hub: the :class:`~.taskhub.TaskHub` lines and states go through.
    :param concurrency: how many runs may be running at once.
    :param on_finished: ``callback(run)`` once a run is final and stored.
    :param on_started: ``callback(run)`` when a run leaves the queue to start.
    """

    def __init__(self, app, socketio, hub, concurrency: int, on_finished, on_started=None):
        self.app = app
        self.socketio = socketio
        self.hub = hub
        self.concurrency = max(1, concurrency)
        self.on_finished = on_finished
        self.on_started = on_started
        self.cluster = cluster_of(socketio)
        self.slots = RedisSlots(self.cluster, concurrency) if self.cluster.clustered \
            else LocalSlots(concurrency)
        self.cluster.on_command("cancel", self._cancel_command)
        self.cluster.on_rejoined(self._drop_settled)
        self.live: dict[int, Run] = {}
        self._queue: deque[int] = deque()
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._polling = False

    # -- requests ----------------------------------------------------------------

    def submit(self, definition: TaskDefinition, started_by: str | None) -> Run:
        """Queue a run of ``definition`` and start it if a slot is free."""
        with self._lock:
            if len(self._queue) >= MAX_QUEUED:
                raise ApiError("rate_limited", f"{MAX_QUEUED} runs are already queued")
        row = store.create_run(definition.name, started_by,
                               [{"name": s, "status": "pending"} for s in definition.steps],
                               worker=self.cluster.worker_id)
        run = Run(id=row.id, definition=definition, started_by=started_by,
                  created_at=row.created_at)
        with self._lock:
            self.live[run.id] = run
            self._queue.append(run.id)
        self._publish_state(run)
        self._dispatch()
        return run

    def cancel(self, task_id: int, by: str) -> bool:
        """Cancel a live run; False if ``task_id`` is not live on this worker."""
        with self._lock:
            run = self.live.get(task_id)
            if run is None:
                return False
            queued = task_id in self._queue
            if queued:
                self._queue.remove(task_id)
            elif run.cancel_requested_by is None:
                run.cancel_requested_by = by
        if queued:
            run.add_line("system", f"cancelled by {by} before it started")
            self._conclude(run, "cancelled", f"cancelled by {by}")
        return True

    def _cancel_command(self, data: dict) -> None:
        """A ``cancel`` another worker sent: act on it if the run is live here."""
        if data.get("task_id") in self.live:
            with self.app.app_context():
                self.cancel(data["task_id"], str(data.get("by")))

    def _drop_settled(self) -> None:
        """After this worker was reaped: stop the live runs a survivor already failed."""
        with self.app.app_context():
            with self._lock:
                live = dict(self.live)
            settled = store.final_ids(live)
            db.session.rollback()  # only read: end the transaction
            for task_id in sorted(settled):
                run = live[task_id]
                log.warning("task %d (%s) was settled while this worker was unreachable: "
                            "stopping it", task_id, run.name)
                with self._lock:
                    queued = task_id in self._queue
                    if queued:
                        self._queue.remove(task_id)
                        self.live.pop(task_id, None)
                if not queued and run.process is not None:
                    signal_group(run.process, signal.SIGKILL)

    def kill_all(self) -> None:
        """SIGKILL every running process group (the server is going away)."""
        for run in list(self.live.values()):
            if run.process is not None:
                signal_group(run.process, signal.SIGKILL)

    # -- scheduling ----------------------------------------------------------------

    def _dispatch(self) -> None:
        starting = []
        while True:
            with self._lock:
                if not self._queue:
                    break
                head = self._queue[0]
            # Outside the lock: with Redis this is a round trip (up to its
            # timeout when Redis stalls), and cancel and submit must not wait.
            if not self.slots.take(head):
                break
            with self._lock:
                if self._queue and self._queue[0] == head:
                    self._queue.popleft()
                    run = self.live[head]
                    self._running.add(run.id)
                    run.mark(status="running", started_at=now_ms())
                    starting.append(run)
                    continue
                # Cancelled meanwhile (or another dispatch started it): look again.
                stale = head not in self._running
            if stale:
                self.slots.give_back(head)
        with self._lock:
            # With shared slots another worker's run may free one: look again soon.
            poll = bool(self._queue) and self.slots.shared and not self._polling
            self._polling = self._polling or poll
        for run in starting:
            self.socketio.start_background_task(self._execute, run)
        if poll:
            self.socketio.start_background_task(self._poll_slots)

    def _poll_slots(self) -> None:
        try:
            while True:
                self.socketio.sleep(SLOT_POLL)
                with self._lock:
                    if not self._queue:
                        return
                self._dispatch_in_context()
        finally:
            with self._lock:
                self._polling = False
            if self._queue:
                self._dispatch()

    def _dispatch_in_context(self) -> None:
        with self.app.app_context():
            self._dispatch()

    def _execute(self, run: Run) -> None:
        with self.app.app_context():
            try:
                if self.on_started is not None:  # inside the try: a failing hook never
                    self.on_started(run)  # leaves the run "running" forever
                self._run_process(run)
            except Exception:
                log.exception("task %d (%s): the runner failed", run.id, run.name)
                self._abandon(run)
            finally:
                with self._lock:
                    self._running.discard(run.id)
                self.slots.give_back(run.id)
            self._dispatch()

    def _abandon(self, run: Run) -> None:
        if run.process is not None:
            signal_group(run.process, signal.SIGKILL)
        db.session.rollback()
        if run.id not in self.live:
            return
        run.take_lines()  # they may be what could not be stored
        run.add_line("system", "internal error in the task runner; see the server log")
        try:
            self._conclude(run, "failed", "internal error in the task runner")
        except Exception:
            log.exception("task %d: could not record its failure", run.id)
            with self._lock:
                self.live.pop(run.id, None)

    # -- one run ---------------------------------------------------------------------

    def _run_process(self, run: Run) -> None:
        # Clients never see a definition's command (it holds the server's
        # paths), so the log names the task and its program's file name only.
        program = Path(run.definition.command[0]).name
        run.add_line("system", f"starting {run.name} ({program})")
        try:
            process = spawn(run.definition, run.id)
        except OSError as exc:
            reason = f"cannot start {program!r}: {exc.strerror or exc}"
            run.add_line("system", reason)
            log.warning("task %d (%s): %s", run.id, run.name, reason)
            self._conclude(run, "failed", reason)
            return
        run.process = process
        run.open_streams = 2
        self.socketio.start_background_task(self._read, run, process.stdout, "stdout")
        self.socketio.start_background_task(self._read, run, process.stderr, "stderr")
        try:
            stopped_for = self._supervise(run, process)
        finally:
            process.stdin.close()  # the guard's lifeline; the run is over
        code = process.returncode
        if stopped_for == "cancel":
            status, reason = "cancelled", f"cancelled by {run.cancel_requested_by}"
        elif stopped_for == "timeout":
            status, reason = "failed", f"timed out after {run.definition.timeout:g}s"
            log.warning("task %d (%s) %s", run.id, run.name, reason)
        elif code == 0:
            status, reason = "succeeded", None
        else:
            status, reason = "failed", describe_exit(code)
        run.add_line("system", f"{describe_exit(code)}: {status}")
        self._conclude(run, status, reason, exit_code=code)

    def _read(self, run: Run, pipe, stream: str) -> None:
        try:
            for count, text in enumerate(iter_lines(pipe), 1):
                run.add_line(stream, text)
                if count % YIELD_EVERY == 0:
                    self._wait_for_room(run)
        except (OSError, ValueError) as exc:  # the pipe was closed under us
            log.info("task %d: reading %s stopped: %s", run.id, stream, exc)
        finally:
            pipe.close()
            run.stream_closed()

    def _wait_for_room(self, run: Run) -> None:
        self.socketio.sleep(0)
        for _ in range(int(60 / TICK)):  # at most a minute, then read on regardless
            if run.buffered() <= MAX_BUFFERED:
                return
            self.socketio.sleep(TICK)

    def _supervise(self, run: Run, process) -> str | None:
        """Store lines every tick until the run is over.

        Returns why the runner stopped it (``"cancel"`` or ``"timeout"``), or
        None when the process ended by itself.
        """
        timeout = run.definition.timeout
        began = time.monotonic()
        term_at = exited_at = stopped_for = None
        killed = False
        renewed = began
        settled = False
        while process.poll() is None or run.open_streams > 0:
            if not self._persist(run) and not settled:
                # A survivor failed the run while this worker was unreachable.
                signal_group(process, signal.SIGKILL)
                settled = True
            now = time.monotonic()
            if now - renewed >= SLOT_RENEW:
                self.slots.renew([run.id])
                renewed = now
            if process.returncode is None:
                if term_at is None and (run.cancel_requested_by or
                                        (timeout and now - began >= timeout)):
                    stopped_for = "cancel" if run.cancel_requested_by else "timeout"
                    why = ("timed out" if stopped_for == "timeout"
                           else f"cancelled by {run.cancel_requested_by}")
                    run.add_line("system", f"{why}: sending SIGTERM to the process group")
                    signal_group(process, signal.SIGTERM)
                    term_at = now
                elif term_at is not None and not killed and now - term_at >= KILL_GRACE:
                    run.add_line("system", f"still running {KILL_GRACE:g}s after SIGTERM: SIGKILL")
                    signal_group(process, signal.SIGKILL)
                    killed = True
            elif exited_at is None:
                exited_at = now
                signal_group(process, signal.SIGKILL)  # whatever it left behind in its group
            elif now - exited_at >= READER_GRACE:
                run.add_line("system", "output still open after the process exited: "
                                       "stopped reading")
                break
            self.socketio.sleep(TICK)
        return stopped_for

    # -- storing and publishing ---------------------------------------------------------

    def _persist(self, run: Run) -> bool:
        """Store buffered lines and changed state in one commit, then hand them to the hub.

        Returns False when the stored run was already final (settled by a
        survivor): its state is then neither stored nor published.
        """
        lines = run.take_lines()
        state = run.take_state()
        if not lines and state is None:
            return True
        saved = True
        try:
            stored = store.store_lines(run, lines)
            last_seq = run.last_seq + len(stored)
            if state is not None:
                state["line_count"] = last_seq
                saved = store.save_state(state)
                if not saved:
                    state = None
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            raise
        with self.hub.lock:
            self.hub.append(task_room(run.id), stored)
            run.last_seq = last_seq
            if state is not None:
                self.hub.append(TASKS_ROOM, [state])
        return saved

    def _publish_state(self, run: Run) -> None:
        state = run.take_state()
        if state is not None:
            self.hub.append(TASKS_ROOM, [state])

    def _conclude(self, run: Run, status: str, reason: str | None,
                  exit_code: int | None = None) -> None:
        run.settle(status, reason, exit_code)
        saved = self._persist(run)
        with self._lock:
            self.live.pop(run.id, None)
        if not saved:  # already final: whoever settled it reported the end
            return
        try:
            self.on_finished(run)
        except Exception:
            log.exception("task %d: reporting its end failed", run.id)
