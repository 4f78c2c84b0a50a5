"""Outside metrics into chart streams: InfluxDB line protocol over HTTP, Prometheus scrapes.

``POST /api/write`` and ``/api/v2/write`` take line protocol (Telegraf,
InfluxDB clients); the sources of ``SOURCES_FILE`` are scraped in the
background. Both publish through the charts' public ``publish`` (see
:mod:`.sink`) under the naming rule of :mod:`.naming`. docs/ingest.md has
the rules and configuration snippets.
"""


def init_app(app, services) -> None:
    """Register the write endpoints and one scraper per ``SOURCES_FILE`` source (not started)."""
    from ..extensions import socketio
    from .api import bp
    from .scraper import Scraper
    from .sources import load_sources

    app.register_blueprint(bp)
    path = app.config.get("SOURCES_FILE")
    services.scrapers = [Scraper(app, socketio, source)
                         for source in (load_sources(path) if path else [])]
