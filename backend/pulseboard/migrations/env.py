"""Alembic environment: migrate the app's own database against its models.

Runs inside an app context (Flask-Migrate's commands, or
:mod:`pulseboard.schema`: ``pulseboard migrate``, ``pulseboard serve``). When the caller passes a
connection in ``config.attributes["connection"]`` (the one holding the
migration lock), the migrations run on it.
"""

import logging

from alembic import context
from flask import current_app

config = context.config
log = logging.getLogger("alembic.env")
target_db = current_app.extensions["migrate"].db


def _skip_empty_autogenerate(_context, _revision, directives) -> None:
    # `flask db migrate` with no model change writes no empty revision.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def _configure_args(dialect_name: str) -> dict:
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("process_revision_directives", _skip_empty_autogenerate)
    args.setdefault("compare_type", True)
    # SQLite cannot ALTER most things: Alembic copies the table instead.
    args.setdefault("render_as_batch", dialect_name == "sqlite")
    return args


def run_migrations_offline() -> None:
    """Write the SQL for ``flask db upgrade --sql`` instead of running it."""
    url = target_db.engine.url
    context.configure(url=url.render_as_string(hide_password=False),
                      target_metadata=target_db.metadata, literal_binds=True,
                      **_configure_args(url.get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_db.metadata,
                      **_configure_args(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection or a new one."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with target_db.engine.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
