"""REST for tasks: list, start, cancel, one run, and a run's whole log as text."""

from flask import Blueprint, Response, current_app, g, stream_with_context
from werkzeug.routing import IntegerConverter

from ..contract.tasks import StartTask
from ..http import json_body, require_token
from ..wire import parse

bp = Blueprint("tasks", __name__, url_prefix="/api/tasks")

#: The largest task id a route matches (a JS-safe integer): a 20-digit id
#: overflowed SQLite's INTEGER and answered 500; now it is 404 like any other.
MAX_TASK_ID = 2**53


class TaskIdConverter(IntegerConverter):
    """``<task_id:...>``: an id of 1..2**53, digits only."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_TASK_ID)


@bp.record_once
def _register_converter(state) -> None:
    state.app.url_map.converters["task_id"] = TaskIdConverter


def _service():
    return current_app.extensions["pulseboard"].tasks


@bp.get("")
@require_token
def list_tasks():
    """Task definitions and the newest runs (``{definitions, tasks}``)."""
    service = _service()
    return {"definitions": service.definitions(), "tasks": service.list_tasks()}


@bp.post("")
@require_token
def start_task():
    """Start a task by name (202 with the queued run)."""
    body = parse(StartTask, json_body())
    return {"ok": True, "task": _service().start(body.name, g.user.username)}, 202


@bp.get("/<task_id:task_id>")
@require_token
def get_task(task_id: int):
    """One run with its steps."""
    return {"task": _service().get(task_id)}


@bp.post("/<task_id:task_id>/cancel")
@require_token
def cancel_task(task_id: int):
    """Cancel a queued or running run (202)."""
    _service().cancel(task_id, g.user.username)
    return {"ok": True}, 202


@bp.get("/<task_id:task_id>/log")
@require_token
def download_log(task_id: int):
    """The run's whole log as ``text/plain``, streamed page by page."""
    task, pages = _service().log_text(task_id)
    filename = f"task-{task_id}-{task['name']}.log"
    return Response(stream_with_context(pages), mimetype="text/plain",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
