"""The development server's app: ``flask --app pulseboard.dev run --debug`` (``make dev``).

The same app as :func:`pulseboard.create_app`, in a process that serves it:
the database is migrated first and the process is prepared as ``pulseboard
serve`` prepares its own (:mod:`pulseboard.serving`). ``flask --app pulseboard``
builds the plain app (for ``flask db ...`` and the shell) and migrates nothing.
Under the reloader each reload migrates again, so a new revision is applied
as soon as its file is saved.
"""


def create_app(config=None):
    """Migrate the database, build the app and prepare this process to serve it."""
    from . import create_app as build_app
    from .schema import migrate_database
    from .serving import prepare_to_serve

    migrate_database(config)
    app = build_app(config)
    prepare_to_serve(app)
    return app
