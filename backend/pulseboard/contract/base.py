"""What every namespace shares: payload and reply bases, acks, errors, ``resync``.

* :class:`Payload` (from :mod:`pulseboard.wire`) is a client→server payload:
  strict types, unknown keys refused.
* :class:`Reply` is something the server sends (an ack or a pushed event):
  unknown keys refused too, so a test validating real output against it
  catches a field the contract does not name.
"""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..wire import MAX_ID, MAX_TIME_MS, Payload

__all__ = ["MAX_ID", "ErrorBody", "ErrorCode", "Failure", "Id", "NoPayload", "Ok", "Payload",
           "QueryTime", "Reply", "Resync", "Timestamp", "matching"]

ErrorCode = Literal["bad_request", "unauthorized", "forbidden", "not_found", "rate_limited",
                    "too_large", "internal"]

#: An id or sequence number: at most 2**31 - 1, the range of the columns it is compared with.
Id = Annotated[int, Field(ge=0, le=MAX_ID)]
#: Integer milliseconds since the Unix epoch, UTC.
Timestamp = Annotated[int, Field(description="milliseconds since the Unix epoch (UTC)")]
#: A time a client asks for: integer milliseconds since the epoch, 0..2**53.
QueryTime = Annotated[int, Field(ge=0, le=MAX_TIME_MS,
                                 description="milliseconds since the Unix epoch")]


def matching(pattern: str, what: str):
    """A string type: the whole value matches ``pattern``, else "must be ``what``".

    ``pattern`` is anchored (``^...$``) and written in the syntax Python's
    ``re`` and ECMAScript share, so the JSON Schema's ``pattern`` (tested by
    the SPA with ``RegExp.test``) and this check (``re.fullmatch``, which
    unlike ``re.match`` refuses a trailing newline) accept the same strings.
    """
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"must be {what}")
        return value

    return Annotated[str, AfterValidator(check), Field(json_schema_extra={"pattern": pattern})]


class NoPayload(Payload):
    """An event that takes no payload: nothing or ``{}``, anything else is ``bad_request``."""


class Reply(BaseModel):
    """Something the server sends: an ack or a pushed event."""

    model_config = ConfigDict(extra="forbid")


class Ok(Reply):
    """A success ack with nothing more: ``{ok: true}``."""

    ok: Literal[True]


class ErrorBody(Reply):
    """Why a request failed."""

    code: ErrorCode
    message: str


class Failure(Reply):
    """A failure ack (and every REST error body): ``{ok: false, error: {code, message}}``."""

    ok: Literal[False]
    error: ErrorBody


class Resync(Reply):
    """Sent on every namespace after a message-queue outage: subscribe again."""

    reason: Literal["queue"]
