"""Live time-series charts: the ``/charts`` namespace and its producers."""

from flask import Flask

from ..extensions import socketio


def init_app(app: Flask, services) -> None:
    """Create the ChartService, register the namespace and the REST blueprint."""
    from .api import bp
    from .namespace import ChartsNamespace
    from .service import ChartService

    services.charts = ChartService(socketio, app.config["DATA_FILE"])
    socketio.on_namespace(ChartsNamespace(services.charts))
    app.register_blueprint(bp)
