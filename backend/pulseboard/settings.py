"""The typed settings: every environment variable Pulseboard reads (pydantic-settings).

:mod:`pulseboard.config` is the module that reads them (:func:`~pulseboard.config.load_settings`);
this one says what each is: its type, default and rule. It is imported only
after ``pulseboard serve`` has monkey-patched: eventlet's patcher walks every
loaded module looking for locks and trips over pydantic's classes
(``tests/backend/test_settings.py`` pins that ``serve`` logs no such error).
"""

import ipaddress
import re
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .config import ASYNC_MODES, DEFAULT_MAX_CONNECTIONS, LOG_LEVELS, PACKAGE_DATA

#: One rate in ``limits``' notation: ``10 per minute``, ``5/30 seconds``.
RATE = re.compile(r"\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?\s*",
                  re.IGNORECASE)


class Settings(BaseSettings):
    """Every environment variable Pulseboard reads, typed, with the README's defaults.

    Unset and empty variables alike take the default.
    """

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True,
                                      extra="ignore", frozen=True)

    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None
    MESSAGE_QUEUE: str | None = None
    CORS_ORIGINS: str = ""
    FLASK_DEBUG: str | None = None
    HOST: str = "127.0.0.1"
    PORT: int = Field(5000, ge=0, le=65535)
    ASYNC_MODE: Literal["eventlet", "gevent", "threading"] | None = None
    TASKS_FILE: str = str(PACKAGE_DATA / "tasks.toml")
    DATA_FILE: str = str(PACKAGE_DATA / "data.json")
    TASK_CONCURRENCY: int = Field(2, ge=1)
    TOKEN_MAX_AGE: int = Field(7 * 24 * 3600, ge=1)
    MAX_CONNECTIONS: int = Field(DEFAULT_MAX_CONNECTIONS, ge=1)
    MAX_GUEST_CONNECTIONS: int | None = Field(None, ge=1)
    GUEST_TIMEOUT: float = Field(20.0, gt=0)
    MAX_PENDING_SESSIONS: int | None = Field(None, ge=1)
    PENDING_SESSION_TIMEOUT: float = Field(10.0, gt=0)
    # Rate limits in `limits` notation; unset: ratelimit.AUTH_LIMITS' defaults.
    LOGIN_USER_RATE_LIMIT: str | None = None
    LOGIN_ADDRESS_RATE_LIMIT: str | None = None
    REGISTER_ADDRESS_RATE_LIMIT: str | None = None
    TRUSTED_PROXIES: str | None = None
    LOG_LEVEL: str = "INFO"
    SPA_DIST: str | None = None
    # Alert rules (docs/alerts.md); unset: none. Demo: PACKAGE_DATA / "alerts.toml".
    ALERTS_FILE: str | None = None
    # Ingest and /metrics (docs/ingest.md): scrape sources, a writers' token, a scrapers' token.
    SOURCES_FILE: str | None = None
    INGEST_TOKEN: str | None = None
    METRICS_TOKEN: str | None = None
    # Published chart streams (JSON publish, line protocol, scrapes) the cluster may hold.
    MAX_PUBLISHED_STREAMS: int = Field(256, ge=1)
    # Stored history and retention (docs/deploy.md): raw chart points, their one-minute
    # roll-ups, task log lines of finished runs, debug messages; the sweep's interval.
    CHART_RAW_HOURS: float = Field(6.0, gt=0)
    CHART_RETENTION_HOURS: float = Field(168.0, gt=0)
    TASK_LOG_RETENTION_DAYS: float = Field(30.0, gt=0)
    DEBUG_RETENTION_DAYS: float = Field(7.0, gt=0)
    RETENTION_SWEEP_SECONDS: float = Field(60.0, gt=0)

    @field_validator("LOG_LEVEL")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("TRUSTED_PROXIES")
    @classmethod
    def _networks(cls, value: str | None) -> str | None:
        for part in (value or "").split(","):
            if part.strip() and part.strip() != "none":
                try:
                    ipaddress.ip_network(part.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"{part.strip()!r} is not a network "
                                     "(e.g. 10.0.0.0/8, comma separated, or none)") from None
        return value

    @field_validator("LOGIN_USER_RATE_LIMIT", "LOGIN_ADDRESS_RATE_LIMIT",
                     "REGISTER_ADDRESS_RATE_LIMIT")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        # limits' own notation (limits.parse); importing limits here would load
        # its storages before `pulseboard serve` monkey-patches.
        if value is not None and not RATE.fullmatch(value):
            raise ValueError("must be a rate such as '10 per minute' or '5/30 seconds'")
        return value

    @property
    def cors_origins(self) -> list[str]:
        """``CORS_ORIGINS`` as a list (comma separated, blanks dropped)."""
        return [origin.strip() for origin in self.CORS_ORIGINS.split(",") if origin.strip()]


#: What a pydantic error type means, said for an environment variable.
_MEANINGS = {
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_parsing": "must be a number",
    "literal_error": None,  # pydantic's own message lists the choices
}


def describe(exc: ValidationError) -> str:
    """One line naming each invalid variable, what it must be and what it was."""
    parts = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        meaning = _MEANINGS.get(error["type"]) or error["msg"].removeprefix("Value error, ")
        if error["type"] == "literal_error":
            meaning = f"must be one of {', '.join(ASYNC_MODES)}" if name == "ASYNC_MODE" \
                else error["msg"]
        parts.append(f"{name}: {meaning} (got {error.get('input')!r})")
    return "; ".join(parts)


