"""Configuration from the environment (and ``.env`` in development): the one reader of it.

Every setting (the README's configuration table) is a typed field of
:class:`pulseboard.settings.Settings`, read here once with pydantic-settings
(:func:`load_settings`). :func:`from_environment` turns it into the plain
mapping :func:`pulseboard.create_app` loads with ``app.config.from_mapping``;
tests pass their own mapping on top, so nothing reads ``os.environ`` after
start-up. A value that does not parse stops the start with
:class:`SettingsError`, whose message names the variable
(``MAX_CONNECTIONS: must be an integer (got 'abc')``); the ``pulseboard``
command prints it and exits with status 2.

This module imports only the standard library at the top: ``pulseboard serve``
reads ``ASYNC_MODE`` (:func:`async_mode`) before it monkey-patches, and
pydantic may only be imported after that (see :mod:`pulseboard.settings`).
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

PACKAGE_DATA = Path(__file__).parent / "data"
DEFAULT_MAX_CONNECTIONS = 20_000
ASYNC_MODES = ("eventlet", "gevent", "threading")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

#: SECRET_KEY values that mean "never set": deploy.env.example's placeholder
#: (``change-me-to-a-long-random-string``) and the like, compared lowercased.
PLACEHOLDER_SECRET_PREFIXES = ("change-me", "changeme", "change_me", "replace-me", "your-secret")


class SettingsError(ValueError):
    """A setting in the environment is invalid; the message names the variable."""


def async_mode(env: Mapping[str, str] | None = None) -> str | None:
    """``ASYNC_MODE``, or None when unset: the one setting read before monkey-patching.

    The rule is the one :class:`~pulseboard.settings.Settings` applies later;
    it is checked here without pydantic (see the module docstring).
    """
    env = os.environ if env is None else env
    mode = env.get("ASYNC_MODE") or None
    if mode is not None and mode not in ASYNC_MODES:
        raise SettingsError(f"ASYNC_MODE: must be one of {', '.join(ASYNC_MODES)} (got {mode!r})")
    return mode


def load_settings(env: Mapping[str, str] | None = None):
    """Read and check every setting: a :class:`~pulseboard.settings.Settings`.

    :param env: the variables to read; the process environment when omitted.
    :raises SettingsError: naming every invalid variable and why.
    """
    from pydantic import ValidationError

    from .settings import Settings, describe

    try:
        if env is None:
            settings = Settings()  # pydantic-settings reads os.environ
        else:  # a test's mapping: the same fields and rules, empty meaning unset
            settings = Settings(**{name: value for name, value in env.items()
                                   if name in Settings.model_fields and value != ""})
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None
    if "*" in settings.cors_origins and settings.FLASK_DEBUG not in ("1", "true"):
        raise SettingsError("CORS_ORIGINS: '*' is allowed only in development (FLASK_DEBUG=1)")
    return settings


def _secret_key(instance_path: Path) -> str:
    """Return a random key persisted in the instance folder (made on first use).

    A persisted key keeps tokens valid across restarts of ``make run`` and is
    shared by workers on one host; production sets SECRET_KEY explicitly.
    """
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def is_production(env: Mapping) -> bool:
    """Whether ``env`` describes a production server: a Postgres ``DATABASE_URL``.

    SQLite (the default of ``make run``) is a single host, where a persisted
    random key is fine; Postgres means shared storage, i.e. several workers
    (compose) that must all sign tokens with one key the operator chose.
    """
    return (env.get("DATABASE_URL") or "").startswith(("postgresql", "postgres:"))


def production_secret_key_problem(env: Mapping | None = None) -> str | None:
    """Why ``SECRET_KEY`` is unfit for production, or None when it is fine (or not production).

    :param env: the variables to read; the process environment when omitted.
    """
    env = os.environ if env is None else env
    if not is_production(env):
        return None
    key = (env.get("SECRET_KEY") or "").strip()
    if not key:
        return ("SECRET_KEY is not set. With a Postgres DATABASE_URL (production) every worker "
                "must share one secret key: set SECRET_KEY (e.g. in deploy.env) to the output of "
                "python -c \"import secrets; print(secrets.token_hex(32))\"")
    if key.lower().startswith(PLACEHOLDER_SECRET_PREFIXES):
        return (f"SECRET_KEY is still the placeholder {key!r} of deploy.env.example: anyone can "
                "sign login tokens with it. Set it to the output of "
                "python -c \"import secrets; print(secrets.token_hex(32))\"")
    return None


def require_production_secret_key(env: Mapping | None = None) -> None:
    """Stop with a clear message when production runs without a real SECRET_KEY."""
    problem = production_secret_key_problem(env)
    if problem:
        raise SystemExit(f"pulseboard: refusing to start: {problem}")


def default_database_url(instance_path: Path) -> str:
    """The SQLite database in the instance folder, used when ``DATABASE_URL`` is unset."""
    return f"sqlite:///{Path(instance_path) / 'pulseboard.db'}"


def capacity_settings(settings) -> dict:
    """The connection and session limits.

    ``MAX_CONNECTIONS`` caps the connections served at once (eventlet's pool
    is 16 more, kept for ``/api/health``); ``MAX_GUEST_CONNECTIONS``
    (default a quarter of it) caps connections that have not shown a token,
    each living at most ``GUEST_TIMEOUT`` seconds (20); ``MAX_PENDING_SESSIONS``
    (default the guest cap) caps Engine.IO sessions not yet authenticated,
    each closed ``PENDING_SESSION_TIMEOUT`` seconds (10) after its handshake.
    The session limits apply in every mode, ``flask run`` included; the
    connection limits only to eventlet's server (``pulseboard serve``).
    """
    max_guests = settings.MAX_GUEST_CONNECTIONS or max(2, settings.MAX_CONNECTIONS // 4)
    return {
        "MAX_CONNECTIONS": settings.MAX_CONNECTIONS,
        "MAX_GUEST_CONNECTIONS": max_guests,
        "GUEST_TIMEOUT": settings.GUEST_TIMEOUT,
        "MAX_PENDING_SESSIONS": settings.MAX_PENDING_SESSIONS or max_guests,
        "PENDING_SESSION_TIMEOUT": settings.PENDING_SESSION_TIMEOUT,
    }


def retention_settings(settings) -> dict:
    """How long stored history is kept (:mod:`pulseboard.retention`), and how often it is swept."""
    return {name: getattr(settings, name) for name in (
        "CHART_RAW_HOURS", "CHART_RETENTION_HOURS", "TASK_LOG_RETENTION_DAYS",
        "DEBUG_RETENTION_DAYS", "RETENTION_SWEEP_SECONDS")}


def from_environment(instance_path: Path, env: Mapping[str, str] | None = None) -> dict:
    """Build the configuration mapping from environment variables.

    :param instance_path: the Flask instance folder, home of the default
        SQLite database and the persisted development secret key.
    :param env: the variables to read; the process environment when omitted.
    :raises SettingsError: a value is invalid (the message names it).
    """
    settings = load_settings(env)
    instance_path = Path(instance_path)
    return {
        "SECRET_KEY": settings.SECRET_KEY or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": settings.DATABASE_URL or default_database_url(instance_path),
        "MESSAGE_QUEUE": settings.MESSAGE_QUEUE,
        # Empty: same-origin only. The SPA served by the backend, by nginx or
        # through Vite's proxy (which keeps the Host header) is same-origin.
        "CORS_ORIGINS": settings.cors_origins,
        "HOST": settings.HOST,
        "PORT": settings.PORT,
        "ASYNC_MODE": settings.ASYNC_MODE,
        "TASKS_FILE": settings.TASKS_FILE,
        "DATA_FILE": settings.DATA_FILE,
        "TOKEN_MAX_AGE": settings.TOKEN_MAX_AGE,
        "TASK_CONCURRENCY": settings.TASK_CONCURRENCY,
        "SPA_DIST": settings.SPA_DIST,
        "LOGIN_USER_RATE_LIMIT": settings.LOGIN_USER_RATE_LIMIT,
        "LOGIN_ADDRESS_RATE_LIMIT": settings.LOGIN_ADDRESS_RATE_LIMIT,
        "REGISTER_ADDRESS_RATE_LIMIT": settings.REGISTER_ADDRESS_RATE_LIMIT,
        "TRUSTED_PROXIES": settings.TRUSTED_PROXIES,
        "LOG_LEVEL": settings.LOG_LEVEL,
        # Any request body, chunked ones included, is refused past this (413
        # `too_large`); the same bound as Socket.IO's max_http_buffer_size.
        "MAX_CONTENT_LENGTH": 1_000_000,
        **capacity_settings(settings),
        "ALERTS_FILE": settings.ALERTS_FILE,
        "SOURCES_FILE": settings.SOURCES_FILE,
        "INGEST_TOKEN": settings.INGEST_TOKEN,
        "METRICS_TOKEN": settings.METRICS_TOKEN,
        "MAX_PUBLISHED_STREAMS": settings.MAX_PUBLISHED_STREAMS,
        **retention_settings(settings),
    }
