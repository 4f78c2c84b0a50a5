"""AlertService: the rules, the stored alerts, acknowledgements and the live ``/alerts`` feed.

Every worker serves reads, acknowledgements and the feed from the shared
database; the evaluation of each rule runs on one worker at a time
(:mod:`.evaluator`). Each change goes out as an ``alert`` event through
Socket.IO's emit, which the message queue relays to every worker's
subscribers: what a user sees does not depend on the worker they reached.
"""

import logging
import re

from ..cluster import cluster_of
from ..rooms import Rooms
from ..wire import ApiError, now_ms
from . import store
from .actions import SYSTEM_USER, Actions
from .evaluator import Evaluator
from .rules import Rule

log = logging.getLogger(__name__)

NAMESPACE = "/alerts"
ROOM = "alerts"
#: ``/ack 12`` or ``/ack #12`` as a whole chat message.
ACK_COMMAND = re.compile(r"/ack\s+#?([0-9]{1,15})")


class AlertService:
    """The alerts feature of one worker.

    :param rules: the parsed rules file (:func:`.rules.load_rules`).
    :param services: the app's services; ``charts`` is required, ``debug``,
        ``chat`` and ``tasks`` are used when a rule asks for them.
    """

    def __init__(self, app, socketio, services, rules: dict[str, Rule]):
        self.app = app
        self.socketio = socketio
        self.rules = rules
        self.cluster = cluster_of(socketio)
        self.rooms = Rooms(socketio, NAMESPACE)
        self.actions = Actions(socketio, services)
        #: ``hook(kind, alert_dict)`` after a transition is recorded (annotations).
        self.on_transition: list = []
        self.evaluator = Evaluator(app, socketio, services.charts, self.cluster, rules,
                                   self._changed)

    def start(self) -> None:
        """Start evaluating (a no-op without rules)."""
        self.evaluator.start()

    # -- the feed --------------------------------------------------------------------

    def _emit(self, alert: dict) -> None:
        self.socketio.emit("alert", alert, to=ROOM, namespace=NAMESPACE)

    def _changed(self, rule: Rule, kind: str, alert: dict) -> None:
        """The evaluator recorded ``kind``: push it; act on firing and on a fired one resolving."""
        self._emit(alert)
        for hook in self.on_transition if kind != "value" else ():
            try:
                hook(kind, alert)
            except Exception:
                log.exception("alert #%s: a transition hook failed", alert.get("id"))
        if kind == "firing" or (kind == "resolved" and alert["fired_at"] is not None):
            self.actions.on_transition(rule, kind, alert)

    def subscribe(self, sid: str) -> list[dict]:
        """Push ``alert`` events to ``sid``; return the stored alerts, newest first.

        The socket joins before the read: a change recorded meanwhile is in
        the reply, the event or both (clients upsert by ``id``).
        """
        self.rooms.join(sid, ROOM)
        return store.recent()

    def unsubscribe(self, sid: str) -> None:
        """Stop pushing to ``sid``."""
        self.rooms.leave(sid, ROOM)

    def drop(self, sid: str) -> None:
        """Forget a disconnected socket."""
        self.rooms.drop(sid)

    # -- reading ---------------------------------------------------------------------

    def overview(self) -> dict:
        """``{alerts, rules}``: the stored alerts (newest first) and every rule."""
        return {"alerts": store.recent(), "rules": self.rule_list()}

    def rule_list(self) -> list[dict]:
        """Every rule as the contract shows it, by name."""
        return [rule.as_dict() for _, rule in sorted(self.rules.items())]

    def get(self, alert_id: int) -> dict:
        """One alert with its transitions and acknowledgement, or ``not_found``."""
        return {"alert": store.get(alert_id).as_dict(), "events": store.events_of(alert_id)}

    # -- acknowledging ---------------------------------------------------------------

    def acknowledge(self, alert_id: int, username: str, via: str = "board",
                    told: tuple[str | None, str | None] = (None, None)) -> dict:
        """Record that ``username`` acknowledged alert ``alert_id``; return the alert.

        The first acknowledgement stands (a repeat returns the alert as it
        is). ``via`` is ``board`` or ``chat``; ``told`` is the ``(room,
        user)`` already answered in chat, not notified again.
        """
        if username == SYSTEM_USER:
            raise ApiError("forbidden", "the alerts user cannot acknowledge alerts")
        alert, newly = store.acknowledge(alert_id, username, via, now_ms())
        item = alert.as_dict()
        if newly:
            log.info("alert #%d (%s) acknowledged by %s via %s", alert_id, alert.rule, username,
                     via)
            self._emit(item)
            rule = self.rules.get(alert.rule)
            self.actions.on_acknowledged(rule, item, username, told)
        return item

    def on_chat_message(self, user, message: dict) -> None:
        """The chat's hook: ``/ack <id>`` in a room, or in a DM to the alerts user, acknowledges.

        The answer goes where the command was typed, from the alerts user.
        Nothing here may fail the user's message: it is stored already.
        """
        try:
            self._chat_command(user, message)
        except Exception:
            log.exception("alerts: /ack from chat failed")

    def _chat_command(self, user, message: dict) -> None:
        match = ACK_COMMAND.fullmatch(message.get("text", "").strip())
        room = message.get("room")
        if match is None or user.username == SYSTEM_USER:
            return
        if room is None and message.get("to") != SYSTEM_USER:
            return  # a DM between two people is theirs
        alert_id = int(match.group(1))
        try:
            alert = self.acknowledge(alert_id, user.username, "chat",
                                     (room, None if room else user.username))
            if alert["acked_by"] == user.username:
                reply = f"👍 alert #{alert_id} {alert['rule']} acknowledged by {user.username}"
            else:
                reply = (f"alert #{alert_id} {alert['rule']} was already acknowledged by "
                         f"{alert['acked_by']}")
        except ApiError as exc:
            reply = f"cannot acknowledge: {exc.message}"
        if room:
            self.actions.post_room(room, reply)
        else:
            self.actions.send_dm(user.username, reply)
