"""Live time-series charts: the ``/charts`` namespace and its producers.

Nothing is imported at the top: ``pulseboard.emitter`` imports
:mod:`.streams` from here and must not pull in Flask and SQLAlchemy.
"""


def init_app(app, services) -> None:
    """Create the ChartService and its history writer, register the namespace and REST."""
    from ..extensions import socketio
    from .api import bp
    from .history import HistoryWriter
    from .namespace import ChartsNamespace
    from .service import ChartService

    services.charts = ChartService(socketio, app.config["DATA_FILE"])
    services.charts.max_published_streams = app.config.get("MAX_PUBLISHED_STREAMS", 256)
    # Started (and flushed at exit) by pulseboard.serving, with the retention sweep.
    services.charts.history = HistoryWriter(app, socketio)
    socketio.on_namespace(ChartsNamespace(services.charts))
    app.register_blueprint(bp)
