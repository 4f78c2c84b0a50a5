"""The in-memory state of a run that is queued or running on this worker."""

import threading
from dataclasses import dataclass, field

from ..wire import now_ms
from .definitions import TaskDefinition
from .protocol import StepTracker, parse_directive


@dataclass
class Run:
    """A live run: its process, its unsaved lines and its current state.

    Readers call :meth:`add_line` from their own task; the supervisor takes
    the lines with :meth:`take_lines`, numbers them and stores them. Only the
    supervisor assigns ``seq``, so numbering needs no lock of its own.
    """

    id: int
    definition: TaskDefinition
    started_by: str | None
    created_at: int
    status: str = "queued"
    progress: int = 0
    started_at: int | None = None
    finished_at: int | None = None
    exit_code: int | None = None
    reason: str | None = None
    #: The highest ``seq`` stored and handed to the hub.
    last_seq: int = 0
    cancel_requested_by: str | None = None
    process: object = None
    open_streams: int = 0
    steps: StepTracker = None
    #: State changed since the last ``task`` event.
    dirty: bool = True
    _buffer: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        if self.steps is None:
            self.steps = StepTracker(self.definition.steps)

    @property
    def name(self) -> str:
        """The task definition's name."""
        return self.definition.name

    def add_line(self, stream: str, text: str) -> None:
        """Buffer one output line; stdout directives update progress and steps."""
        with self._lock:
            self._buffer.append((now_ms(), stream, text))
            if stream == "stdout":
                self._apply(parse_directive(text))

    def _apply(self, directive) -> None:
        if directive is None:
            return
        kind, value = directive
        if kind == "step":
            changed = self.steps.start(value)
        elif kind == "step-done":
            changed = self.steps.finish_current()
        else:
            changed = value != self.progress
            self.progress = value
        self.dirty = self.dirty or changed

    def buffered(self) -> int:
        """How many lines wait to be stored."""
        return len(self._buffer)

    def take_lines(self) -> list[tuple[int, str, str]]:
        """Remove and return the buffered ``(ts, stream, text)`` lines."""
        with self._lock:
            lines, self._buffer = self._buffer, []
        return lines

    def take_state(self) -> dict | None:
        """The task object if it changed since the last call, else None."""
        with self._lock:
            if not self.dirty:
                return None
            self.dirty = False
            return self.as_dict()

    def mark(self, **changes) -> None:
        """Change state fields (status, times, outcome) and flag a ``task`` event."""
        with self._lock:
            for key, value in changes.items():
                setattr(self, key, value)
            self.dirty = True

    def stream_closed(self) -> None:
        """A reader reached the end of its pipe."""
        with self._lock:
            self.open_streams -= 1

    def settle(self, status: str, reason: str | None, exit_code: int | None) -> None:
        """Make the run final: outcome, end time, and every step settled."""
        with self._lock:
            self.status = status
            self.reason = reason
            self.exit_code = exit_code
            self.finished_at = now_ms()
            if status == "succeeded":
                self.progress = 100
            self.steps.close(status)
            self.dirty = True

    def as_dict(self) -> dict:
        """The same task object :meth:`TaskRun.as_dict` gives for a stored run."""
        return {
            "id": self.id, "name": self.name, "status": self.status,
            "progress": self.progress, "steps": self.steps.snapshot(),
            "exit_code": self.exit_code, "reason": self.reason,
            "started_by": self.started_by, "created_at": self.created_at,
            "started_at": self.started_at, "finished_at": self.finished_at,
            "line_count": self.last_seq,
        }
