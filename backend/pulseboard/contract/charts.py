"""``/charts``: live time series (and ``/api/streams``, where points are published)."""

from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema

from .base import Payload, QueryTime, Reply

MAX_POINTS_PER_REQUEST = 10_000
MAX_UNIT = 16

#: A stream name shaped like one; an unknown name that fits is ``not_found``.
StreamName = Annotated[str, Field(min_length=1, max_length=64)]
#: Strict: "12" and true are refused, ints stay ints; JSON Schema's "number" takes both.
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
#: ``[t_ms, value]``
Point = Annotated[list[Number], Field(min_length=2, max_length=2)]


class StreamRef(Payload):
    """``subscribe`` and ``unsubscribe``."""

    stream: StreamName


class StreamInfo(Reply):
    """One stream as ``streams`` lists it."""

    name: str
    label: str
    unit: str
    window_points: int = Field(description="how many points the live window keeps")
    interval_ms: int | None = Field(
        description="a built-in producer's sampling interval; null for a published stream")


class StreamStats(StreamInfo):
    """One stream as ``GET /api/streams`` lists it."""

    subscribers: int = Field(description="summed over every worker")
    producing: bool = Field(description="whether any worker samples it")


class StreamsAck(Reply):
    """``streams``: every stream a client can subscribe to."""

    ok: Literal[True]
    streams: list[StreamInfo]


class SubscribeAck(Reply):
    """``subscribe``: the stream's recent window; ``points`` frames follow."""

    ok: Literal[True]
    stream: str
    points: list[Point] = Field(description="the recent window, oldest first")


class PointsFrame(Reply):
    """Every point of one stream since its previous frame (about one per 16 ms tick)."""

    stream: str
    points: list[Point]


# -- REST ------------------------------------------------------------------------


class PublishBody(Payload):
    """``POST /api/streams/<name>/points``: ``points`` or ``value``, not both."""

    points: Annotated[list[Point], Field(min_length=1)] | None = None
    value: Number | None = None
    unit: Annotated[str, Field(max_length=MAX_UNIT)] | None = None


class PublishReply(Reply):
    """``POST /api/streams/{name}/points`` (202): how many points were accepted."""

    ok: Literal[True]
    stream: str
    accepted: int


class StreamList(Reply):
    """``GET /api/streams``."""

    streams: list[StreamStats]


# -- history (stored points: GET /api/streams/<name>/history and the `history` event) ----

MAX_HISTORY_POINTS = 5_000
DEFAULT_HISTORY_POINTS = 1_000


class StreamHistoryQuery(Payload):
    """``history``: stored points of ``stream`` from ``from`` (``to`` - 1 h) to ``to`` (now)."""

    stream: StreamName
    from_: QueryTime | None = Field(None, alias="from")
    to: QueryTime | None = None
    max_points: Annotated[int, Field(ge=1, le=MAX_HISTORY_POINTS)] = DEFAULT_HISTORY_POINTS


class StreamHistoryAck(Reply):
    """``history`` and ``GET /api/streams/{name}/history``: stored points, oldest first.

    More points than ``max_points`` in the range are averaged into
    ``step_ms``-wide buckets (``t`` is a bucket's start); ``step_ms`` is 0 for raw points.
    """

    ok: Literal[True]
    stream: str
    from_: int = Field(alias="from")
    to: int
    step_ms: int = Field(description="0: raw points; else the width of each averaged bucket")
    points: list[Point]
