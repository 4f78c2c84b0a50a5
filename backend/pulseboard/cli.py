"""The ``pulseboard`` command: ``pulseboard serve`` runs the production server.

``pulseboard migrate`` brings the database to the newest schema (``serve``
does it too, before it listens). ``pulseboard emit`` and ``pulseboard
publish-point`` publish from outside the server through the message queue
(see :mod:`pulseboard.emitter`).

``serve`` monkey-patches for eventlet or gevent *before* importing Flask or
the app (a server using a message queue under eventlet/gevent hangs
otherwise), raises the open-file limit, and lifts eventlet's default cap of
1,024 concurrent connections. Development uses ``flask --app pulseboard.dev run``.

Every setting is read by :mod:`pulseboard.config`; an invalid one ends the
command with its message and exit status 2 (:data:`SETTINGS_EXIT`).
"""

import argparse
import gc
import json
import logging
import resource
import sys

from . import config
from .config import ASYNC_MODES, SettingsError

DEFAULT_ASYNC_MODE = "eventlet"
#: The exit status of a command started with an invalid setting (as for bad arguments).
SETTINGS_EXIT = 2
#: Idle seconds before eventlet closes a keep-alive connection (it never did).
KEEPALIVE_IDLE = 75
#: Seconds a client may take to send a request's headers or body.
SOCKET_TIMEOUT = 60


def _monkey_patch(mode: str) -> None:
    if mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
        from . import websocket_mask

        websocket_mask.install()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else 1_048_576
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def tune_garbage_collector() -> None:
    """Keep full collections from stalling every client at once.

    With 1,000 clients a full collection stopped the worker for 150-200 ms,
    which was the whole p99 of the chart fan-out (docs/benchmarks.md).
    ``gc.freeze()`` moves the loaded app's objects out of later collections
    and a higher first threshold makes collections rarer.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _load_dotenv() -> None:
    # python-dotenv starts no threads and takes no locks: safe before patching,
    # and it must come first so that ASYNC_MODE in .env is honoured.
    from dotenv import find_dotenv, load_dotenv

    load_dotenv(find_dotenv(usecwd=True))  # the .env `flask run` reads: from the cwd up


def _setting_refused(exc: SettingsError) -> SystemExit:
    print(f"pulseboard: invalid setting: {exc}", file=sys.stderr)
    return SystemExit(SETTINGS_EXIT)


def read_settings():
    """Load ``.env``, then every setting (:func:`pulseboard.config.load_settings`).

    An invalid one ends the command: its message on stderr, exit status 2.
    """
    _load_dotenv()
    try:
        return config.load_settings()
    except SettingsError as exc:
        raise _setting_refused(exc) from None


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _migrate(config: dict | None = None) -> str:
    from sqlalchemy.exc import SQLAlchemyError

    from .schema import migrate_database

    try:
        return migrate_database(config)
    except SQLAlchemyError as exc:
        raise SystemExit(f"pulseboard: cannot migrate the database: {exc}") from None


def migrate(args: argparse.Namespace) -> None:
    """Migrate the configured database to the newest revision, then exit."""
    settings = read_settings()
    _configure_logging(settings.LOG_LEVEL)
    print(f"pulseboard: database at revision {_migrate()}", file=sys.stderr)


def serve(args: argparse.Namespace) -> None:
    """Migrate, then run the app on eventlet's (or gevent's) WSGI server."""
    _load_dotenv()
    config.require_production_secret_key()  # a missing or placeholder key in production
    try:
        mode = args.async_mode or config.async_mode() or DEFAULT_ASYNC_MODE
    except SettingsError as exc:
        raise _setting_refused(exc) from None
    _monkey_patch(mode)  # before pydantic, Flask and the rest are imported
    settings = read_settings()
    fd_limit = raise_open_file_limit()
    _configure_logging(settings.LOG_LEVEL)
    from . import connections, create_app
    from .extensions import socketio
    from .serving import prepare_to_serve

    _migrate()  # before the app exists: nothing of it runs on an old schema
    try:
        app = create_app({"ASYNC_MODE": mode})
    except SettingsError as exc:  # e.g. a bad ALERTS_FILE
        raise _setting_refused(exc) from None
    prepare_to_serve(app)
    capacity = app.config
    tune_garbage_collector()
    host = args.host or app.config["HOST"]
    port = args.port or app.config["PORT"]
    options: dict = {"log_output": args.access_log}
    if mode == "eventlet":
        budget = connections.ConnectionBudget(
            capacity["MAX_CONNECTIONS"], capacity["MAX_GUEST_CONNECTIONS"],
            capacity["GUEST_TIMEOUT"])
        options["max_size"] = budget.pool_size
        # No GreenThread per connection (issue 17, transport/light_pool.py).
        from .transport.light_pool import LightPool
        options["custom_pool"] = LightPool(budget.pool_size)
        options["protocol"] = connections.eventlet_protocol(budget)
        options["keepalive"] = KEEPALIVE_IDLE
        options["socket_timeout"] = SOCKET_TIMEOUT
        socketio.start_background_task(budget.run_sweeper, socketio.sleep)
    elif mode == "gevent":
        options["handler_class"] = connections.gevent_handler()
    elif mode == "threading":
        options["allow_unsafe_werkzeug"] = True
    logging.getLogger(__name__).info(
        "pulseboard %s serving on http://%s:%s (%s, fd limit %s, db %s)",
        app.config["VERSION"], host, port, mode, fd_limit,
        app.config["SQLALCHEMY_DATABASE_URI"].split("://", 1)[0],
    )
    if mode == "eventlet" and not app.debug:  # debug: socketio.run's reloader and debugger
        _serve_eventlet(app, host, port, options)
    else:
        socketio.run(app, host=host, port=port, **options)


def _serve_eventlet(app, host: str, port: int, options: dict) -> None:
    """``socketio.run``'s eventlet server, given the Flask app as a bound method.

    Flask-SocketIO hands eventlet the app instance, and calling an instance
    costs every WebSocket's parked greenlet one more saved C frame (~0.7 KB;
    transport/flat_calls.py). ``run`` does nothing else for eventlet without
    debug (``serve`` leaves a debug app to ``run``), SSL or the reloader.
    """
    import eventlet
    import eventlet.wsgi
    from eventlet.green import socket

    from .transport.flat_calls import flat

    family, _, _, _, address = socket.getaddrinfo(host, port)[0]
    eventlet.wsgi.server(eventlet.listen(address, family), flat(app), **options)


def _emitter(args: argparse.Namespace):
    from redis.exceptions import RedisError

    from .emitter import Emitter

    url = args.message_queue or read_settings().MESSAGE_QUEUE
    if not url:
        raise SystemExit("pulseboard: set MESSAGE_QUEUE or pass --message-queue redis://...")
    try:
        emitter = Emitter(url)
        workers = emitter.listening_workers()
    except ValueError as exc:
        raise SystemExit(f"pulseboard: {exc}") from exc
    except RedisError as exc:
        raise SystemExit(f"pulseboard: cannot reach the message queue: {exc}") from exc
    # Not an error: the event is simply lost, as it would be with no clients.
    print(f"pulseboard: {workers} worker(s) listening", file=sys.stderr)
    return emitter


def emit(args: argparse.Namespace) -> None:
    """Emit one event with a JSON payload to every worker's clients."""
    try:
        data = json.loads(args.data)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"pulseboard: DATA is not JSON: {exc}") from exc
    _emitter(args).emit(args.event, data, namespace=args.namespace, room=args.room)


