"""The tasks feature: definitions, runs, their live output on ``/logs``, and the REST API.

The namespace keeps its name ``/logs`` because outside clients rely on the
contract (docs/contract.md); everything else is called tasks.
"""

from flask import Flask

from ..extensions import socketio


def init_app(app: Flask, services) -> None:
    """Create the TaskService, register the namespace and the REST blueprint.

    A run's end is reported on ``/debug`` when that feature is enabled
    (looked up when the run ends, so feature order does not matter). Killing
    the runs when the server process exits is the server's business
    (:func:`pulseboard.serving.prepare_to_serve`), not the factory's.
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
