"""The development server's app: ``flask --app pulseboard.dev run --debug`` (``make dev``).

The same app as :func:`pulseboard.create_app`, in a process that serves it:
the database is migrated first and the process is prepared as ``pulseboard
serve`` prepares its own (:mod:`pulseboard.serving`). ``flask --app pulseboard``
builds the plain app (for ``flask db ...`` and the shell) and migrates nothing.
Under the reloader each reload migrates again, so a new revision is applied
as soon as its file is saved. The reloader's parent process (Flask builds the
app there too, but never serves it) only builds it: preparing it as well would
run a second alert evaluator and second scrapers beside the serving child's.
"""


def _in_reloader_parent() -> bool:
    """True in ``flask run --reload``'s watching parent, which never serves."""
    import click
    from flask.helpers import get_debug_flag
    from werkzeug.serving import is_running_from_reloader

    context = click.get_current_context(silent=True)
    if context is None or is_running_from_reloader():
        return False
    reload = context.params.get("reload")
    return get_debug_flag() if reload is None else bool(reload)  # flask run's own default


def create_app(config=None):
    """Migrate the database, build the app and prepare this process to serve it."""
    from . import create_app as build_app
    from .schema import migrate_database
    from .serving import prepare_to_serve

    if _in_reloader_parent():
        return build_app(config)
    migrate_database(config)
    app = build_app(config)
    prepare_to_serve(app)
    return app
