"""Configuration from the environment (and ``.env`` in development).

Every setting (the README's configuration table) is read here once, into a plain mapping that
:func:`pulseboard.create_app` loads with ``app.config.from_mapping``. Tests
pass their own mapping on top, so nothing reads ``os.environ`` after start-up.
"""

import os
import secrets
from pathlib import Path

PACKAGE_DATA = Path(__file__).parent / "data"


def _split_origins(value: str | None) -> list[str]:
    return [origin.strip() for origin in (value or "").split(",") if origin.strip()]


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY, or a random key persisted in the instance folder.

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


#: SECRET_KEY values that mean "never set": deploy.env.example's placeholder
#: (``change-me-to-a-long-random-string``) and the like, compared lowercased.
PLACEHOLDER_SECRET_PREFIXES = ("change-me", "changeme", "change_me", "replace-me", "your-secret")


def is_production(env: dict) -> bool:
    """Whether ``env`` describes a production server: a Postgres ``DATABASE_URL``.

    SQLite (the default of ``make run``) is a single host, where a persisted
    random key is fine; Postgres means shared storage, i.e. several workers
    (compose) that must all sign tokens with one key the operator chose.
    """
    return (env.get("DATABASE_URL") or "").startswith(("postgresql", "postgres:"))


def production_secret_key_problem(env: dict | None = None) -> str | None:
    """Why ``SECRET_KEY`` is unfit for production, or None when it is fine (or not production).

    :param env: the variables to read; ``os.environ`` when omitted.
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


def require_production_secret_key(env: dict | None = None) -> None:
    """Stop with a clear message when production runs without a real SECRET_KEY."""
    problem = production_secret_key_problem(env)
    if problem:
        raise SystemExit(f"pulseboard: refusing to start: {problem}")


DEFAULT_MAX_CONNECTIONS = 20_000


def capacity_settings(env) -> dict:
    """The connection and session limits from the environment.

    ``MAX_CONNECTIONS`` caps the connections served at once (eventlet's pool
    is 16 more, kept for ``/api/health``); ``MAX_GUEST_CONNECTIONS``
    (default a quarter of it) caps connections that have not shown a token,
    each living at most ``GUEST_TIMEOUT`` seconds (20); ``MAX_PENDING_SESSIONS``
    (default the guest cap) caps Engine.IO sessions not yet authenticated,
    each closed ``PENDING_SESSION_TIMEOUT`` seconds (10) after its handshake.
    The session limits apply in every mode, ``flask run`` included; the
    connection limits only to eventlet's server (``pulseboard serve``).
    """
    max_connections = int(env.get("MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS))
    if max_connections < 1:
        raise ValueError("MAX_CONNECTIONS must be at least 1")
    max_guests = int(env.get("MAX_GUEST_CONNECTIONS") or max(2, max_connections // 4))
    return {
        "MAX_CONNECTIONS": max_connections,
        "MAX_GUEST_CONNECTIONS": max_guests,
        "GUEST_TIMEOUT": float(env.get("GUEST_TIMEOUT", "20")),
        "MAX_PENDING_SESSIONS": int(env.get("MAX_PENDING_SESSIONS") or max_guests),
        "PENDING_SESSION_TIMEOUT": float(env.get("PENDING_SESSION_TIMEOUT", "10")),
    }


def from_environment(instance_path: Path, env: dict | None = None) -> dict:
    """Build the configuration mapping from environment variables.

    :param instance_path: the Flask instance folder, home of the default
        SQLite database and the persisted development secret key.
    :param env: the variables to read; ``os.environ`` when omitted.
    """
    env = os.environ if env is None else env
    instance_path = Path(instance_path)
    origins = _split_origins(env.get("CORS_ORIGINS"))
    if "*" in origins and env.get("FLASK_DEBUG") not in ("1", "true"):
        raise ValueError("CORS_ORIGINS='*' is allowed only in development (FLASK_DEBUG=1)")
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{instance_path / 'pulseboard.db'}",
        "MESSAGE_QUEUE": env.get("MESSAGE_QUEUE") or None,
        # Empty: same-origin only. The SPA served by the backend, by nginx or
        # through Vite's proxy (which keeps the Host header) is same-origin.
        "CORS_ORIGINS": origins,
        "HOST": env.get("HOST", "127.0.0.1"),
        "PORT": int(env.get("PORT", "5000")),
        "ASYNC_MODE": env.get("ASYNC_MODE") or None,
        "TASKS_FILE": env.get("TASKS_FILE") or str(PACKAGE_DATA / "tasks.toml"),
        "DATA_FILE": env.get("DATA_FILE") or str(PACKAGE_DATA / "data.json"),
        # Alert rules (docs/alerts.md); unset: none. Demo: PACKAGE_DATA / "alerts.toml".
        "ALERTS_FILE": env.get("ALERTS_FILE") or None,
        "TOKEN_MAX_AGE": int(env.get("TOKEN_MAX_AGE", str(7 * 24 * 3600))),
        "TASK_CONCURRENCY": int(env.get("TASK_CONCURRENCY", "2")),
        "SPA_DIST": env.get("SPA_DIST") or None,
        # Any request body, chunked ones included, is refused past this (413
        # `too_large`); the same bound as Socket.IO's max_http_buffer_size.
        "MAX_CONTENT_LENGTH": 1_000_000,
        **capacity_settings(env),
        # Ingest and /metrics (docs/ingest.md): scrape sources, a writers' token, a scrapers' token.
        "SOURCES_FILE": env.get("SOURCES_FILE") or None,
        "INGEST_TOKEN": env.get("INGEST_TOKEN") or None,
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
    }
