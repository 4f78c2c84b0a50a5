"""Debug messages: the ``/debug`` namespace, its REST API and the logging bridge."""

from flask import Flask

from ..extensions import socketio


def init_app(app: Flask, services) -> None:
    """Create the DebugService, register namespace and blueprint, bridge logging."""
    from .api import bp
    from .bridge import DebugLogHandler, install
    from .namespace import DebugNamespace
    from .service import DebugService

    services.debug = DebugService(socketio)
    socketio.on_namespace(DebugNamespace(services.debug))
    app.register_blueprint(bp)
    install(DebugLogHandler(app, socketio, services.debug))
