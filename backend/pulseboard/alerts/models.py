"""Stored alerts: one row per episode of a rule, and every transition and acknowledgement.

An episode starts pending and ends resolved (fired or not). ``open_rule``
holds the rule's name while the episode is open and NULL once it is
resolved: its unique constraint lets each rule have at most one open alert,
whichever worker tries to open a second (NULLs never collide).
"""

from sqlalchemy import BigInteger, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Alert(db.Model):
    """One episode of a rule; every time is milliseconds since the epoch (UTC)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    open_rule: Mapped[str | None] = mapped_column(String(64), unique=True)
    stream: Mapped[str] = mapped_column(String(64))
    condition: Mapped[str] = mapped_column(String(8))
    threshold: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[int] = mapped_column(BigInteger)
    fired_at: Mapped[int | None] = mapped_column(BigInteger)
    resolved_at: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    acked_by: Mapped[str | None] = mapped_column(String(32))
    acked_at: Mapped[int | None] = mapped_column(BigInteger)
    acked_via: Mapped[str | None] = mapped_column(String(8))

    def as_dict(self) -> dict:
        """The contract's ``alert`` object."""
        return {"id": self.id, "rule": self.rule, "stream": self.stream,
                "condition": self.condition, "threshold": self.threshold,
                "severity": self.severity, "summary": self.summary, "state": self.state,
                "value": self.value, "started_at": self.started_at, "fired_at": self.fired_at,
                "resolved_at": self.resolved_at, "updated_at": self.updated_at,
                "acked_by": self.acked_by, "acked_at": self.acked_at, "acked_via": self.acked_via}


class AlertEvent(db.Model):
    """A transition (``pending``, ``firing``, ``resolved``) or an ``acknowledged``.

    ``actor`` is the evaluating worker's id for a transition and the
    username for an acknowledgement.
    """

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ts: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float | None] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(80))

    def as_dict(self) -> dict:
        """The contract's ``alert event`` object."""
        return {"id": self.id, "alert_id": self.alert_id, "kind": self.kind, "ts": self.ts,
                "value": self.value, "actor": self.actor}
