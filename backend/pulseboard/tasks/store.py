"""Storing runs and log lines through SQLAlchemy (needs an app context)."""

from sqlalchemy import func, insert, select, update

from ..extensions import db
from ..wire import now_ms
from .models import FINAL_STATUSES, LogLine, TaskRun
from .run import Run

#: Lines read from the database per round trip when streaming a whole log.
PAGE_LINES = 5_000


def create_run(name: str, started_by: str | None, steps: list,
               worker: str | None = None) -> TaskRun:
    """Insert a queued run owned by ``worker`` and return it (with its id)."""
    row = TaskRun(name=name, status="queued", progress=0, steps=steps,
                  started_by=started_by, created_at=now_ms(), line_count=0, worker=worker)
    db.session.add(row)
    db.session.commit()
    return row


def store_lines(run: Run, lines: list[tuple[int, str, str]]) -> list[dict]:
    """Number ``lines`` after the run's last seq and insert them in one batch.

    Returns the line objects; the caller commits (together with the run's
    state, see :func:`save_state`) before handing them to the hub.
    """
    first = run.last_seq + 1
    rows = [{"task_id": run.id, "seq": first + i, "ts": ts, "stream": stream, "text": text}
            for i, (ts, stream, text) in enumerate(lines)]
    if rows:
        db.session.execute(insert(LogLine), rows)
    return [{"seq": r["seq"], "ts": r["ts"], "stream": r["stream"], "text": r["text"]}
            for r in rows]


def save_state(state: dict) -> bool:
    """Write a run's status, progress, steps, outcome and line count (no commit).

    A run already final in the database is left as it is (a survivor
    settled it while its worker was unreachable); returns False then.
    """
    fields = ("status", "progress", "steps", "exit_code", "reason",
              "started_at", "finished_at", "line_count")
    result = db.session.execute(
        update(TaskRun).where(TaskRun.id == state["id"], TaskRun.status.not_in(FINAL_STATUSES))
        .values({key: state[key] for key in fields}))
    return result.rowcount > 0


def final_ids(task_ids) -> set[int]:
    """Those of ``task_ids`` whose stored run is final."""
    task_ids = list(task_ids)
    if not task_ids:
        return set()
    return set(db.session.scalars(select(TaskRun.id).where(
        TaskRun.id.in_(task_ids), TaskRun.status.in_(FINAL_STATUSES))))


def get_run(task_id: int) -> TaskRun | None:
    """The stored run ``task_id``, or None."""
    return db.session.get(TaskRun, task_id)


def recent_runs(limit: int = 50) -> list[TaskRun]:
    """The newest runs first."""
    return list(db.session.scalars(select(TaskRun).order_by(TaskRun.id.desc()).limit(limit)))


def lines_between(task_id: int, after_seq: int, upto: int | None, limit: int) -> list[dict]:
    """Lines with ``after_seq < seq <= upto`` in order, at most ``limit`` of them."""
    query = select(LogLine).where(LogLine.task_id == task_id, LogLine.seq > after_seq)
    if upto is not None:
        query = query.where(LogLine.seq <= upto)
    query = query.order_by(LogLine.seq).limit(limit)
    return [line.as_dict() for line in db.session.scalars(query)]


def iter_log_text(task_id: int):
    """Yield a run's whole log as text, one page of lines at a time."""
    after = 0
    for _ in range(1 + (max_seq(task_id) // PAGE_LINES)):
        page = lines_between(task_id, after, None, PAGE_LINES)
        if not page:
            return
        yield "".join(f"{line['text']}\n" for line in page)
        after = page[-1]["seq"]


def max_seq(task_id: int) -> int:
    """The highest stored seq of a run (0 when it has no lines)."""
    return db.session.scalar(select(func.max(LogLine.seq)).where(LogLine.task_id == task_id)) or 0


def settled_steps(steps: list) -> list:
    """A lost run's steps: the running one failed, those never started skipped."""
    outcome = {"running": "failed", "pending": "skipped"}
    return [{**step, "status": outcome.get(step["status"], step["status"])}
            for step in steps or []]


def settle_unfinished(reason: str, worker: str | None = None,
                      any_worker: bool = False) -> list[dict]:
    """Fail the runs left queued or running (by ``worker``, or by anyone); return them.

    Their steps are settled as a run's end settles them, and their stored
    lines stay.
    """
    query = select(TaskRun).where(TaskRun.status.not_in(FINAL_STATUSES))
    if not any_worker:
        query = query.where(TaskRun.worker == worker)
    rows = list(db.session.scalars(query.with_for_update()))
    now = now_ms()
    for row in rows:
        row.status, row.reason, row.finished_at = "failed", reason, now
        row.steps = settled_steps(row.steps)
    db.session.commit()
    return [row.as_dict() for row in rows]


def unfinished_owners() -> set[str]:
    """The workers owning a queued or running run."""
    return set(db.session.scalars(select(TaskRun.worker).distinct().where(
        TaskRun.status.not_in(FINAL_STATUSES), TaskRun.worker.is_not(None))))


def fail_orphans(reason: str) -> list[int]:
    """Settle runs a previous server process left queued or running; return their ids."""
    return [task["id"] for task in settle_unfinished(reason, any_worker=True)]


def delete_old_log_lines(finished_before: int) -> int:
    """Delete the stored lines of runs that finished before ``finished_before`` (ms).

    The runs stay (listed, with their outcome and ``line_count``); only their
    log text goes. In bounded batches, each committed (a backlog of millions
    of lines must not be one statement). Returns the number of lines deleted.
    """
    from ..retention import delete_in_batches

    old_runs = select(TaskRun.id).where(TaskRun.status.in_(FINAL_STATUSES),
                                        TaskRun.finished_at < finished_before)
    return delete_in_batches(LogLine, (LogLine.task_id, LogLine.seq),
                             LogLine.task_id.in_(old_runs))
