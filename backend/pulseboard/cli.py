"""The ``pulseboard`` command: ``pulseboard serve`` runs the production server.

``serve`` monkey-patches for eventlet or gevent *before* importing Flask or
the app (a server using a message queue under eventlet/gevent hangs
otherwise), raises the open-file limit, and lifts eventlet's default cap of
1,024 concurrent connections. Development uses ``flask --app pulseboard run``.
"""

import argparse
import logging
import os
import resource
import sys

ASYNC_MODES = ("eventlet", "gevent", "threading")
DEFAULT_ASYNC_MODE = "eventlet"
DEFAULT_MAX_CONNECTIONS = 20_000


def _monkey_patch(mode: str) -> None:
    if mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
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


def serve(args: argparse.Namespace) -> None:
    """Run the app on eventlet's (or gevent's) WSGI server."""
    mode = args.async_mode or os.environ.get("ASYNC_MODE") or DEFAULT_ASYNC_MODE
    _monkey_patch(mode)
    fd_limit = raise_open_file_limit()
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from dotenv import load_dotenv

    load_dotenv()  # a .env in the working directory, as `flask run` reads
    from . import create_app
    from .extensions import socketio

    app = create_app({"ASYNC_MODE": mode})
    host = args.host or app.config["HOST"]
    port = args.port or app.config["PORT"]
    options: dict = {"log_output": args.access_log}
    max_connections = int(os.environ.get("MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS))
    if mode == "eventlet":
        options["max_size"] = max_connections
    elif mode == "threading":
        options["allow_unsafe_werkzeug"] = True
    logging.getLogger(__name__).info(
        "pulseboard %s serving on http://%s:%s (%s, fd limit %s, db %s)",
        app.config["VERSION"], host, port, mode, fd_limit,
        app.config["SQLALCHEMY_DATABASE_URI"].split("://", 1)[0],
    )
    socketio.run(app, host=host, port=port, **options)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pulseboard`` command."""
    parser = argparse.ArgumentParser(prog="pulseboard", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the production server")
    run.add_argument("--host", help="address to bind (default: HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port to bind (default: PORT or 5000)")
    run.add_argument("--async-mode", choices=ASYNC_MODES, help="default: ASYNC_MODE or eventlet")
    run.add_argument("--access-log", action="store_true", help="log every HTTP request")
    run.set_defaults(func=serve)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``pulseboard`` console script."""
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
