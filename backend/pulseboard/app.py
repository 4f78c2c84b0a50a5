"""The application factory."""

import importlib
import logging
from pathlib import Path
from types import SimpleNamespace

from flask import Flask

from . import __version__, devserver_websocket, event_context, schema, transport
from .api import health, spa
from .auth.api import bp as auth_bp
from .auth.tokens import verify_token
from .config import from_environment
from .errors import register_error_handlers
from .extensions import cors, db, migrate, socketio
from .middleware import ConnectionGate, NoWebSocketCompression, TerminatedChunkedInput
from .namespace import RootNamespace, event_error_ack
from .origins import origin_checker

log = logging.getLogger(__name__)

#: Feature packages; each has ``init_app(app, services)`` that creates its
#: service on ``services``, registers its namespace and its blueprints.
FEATURES = ("charts", "chat", "tasks", "debug", "alerts", "annotations", "ingest", "metrics")
#: Where Socket.IO is served (Flask-SocketIO's ``path`` option, the clients' default).
SOCKETIO_PATH = "socket.io"


def create_app(config: dict | None = None) -> Flask:
    """Build a Pulseboard app; nothing outside the app changes.

    The database is not migrated (``pulseboard migrate``, or
    :func:`pulseboard.schema.upgrade` in a test), and no signal handler, exit
    hook or root-logger handler is installed: a process that serves the app
    does that itself (:mod:`pulseboard.serving`).

    :param config: settings that override the environment, e.g. a test's
        temporary ``SQLALCHEMY_DATABASE_URI``. ``ASYNC_MODE`` picks
        python-socketio's async mode; left unset, Flask-SocketIO chooses
        (threading under ``flask run``).
    :raises pulseboard.config.SettingsError: an environment variable is invalid.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.session_interface = event_context.NoCookieSession()
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    app.config.from_mapping(config or {})
    app.config["VERSION"] = __version__
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(schema.MIGRATIONS_DIR))
    origins = app.config["CORS_ORIGINS"]
    cors.init_app(app, resources={r"/api/*": {"origins": origins}})
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE"],
        cors_allowed_origins=origin_checker(origins),
        manage_session=False,  # no Flask session is used over Socket.IO
        # Handlers run in the reading greenlet, in the order a client sent its
        # events: no greenlet per event (docs/benchmarks.md). No handler waits
        # on the client, so nothing needs call(), which this rules out.
        async_handlers=False,
        max_http_buffer_size=app.config["MAX_CONTENT_LENGTH"],
        serializer=transport.SERIALIZER,  # strict packets and payloads
        path=SOCKETIO_PATH,
    )
    socketio.on_error_default(event_error_ack)  # a failing handler's ack: see namespace.py
    app.wsgi_app = NoWebSocketCompression(app.wsgi_app)  # outside Socket.IO's middleware
    app.wsgi_app = TerminatedChunkedInput(app.wsgi_app)  # chunked bodies under eventlet
    guards = transport.install(app, socketio)  # wraps app.wsgi_app in the polling guard
    app.wsgi_app = ConnectionGate(app.wsgi_app, lambda token: verify_token(token, app.config),
                                  guards.sessions.is_member)
    devserver_websocket.install(app)  # `flask run`: no 500 + traceback when a WebSocket ends
    app.wsgi_app = transport.flat_calls.flatten(app.wsgi_app)  # less C stack per WebSocket
    event_context.route_socketio_path(app, SOCKETIO_PATH)
    socketio.on_namespace(RootNamespace())  # `/` refuses connections without a token too

    # Services live on the app, shared by its namespaces and blueprints.
    services = app.extensions["pulseboard"] = SimpleNamespace()
    for feature in FEATURES:
        importlib.import_module(f".{feature}", __package__).init_app(app, services)

    for blueprint in (auth_bp, health.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    spa.register(app)  # last: its catch-all route must not shadow /api
    return app
