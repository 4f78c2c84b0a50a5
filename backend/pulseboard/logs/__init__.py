"""Running tasks with live logs: the ``/logs`` namespace, its runner and REST API."""

import atexit
import logging
import signal

from flask import Flask

from ..extensions import socketio

log = logging.getLogger(__name__)


def init_app(app: Flask, services) -> None:
    """Create the LogService, register the namespace and the REST blueprint.

    A run's end is reported on ``/debug`` when that feature is enabled
    (looked up when the run ends, so feature order does not matter).
    """
    from .api import bp
    from .namespace import LogsNamespace
    from .service import LogService

    def report(task: dict) -> None:
        debug = getattr(services, "debug", None)
        if debug is not None:
            debug.report_task(task)

    services.logs = LogService(app, socketio, on_finished=report)
    socketio.on_namespace(LogsNamespace(services.logs))
    app.register_blueprint(bp)
    _stop_tasks_with_the_server(services.logs)


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
