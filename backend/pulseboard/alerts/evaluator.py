"""The evaluation loop: once a second, every rule whose lease this worker holds.

Each rule has its own lease ``alert:<rule>`` (:mod:`pulseboard.cluster.lease`):
exactly one worker evaluates a rule at a time, and rules spread over the
workers that compete. The holder watches the rule's stream (so a built-in
stream's producer runs although no browser subscribes), reads the points
that arrived since its last look from the shared chart window, steps the
state machine (:mod:`.state`) and records each transition in the database,
where every worker reads it. A holder that dies stops renewing; the lease
lapses after :data:`LEASE_MS` and another worker takes the rule over,
resuming the open alert from the database (same id, same ``since``).
"""

import logging
import math
from dataclasses import dataclass, field

from ..wire import now_ms
from . import store
from .actions import system_identity
from .rules import Rule
from .state import OK, PENDING, RESOLVED, Observation, RuleState, resumed, step, worst

log = logging.getLogger(__name__)

INTERVAL = 1.0
LEASE_MS = 5_000
#: An open alert's stored value is refreshed at most this often (transitions always store it).
VALUE_EVERY_MS = 5_000


@dataclass
class Track:
    """What this worker knows about a rule it evaluates."""

    since_watch: int
    state: RuleState = field(default_factory=RuleState)
    alert_id: int | None = None
    last_t: float | None = None
    last_seen: int = 0
    value: float | None = None
    value_stored_at: int = 0


class Evaluator:
    """Evaluates this worker's share of the rules; reports transitions to ``on_change``.

    :param on_change: ``callback(rule, kind, alert_dict)`` after a transition is
        recorded (``pending``, ``firing``, ``resolved``, or ``value`` for a
        refreshed value); the service emits it and runs the actions.
    """

    def __init__(self, app, socketio, charts, cluster, rules: dict[str, Rule], on_change):
        self.app = app
        self.socketio = socketio
        self.charts = charts
        self.cluster = cluster
        self.rules = rules
        self.on_change = on_change
        self.leases = {name: cluster.lease(f"alert:{name}", LEASE_MS) for name in rules}
        self.tracks: dict[str, Track] = {}
        self._running = False

    def start(self) -> None:
        """Start the loop in the background (once)."""
        if self.rules and not self._running:
            self._running = True
            self.socketio.start_background_task(self._loop)

    def _loop(self) -> None:
        # Served apps run on a migrated database (pulseboard serve, the dev app).
        with self.app.app_context():
            system_identity()  # exists before anyone DMs it an /ack
        while self._running:
            with self.app.app_context():
                self.tick(now_ms())
            self.socketio.sleep(INTERVAL)

    def tick(self, now: int) -> None:
        """Evaluate every rule this worker holds the lease of; let go of the others."""
        for name, rule in self.rules.items():
            try:
                if self.leases[name].hold():
                    self._evaluate(rule, now)
                else:
                    self._let_go(rule)
            except Exception:
                from ..extensions import db

                db.session.rollback()
                log.exception("alert rule %s: evaluation failed", name)

    def _let_go(self, rule: Rule) -> None:
        if self.tracks.pop(rule.name, None) is not None:
            self.charts.unwatch(rule.stream, f"alert:{rule.name}")
            log.info("alert rule %s: another worker evaluates it now", rule.name)

    def _track(self, rule: Rule, now: int) -> Track:
        track = self.tracks.get(rule.name)
        if track is not None:
            return track
        self.charts.watch(rule.stream, f"alert:{rule.name}")
        track = self.tracks[rule.name] = Track(since_watch=now, last_seen=now)
        alert = store.open_alert(rule.name)
        if alert is not None:  # left open by an earlier holder: carry on with it
            track.state = resumed(alert.state, alert.started_at)
            track.alert_id, track.value, track.value_stored_at = alert.id, alert.value, now
            log.info("alert rule %s: resuming alert #%d (%s)", rule.name, alert.id, alert.state)
        return track

    def _evaluate(self, rule: Rule, now: int) -> None:
        track = self._track(rule, now)
        points = self.charts.latest(rule.stream, track.last_t)
        if track.last_t is None:
            points = points[-1:]  # the level now, not an old spike of the window
        values = [p[1] for p in points if isinstance(p[1], int | float) and math.isfinite(p[1])]
        if points:
            track.last_t = max(p[0] for p in points)
            track.last_seen = now
        observed = worst(rule, values)
        if observed is not None:
            track.value = observed
        state, transitions = step(rule, track.state, Observation(observed, track.last_seen), now)
        phase = track.state.phase
        for kind in transitions:
            self._record(rule, track, phase, kind, now)
            phase = OK if kind == RESOLVED else kind
        track.state = state
        if not transitions and track.alert_id is not None and observed is not None \
                and now - track.value_stored_at >= VALUE_EVERY_MS:
            track.value_stored_at = now
            store.note_value(track.alert_id, observed, now)
            self.on_change(rule, "value", store.get(track.alert_id).as_dict())

    def _record(self, rule: Rule, track: Track, phase: str, kind: str, now: int) -> None:
        worker = self.cluster.worker_id
        value = track.value if rule.condition != "absent" else None
        if kind == PENDING:
            alert = store.open_pending(rule, now, value, worker)
            if alert is None:  # an open alert exists after all: adopt it
                alert = store.open_alert(rule.name)
                if alert is None:
                    return
                track.alert_id = alert.id
                track.state = resumed(alert.state, alert.started_at)
                return
        elif track.alert_id is None:
            return
        else:
            alert = store.move(track.alert_id, phase if phase != OK else PENDING, kind, now,
                               value, worker)
            if alert is None:  # someone else moved it: believe the database
                log.warning("alert rule %s: alert #%d was moved elsewhere", rule.name,
                            track.alert_id)
                track.alert_id = None
                return
        track.alert_id = None if kind == RESOLVED else alert.id
        track.value_stored_at = now
        self.on_change(rule, kind, alert.as_dict())
