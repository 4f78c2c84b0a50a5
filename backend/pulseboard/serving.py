"""What a process that serves the app does to itself, once, before it listens.

:func:`pulseboard.create_app` only builds an app: the tests build many in one
process, ``flask db`` builds one to run a command. The process-wide steps are
here, taken by the two ways to serve: ``pulseboard serve`` and the development
app (:mod:`pulseboard.dev`, ``flask --app pulseboard.dev run``). The database
is migrated before either builds its app (:func:`pulseboard.schema.migrate_database`).
"""

import atexit
import logging
import signal

from flask import Flask

log = logging.getLogger(__name__)


def prepare_to_serve(app: Flask) -> None:
    """Start the background work, bridge warnings to ``/debug``, stop tasks with the process.

    Background work: alert evaluation and the Prometheus scrapers (each
    shares its rule or source with the other workers through a lease), the
    chart history's flusher and the retention sweep (:mod:`pulseboard.retention`,
    one worker per cluster). The history buffer is written out at exit.
    """
    services = app.extensions["pulseboard"]
    alerts = getattr(services, "alerts", None)
    if alerts is not None:
        alerts.start()
    for scraper in getattr(services, "scrapers", ()):
        scraper.start()
    debug = getattr(services, "debug", None)
    if debug is not None:
        from .debug.bridge import DebugLogHandler, install
        from .extensions import socketio

        install(DebugLogHandler(app, socketio, debug))
    history = _start_history(app, services)
    tasks = getattr(services, "tasks", None)
    if tasks is not None or history is not None:
        stop_tasks_at_exit(_at_exit(tasks, history))


def _start_history(app: Flask, services):
    """Start the chart history's flusher and the retention sweep; the writer, or None."""
    charts = getattr(services, "charts", None)
    history = getattr(charts, "history", None)
    if history is None:
        return None
    from .extensions import socketio
    from .retention import RetentionSweeper

    history.start()
    RetentionSweeper(app, socketio).start()
    return history


def _at_exit(tasks, history):
    """What stopping the process does: kill running tasks, then write buffered chart points."""

    def shutdown():
        if tasks is not None:
            tasks.shutdown()
        if history is not None:
            try:
                history.stop()
            except Exception:  # the database may be gone; the process stops all the same
                log.exception("chart history: final flush failed")

    return shutdown


def stop_tasks_at_exit(shutdown) -> None:
    """Call ``shutdown()`` (kill running tasks) when the process exits, SIGTERM included.

    Runs are their own sessions, so nothing else would stop them at once (a
    run's guard notices its server is gone, but only when its lifeline pipe
    closes). The SIGTERM handler is installed only where nobody installed one
    before (and only in the main thread); it calls ``shutdown``, then lets
    SIGTERM do what it did.
    """
    atexit.register(shutdown)
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def on_sigterm(signum, frame):
        shutdown()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread (under eventlet threading says otherwise)
        log.info("not in the main thread: running tasks will not be stopped on SIGTERM")
