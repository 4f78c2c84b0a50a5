"""``GET /api/health`` (no token): what a load balancer and the SPA's banner read."""

from typing import Literal

from pydantic import Field

from .base import Reply


class Health(Reply):
    """``degraded`` is still 200 while only the message queue is down; 503 without a database."""

    status: Literal["ok", "degraded"]
    version: str
    async_mode: str
    message_queue: str | None = Field(description="the queue's scheme (redis), null without one")
    queue: Literal["up", "down"] | None = Field(description="null without a message queue")
    db: str = Field(description="the SQLAlchemy dialect, e.g. sqlite")
    worker: str = Field(description="host:pid of the answering worker")
