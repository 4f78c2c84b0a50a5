"""``/logs``: server-defined task runs and their live logs (see docs/tasks.md).

The feature is called tasks in the code; the namespace keeps the name
``/logs`` because outside clients rely on the contract.
"""

from typing import Annotated, Literal

from pydantic import Field

from .base import MAX_ID, Payload, Reply, Timestamp

TaskStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
StepStatus = Literal["pending", "running", "done", "failed", "cancelled", "skipped"]
LineStream = Literal["stdout", "stderr", "system"]
#: A subscribe reply carries at most this many lines (``more: true`` past it).
MAX_REPLY_LINES = 5000

TaskId = Annotated[int, Field(ge=1, le=MAX_ID)]
TaskName = Annotated[str, Field(min_length=1, max_length=64)]


class StartTask(Payload):
    """``start`` and ``POST /api/tasks``."""

    name: TaskName


class TaskRef(Payload):
    """``cancel`` and ``unsubscribe``."""

    task_id: TaskId


class TaskSubscribe(Payload):
    """``subscribe``: the stored lines after ``after_seq`` (all of them without it)."""

    task_id: TaskId
    after_seq: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None


class TaskDefinition(Reply):
    """A task clients may start (never its command or environment)."""

    name: str
    description: str
    steps: list[str] = Field(description="steps declared ahead, shown as pending")
    timeout: float | None = Field(description="seconds before the run fails; null for none")


class TaskStep(Reply):
    name: str
    status: StepStatus


class Task(Reply):
    """A run, everywhere: ``task`` events, acks, REST."""

    id: int
    name: str
    status: TaskStatus
    progress: int = Field(ge=0, le=100)
    steps: list[TaskStep]
    exit_code: int | None
    reason: str | None
    started_by: str | None
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
    line_count: int = Field(description="the highest seq stored")


class LogLine(Reply):
    seq: int
    ts: Timestamp
    stream: LineStream
    text: str


class TasksAck(Reply):
    """``tasks``: the task definitions and the newest runs."""

    ok: Literal[True]
    definitions: list[TaskDefinition]
    tasks: list[Task] = Field(description="the 50 newest runs, newest first")


class TaskAck(Reply):
    """``start``."""

    ok: Literal[True]
    task: Task


class TaskSubscribeAck(Reply):
    """``subscribe``: the run and its stored lines after ``after_seq``; ``lines`` frames follow."""

    ok: Literal[True]
    task: Task
    lines: list[LogLine]
    more: bool = Field(description="true: subscribe again after the last seq")


class LinesFrame(Reply):
    """The lines of one run since the previous tick."""

    task_id: int
    lines: list[LogLine]


# -- REST ------------------------------------------------------------------------


class TaskList(Reply):
    """``GET /api/tasks``."""

    definitions: list[TaskDefinition]
    tasks: list[Task]


class TaskReply(Reply):
    """``GET /api/tasks/<id>``."""

    task: Task
