"""The wire format shared by every namespace and REST endpoint.

Success is ``{"ok": True, ...}``; failure is
``{"ok": False, "error": {"code": ..., "message": ...}}`` with one of the
codes the contract names. Services raise :class:`ApiError`; the namespace base
class and the REST error handler turn it into an ack or a JSON body.
"""

import time
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The contract's error codes and the HTTP status each maps to.
HTTP_STATUS = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "too_large": 413,
    "rate_limited": 429,
    "internal": 500,
}


class ApiError(Exception):
    """An error the client caused or should know about, carried as a value.

    :param code: one of :data:`HTTP_STATUS`'s keys.
    :param message: a sentence a person can act on.
    """

    def __init__(self, code: str, message: str):
        if code not in HTTP_STATUS:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status for this error when it answers a REST call."""
        return HTTP_STATUS[self.code]

    def ack(self) -> dict:
        """The failure ack for this error."""
        return fail(self.code, self.message)


def now_ms() -> int:
    """Wall-clock time in integer milliseconds since the epoch: every ``t`` and ``ts``."""
    return int(time.time() * 1000)


def ok(**fields: Any) -> dict:
    """Build a success ack carrying ``fields``."""
    return {"ok": True, **fields}


def fail(code: str, message: str) -> dict:
    """Build a failure ack."""
    return {"ok": False, "error": {"code": code, "message": message}}


class Payload(BaseModel):
    """Base for event and request payloads: unknown keys are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


P = TypeVar("P", bound=BaseModel)

#: The largest id or sequence number accepted: the range of the INTEGER columns
#: they are compared with, 32 bits on PostgreSQL (SQLAlchemy binds the value as
#: an INTEGER there, so 2**31 failed the query: ``internal``; 2**63 once did the
#: same on SQLite). No larger id can exist, so a larger one is ``bad_request``.
MAX_ID = 2**31 - 1
#: The largest time in milliseconds a query takes: JavaScript's largest exact integer.
MAX_TIME_MS = 2**53
Id = Annotated[int, Field(ge=0, le=MAX_ID)]


def parse(model: type[P], data: Any) -> P:
    """Validate ``data`` against ``model`` or raise a ``bad_request`` ApiError."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ApiError("bad_request", "payload must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError("bad_request", describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """Summarise a pydantic ValidationError in one line for a client."""
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "payload"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