def _database_url(args: argparse.Namespace) -> str:
    """``--database-url``, else ``DATABASE_URL``, else the server's own default (SQLite)."""
    url = args.database_url or read_settings().DATABASE_URL
    if url:
        return url
    from flask import Flask

    from .config import default_database_url

    # create_app's import name: the same instance folder, so the same default database.
    return default_database_url(Flask("pulseboard.app", instance_relative_config=True)
                                .instance_path)


def publish_point(args: argparse.Namespace) -> None:
    """Send one chart point, stamped now, to a published stream's live subscribers.

    Refuses (exit status 1) a stream that was never created: nobody could be
    subscribed to it, so the point would silently reach no one.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .emitter import check_published_stream

    try:
        check_published_stream(_database_url(args), args.stream)
    except ValueError as exc:
        raise SystemExit(f"pulseboard: {exc}") from exc
    except SQLAlchemyError as exc:
        raise SystemExit(
            f"pulseboard: cannot read the stream list from the database: {exc}") from exc
    try:
        _emitter(args).publish_value(args.stream, args.value)
    except ValueError as exc:
        raise SystemExit(f"pulseboard: {exc}") from exc


def _add_queue_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--message-queue", metavar="URL",
                         help="the workers' queue (default: MESSAGE_QUEUE)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pulseboard`` command."""
    parser = argparse.ArgumentParser(prog="pulseboard", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="migrate the database, then run the production server")
    run.add_argument("--host", help="address to bind (default: HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port to bind (default: PORT or 5000)")
    run.add_argument("--async-mode", choices=ASYNC_MODES, help="default: ASYNC_MODE or eventlet")
    run.add_argument("--access-log", action="store_true", help="log every HTTP request")
    run.set_defaults(func=serve)

    upgrade = commands.add_parser(
        "migrate", help="bring the database (DATABASE_URL) to the newest schema and exit")
    upgrade.set_defaults(func=migrate)

    send = commands.add_parser(
        "emit", help="emit an event to every worker's clients through the message queue")
    send.add_argument("event", help="event name, e.g. notification")
    send.add_argument("data", help="JSON payload, e.g. '{\"kind\": \"deploy\"}'")
    send.add_argument("--namespace", default="/", help="e.g. /charts or /chat (default: /)")
    send.add_argument("--room", help="e.g. stream:app.latency or user:7 (default: everyone)")
    _add_queue_option(send)
    send.set_defaults(func=emit)

    point = commands.add_parser(
        "publish-point",
        help="send one chart point to a published stream's live subscribers "
             "(the stream must exist: create it with POST /api/streams/<name>/points)")
    point.add_argument("stream", help="stream name, e.g. build.duration")
    point.add_argument("value", type=float, help="the point's value")
    point.add_argument("--database-url", metavar="URL",
                       help="the workers' database, where published streams are listed "
                            "(default: DATABASE_URL)")
    _add_queue_option(point)
    point.set_defaults(func=publish_point)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``pulseboard`` console script."""
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
