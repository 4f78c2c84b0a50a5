"""The tasks feature: definitions, runs, their live output on ``/logs``, and the REST API.

The namespace keeps its name ``/logs`` because outside clients rely on the
contract (docs/contract.md); everything else is called tasks.
"""

import atexit
import logging
import signal

from flask import Flask

from ..extensions import socketio

log = logging.getLogger(__name__)


def init_app(app: Flask, services) -> None:
    """Create the TaskService, register the namespace and the REST blueprint.

    A run's end is reported on ``/debug`` when that feature is enabled
    (looked up when the run ends, so feature order does not matter).
    """
    from .api import bp
    from .namespace import TasksNamespace
    from .service import TaskService

    def report(task: dict) -> None:
        debug = getattr(services, "debug", None)
        if debug is not None:
            debug.report_task(task)

    services.tasks = TaskService(app, socketio, on_finished=report)
    socketio.on_namespace(TasksNamespace(services.tasks))
    app.register_blueprint(bp)
    _stop_tasks_with_the_server(services.tasks)


def _stop_tasks_with_the_server(service) -> None:
    """Kill running tasks when the server exits, SIGTERM included.

    Runs are their own sessions, so nothing else would stop them. The SIGTERM
    handler is installed only where nobody installed one before (and only in
    the main thread); it kills the tasks, then lets SIGTERM do what it did.
    """
    atexit.register(service.shutdown)
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def on_sigterm(signum, frame):
        service.shutdown()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread (under eventlet threading says otherwise)
        log.info("not in the main thread: running tasks will not be stopped on SIGTERM")
