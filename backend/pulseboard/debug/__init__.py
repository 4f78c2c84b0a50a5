"""Debug messages: the ``/debug`` namespace, its REST API and the logging bridge."""

from flask import Flask

from ..extensions import socketio


def init_app(app: Flask, services) -> None:
    """Create the DebugService, register namespace and blueprint.

    The logging bridge (:mod:`.bridge`) goes on the root logger when a process
    serves the app (:func:`pulseboard.serving.prepare_to_serve`), not here.
    """
    from .api import bp
    from .namespace import DebugNamespace
    from .service import DebugService

    services.debug = DebugService(socketio)
    socketio.on_namespace(DebugNamespace(services.debug))
    app.register_blueprint(bp)
