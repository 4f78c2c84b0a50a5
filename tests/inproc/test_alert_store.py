"""Alert storage in process: resolved alerts beyond the retention are deleted, open ones kept."""

from pulseboard.alerts import store
from pulseboard.alerts.models import Alert, AlertEvent
from pulseboard.alerts.rules import Rule
from pulseboard.alerts.state import FIRING, PENDING, RESOLVED
from pulseboard.extensions import db


def rule(name: str) -> Rule:
    return Rule.model_validate({"name": name, "stream": "retention.test", "condition": "above",
                                "threshold": 1})


def test_resolved_alerts_past_the_retention_are_deleted_with_their_events(app, monkeypatch):
    monkeypatch.setattr(store, "MAX_STORED_ALERTS", 5)
    monkeypatch.setattr(store, "PRUNE_EVERY", 1)
    with app.app_context():
        kept_open = store.open_pending(rule("stays-open"), 1, 2.0, "test")
        store.move(kept_open.id, PENDING, FIRING, 2, 3.0, "test")
        for i in range(12):
            alert = store.open_pending(rule("flappy"), 10 + i, 2.0, "test")
            store.move(alert.id, PENDING, RESOLVED, 11 + i, 0.0, "test")
        ids = set(db.session.scalars(db.select(Alert.id)))
        newest = max(ids)
        assert kept_open.id in ids  # open: kept however old
        assert {i for i in ids if i != kept_open.id} == set(range(newest - 4, newest + 1))
        orphans = db.session.scalars(db.select(AlertEvent).where(AlertEvent.alert_id.not_in(ids)))
        assert list(orphans) == []
