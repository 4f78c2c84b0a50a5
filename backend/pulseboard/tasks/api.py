"""REST for tasks: list, start, cancel, one run, and a run's whole log as text."""

from flask import Blueprint, Response, current_app, g, stream_with_context

from ..contract.tasks import StartTask
from ..http import json_body, register_id_converter, require_token
from ..wire import parse

bp = Blueprint("tasks", __name__, url_prefix="/api/tasks")

register_id_converter(bp, "task_id")


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
