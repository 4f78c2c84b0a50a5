"""Task runs and their log lines."""

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

#: The statuses a run ends in (before: queued, running).
FINAL_STATUSES = ("succeeded", "failed", "cancelled")


class TaskRun(db.Model):
    """One run of a task definition. Times are milliseconds since the epoch."""

    __tablename__ = "task_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    started_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: The highest ``seq`` stored for this run (lines are numbered 1..line_count).
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The worker (``host:pid[:token]``) that owns the run while it is queued or running.
    worker: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)

    def as_dict(self) -> dict:
        """The contract's task object (plus timing and outcome details)."""
        return {
            "id": self.id, "name": self.name, "status": self.status,
            "progress": self.progress, "steps": list(self.steps or []),
            "exit_code": self.exit_code, "reason": self.reason,
            "started_by": self.started_by, "created_at": self.created_at,
            "started_at": self.started_at, "finished_at": self.finished_at,
            "line_count": self.line_count,
        }


class LogLine(db.Model):
    """One line of a run's output; ``seq`` counts 1, 2, 3... per run, no gaps."""

    __tablename__ = "task_log_lines"

    task_id: Mapped[int] = mapped_column(ForeignKey("task_runs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger)
    #: ``stdout``, ``stderr``, or ``system`` for what the runner itself says.
    stream: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)

    def as_dict(self) -> dict:
        """The contract's line object."""
        return {"seq": self.seq, "ts": self.ts, "stream": self.stream, "text": self.text}
