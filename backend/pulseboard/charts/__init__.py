"""Live time-series charts: the ``/charts`` namespace and its producers.

Nothing is imported at the top: ``pulseboard.emitter`` imports
:mod:`.streams` from here and must not pull in Flask and SQLAlchemy.
"""


def init_app(app, services) -> None:
    """Create the ChartService, register the namespace and the REST blueprint."""
    from ..extensions import socketio
    from .api import bp
    from .namespace import ChartsNamespace
    from .service import ChartService

    services.charts = ChartService(socketio, app.config["DATA_FILE"])
    services.charts.max_published_streams = app.config.get("MAX_PUBLISHED_STREAMS", 256)
    socketio.on_namespace(ChartsNamespace(services.charts))
    app.register_blueprint(bp)
