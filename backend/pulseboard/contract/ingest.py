"""Ingest over REST: InfluxDB line protocol in (``POST /api/write``), see docs/ingest.md.

The bodies are line protocol, not JSON, so only the replies are models.
``GET /metrics`` answers Prometheus text and is not part of this contract.
"""

from typing import Literal

from pydantic import Field

from .base import ErrorBody, Reply


class WriteLineError(Reply):
    """One refused line, or one refused field of a line (``field`` set: the rest was stored)."""

    line: int = Field(ge=1, description="1-based line of the body")
    code: Literal["bad_request", "forbidden", "too_large"]
    message: str
    field: str | None = None


class WriteReply(Reply):
    """202 with ``ok: true``; 207 (some stored) or 400 (none) with ``error`` and ``errors``."""

    ok: bool
    accepted_lines: int = Field(ge=0)
    refused_lines: int = Field(ge=0)
    points: int = Field(ge=0)
    streams: int = Field(ge=0)
    skipped_fields: int = Field(ge=0)
    error: ErrorBody | None = None
    errors: list[WriteLineError] | None = Field(default=None, max_length=100)
