"""Reading and writing alerts, in the caller's app context.

Every change is a compare-and-set on the row (``WHERE state = <expected>``),
and opening an alert relies on the unique ``open_rule``: if two workers ever
evaluated one rule at once (a lease lapsing mid-tick), only one of them would
record each transition, and only that one runs the actions.
"""

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..wire import ApiError
from .models import Alert, AlertEvent
from .rules import Rule
from .state import FIRING, PENDING, RESOLVED

LIST_LIMIT = 200
#: Resolved alerts older than the newest this many (and their events) are deleted,
#: checked every PRUNE_EVERY new alerts; open ones are always kept.
MAX_STORED_ALERTS = 10_000
PRUNE_EVERY = 100


def open_alert(rule: str) -> Alert | None:
    """The rule's pending or firing alert, if any."""
    return db.session.scalar(select(Alert).where(Alert.open_rule == rule))


def open_pending(rule: Rule, now: int, value: float | None, actor: str) -> Alert | None:
    """Open a pending alert for ``rule``; None if the rule has an open one already."""
    alert = Alert(rule=rule.name, open_rule=rule.name, stream=rule.stream,
                  condition=rule.condition, threshold=rule.threshold, severity=rule.severity,
                  summary=rule.summary or rule.describe(), state=PENDING, value=value,
                  started_at=now, updated_at=now)
    db.session.add(alert)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    db.session.add(AlertEvent(alert_id=alert.id, kind=PENDING, ts=now, value=value, actor=actor))
    db.session.commit()
    if alert.id % PRUNE_EVERY == 0:
        _prune(alert.id)
    return alert


def _prune(newest_id: int) -> None:
    old = select(Alert.id).where(Alert.id <= newest_id - MAX_STORED_ALERTS,
                                 Alert.state == RESOLVED)
    db.session.execute(delete(AlertEvent).where(AlertEvent.alert_id.in_(old)))
    db.session.execute(delete(Alert).where(Alert.id.in_(old)))
    db.session.commit()


def move(alert_id: int, expected: str, to: str, now: int, value: float | None,
         actor: str) -> Alert | None:
    """Move an alert from ``expected`` to ``to``; None if it was not in ``expected``."""
    values = {"state": to, "updated_at": now}
    if value is not None:
        values["value"] = value
    if to == FIRING:
        values["fired_at"] = now
    if to == RESOLVED:
        values.update(resolved_at=now, open_rule=None)
    result = db.session.execute(update(Alert).where(Alert.id == alert_id, Alert.state == expected)
                                .values(**values))
    if result.rowcount != 1:
        db.session.rollback()
        return None
    db.session.add(AlertEvent(alert_id=alert_id, kind=to, ts=now, value=value, actor=actor))
    db.session.commit()
    return db.session.get(Alert, alert_id, populate_existing=True)


def note_value(alert_id: int, value: float, now: int) -> None:
    """Record the latest value of an open alert (shown on the page)."""
    db.session.execute(update(Alert).where(Alert.id == alert_id, Alert.open_rule.is_not(None))
                       .values(value=value, updated_at=now))
    db.session.commit()


def acknowledge(alert_id: int, username: str, via: str, now: int) -> tuple[Alert, bool]:
    """Record that ``username`` acknowledged the alert: ``(alert, newly)``.

    The first acknowledgement stands; a later one answers with the alert as
    it is (``newly`` false) and records nothing.
    """
    result = db.session.execute(update(Alert)
                                .where(Alert.id == alert_id, Alert.acked_by.is_(None))
                                .values(acked_by=username, acked_at=now, acked_via=via))
    newly = result.rowcount == 1
    if newly:
        db.session.add(AlertEvent(alert_id=alert_id, kind="acknowledged", ts=now, actor=username))
    db.session.commit()
    alert = db.session.get(Alert, alert_id, populate_existing=True)
    if alert is None:
        raise ApiError("not_found", f"no alert #{alert_id}")
    return alert, newly


def get(alert_id: int) -> Alert:
    """The alert ``alert_id``, or ``not_found``."""
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise ApiError("not_found", f"no alert #{alert_id}")
    return alert


def recent(limit: int = LIST_LIMIT) -> list[dict]:
    """The newest ``limit`` alerts, newest first (open ones are always among them)."""
    rows = list(db.session.scalars(select(Alert).order_by(Alert.id.desc()).limit(limit)))
    listed = {row.id for row in rows}
    opened = db.session.scalars(select(Alert).where(Alert.open_rule.is_not(None)))
    rows += [row for row in opened if row.id not in listed]
    return [row.as_dict() for row in rows]


def events_of(alert_id: int) -> list[dict]:
    """Every transition and acknowledgement of an alert, oldest first."""
    rows = db.session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                              .order_by(AlertEvent.id))
    return [row.as_dict() for row in rows]
