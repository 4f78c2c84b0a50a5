"""``/debug``: structured debug messages with dedupe (and ``/api/debug``)."""

from typing import Annotated, Any, Literal, get_args

from pydantic import Field

from .base import Payload, Reply, Timestamp, matching

Level = Literal["debug", "info", "warning", "error", "success"]
LEVELS: tuple[str, ...] = get_args(Level)
MAX_SOURCE = 64
MAX_SOURCES = 20
MAX_MESSAGE = 4000
#: How many messages a subscribe reply (and ``GET /api/debug`` by default) carries.
RECENT_LIMIT = 200
#: A source a client may post as; ``task:``, ``log:`` and ``alert:`` are the server's own.
SOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]*$"
#: An exact source or a prefix ending in ``*``; no control characters.
SOURCE_FILTER_PATTERN = r"^[A-Za-z0-9_.:/@*-]+$"

SourceFilter = Annotated[matching(SOURCE_FILTER_PATTERN, "letters, digits and _ . : / @ - *"),
                         Field(min_length=1, max_length=MAX_SOURCE)]


class DebugSubscribe(Payload):
    """``subscribe``: omitted or empty means any level, any source."""

    levels: Annotated[list[Level], Field(max_length=len(LEVELS))] | None = None
    sources: Annotated[list[SourceFilter], Field(max_length=MAX_SOURCES)] | None = None


class DebugMessage(Reply):
    """One message; repeats within 10 s raise ``count`` on the same ``id``."""

    id: int
    ts: Timestamp = Field(description="the latest occurrence")
    first_ts: Timestamp = Field(description="the first occurrence")
    level: Level
    source: str
    message: str
    context: dict[str, Any] | None
    count: int = Field(ge=1)


class DebugSubscribeAck(Reply):
    """``subscribe``: the newest matching messages and the filter now in force."""

    ok: Literal[True]
    messages: list[DebugMessage] = Field(description="up to 200 newest matching, oldest first")
    levels: list[Level] = Field(description="the filter in force, normalised; empty: any")
    sources: list[str] = Field(description="the filter in force, normalised; empty: any")


# -- REST ------------------------------------------------------------------------


class PostBody(Payload):
    """``POST /api/debug``: ``message`` over 4,000 characters or ``context`` over 8 KiB is 413."""

    level: Level
    source: Annotated[matching(SOURCE_PATTERN, "letters, digits and _ . : / @ -, starting "
                                               "with a letter or digit"),
                      Field(min_length=1, max_length=MAX_SOURCE)]
    message: Annotated[str, Field(min_length=1)]
    context: dict[str, Any] | None = None


class PostReply(Reply):
    """``POST /api/debug`` (202): the stored message, its count raised on a repeat."""

    ok: Literal[True]
    message: DebugMessage


class DebugList(Reply):
    """``GET /api/debug``."""

    messages: list[DebugMessage]
