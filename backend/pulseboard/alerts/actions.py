"""What a rule does on a transition: a debug message, a chat notification, a task.

Chat messages come from a system user, :data:`SYSTEM_USER`: a real row of
``users`` (chat rows reference a sender), created on first use with a
password hash nothing matches and a name registration refuses (a ``.``), so
nobody can log in as it, register it first or pose as it. To chat clients it
is an ordinary sender, so the contract's message objects do not change.

Every action is best effort: a failing one is logged and reported on
``/debug`` and never stops the evaluation or the other actions.
"""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..auth.service import find_user
from ..auth.tokens import Identity
from ..chat import store as chat_store
from ..chat.models import ChatMessage, pair_key
from ..chat.presence import chat_room
from ..chat.rules import preview
from ..extensions import db
from ..namespace import user_room
from ..wire import now_ms
from .rules import Rule

log = logging.getLogger(__name__)

SYSTEM_USER = "pulseboard.alerts"
#: Debug messages of alerts come from ``alert:<rule>``; clients may not post as them.
SOURCE_PREFIX = "alert:"
CHAT = "/chat"
DEBUG_LEVELS = {
    ("firing", "info"): "info", ("firing", "warning"): "warning",
    ("firing", "critical"): "error", ("resolved", None): "success",
    ("acknowledged", None): "info",
}
MARKS = {"firing": "🔥", "resolved": "✅", "acknowledged": "👍"}


def system_identity() -> Identity:
    """The chat identity alerts speak as, created on first use."""
    user = db.session.scalar(select(User).where(User.username == SYSTEM_USER))
    if user is None:
        db.session.add(User(username=SYSTEM_USER, password_hash="!alerts: no login"))
        try:
            db.session.commit()
        except IntegrityError:  # another worker created it first
            db.session.rollback()
        user = db.session.scalar(select(User).where(User.username == SYSTEM_USER))
    return Identity(user.id, user.username)


def describe(kind: str, alert: dict, by: str | None = None) -> str:
    """One line for people: ``🔥 [critical] alert #12 cpu-high firing: ... (value 95.2)``."""
    text = f"{MARKS[kind]} [{alert['severity']}] alert #{alert['id']} {alert['rule']} {kind}"
    if by:
        text += f" by {by}"
    text += f": {alert['summary']}"
    if alert.get("value") is not None and kind != "acknowledged":
        text += f" (value {alert['value']:g})"
    return text


class Actions:
    """Runs a rule's actions; needs an app context (it uses the database).

    :param services: the app's services (``debug``, ``tasks``), looked up when used.
    """

    def __init__(self, socketio, services):
        self.socketio = socketio
        self.services = services

    def on_transition(self, rule: Rule, kind: str, alert: dict) -> None:
        """Run what ``rule`` asks for when its alert went to ``kind`` (firing or resolved)."""
        text = describe(kind, alert)
        if rule.debug:
            self._guard("debug", rule, lambda: self.debug(kind, alert, text))
        if rule.chat_room:
            self._guard("chat", rule, lambda: self.post_room(rule.chat_room, text))
        if rule.chat_user:
            self._guard("chat", rule, lambda: self.send_dm(rule.chat_user, text))
        if rule.task and kind == "firing":
            self._guard("task", rule, lambda: self.services.tasks.start(rule.task, SYSTEM_USER))

    def on_acknowledged(self, rule: Rule | None, alert: dict, username: str,
                        told: tuple[str | None, str | None] = (None, None)) -> None:
        """Tell the rule's debug stream and chat targets who acknowledged the alert.

        ``told`` is the ``(room, user)`` the acknowledgement was typed in (and
        answered there already): not told twice.
        """
        text = describe("acknowledged", alert, username)
        if rule is None or rule.debug:
            self._guard("debug", rule, lambda: self.debug("acknowledged", alert, text))
        if rule is None:
            return
        if rule.chat_room and rule.chat_room != told[0]:
            self._guard("chat", rule, lambda: self.post_room(rule.chat_room, text))
        if rule.chat_user and rule.chat_user not in (username, told[1]):
            self._guard("chat", rule, lambda: self.send_dm(rule.chat_user, text))

    def _guard(self, what: str, rule: Rule | None, action) -> None:
        try:
            action()
        except Exception as exc:
            db.session.rollback()
            name = rule.name if rule else "?"
            log.warning("alert rule %s: the %s action failed: %s", name, what, exc)

    # -- the three kinds of action ---------------------------------------------------

    def debug(self, kind: str, alert: dict, text: str) -> None:
        """Post ``text`` on ``/debug`` from ``alert:<rule>``."""
        level = DEBUG_LEVELS.get((kind, alert["severity"])) or DEBUG_LEVELS[(kind, None)]
        context = {"alert_id": alert["id"], "rule": alert["rule"], "state": alert["state"],
                   "stream": alert["stream"], "value": alert["value"],
                   "acked_by": alert["acked_by"]}
        self.services.debug.post(level, f"{SOURCE_PREFIX}{alert['rule']}", text, context)

    def post_room(self, room: str, text: str) -> dict:
        """Store and broadcast a room message from the system user (room created if new)."""
        sender = system_identity()
        chat_store.ensure_room(room)
        row, _ = chat_store.save(ChatMessage(room=room, sender_id=sender.id,
                                             sender_name=sender.username, text=text,
                                             ts=now_ms()))
        message = row.as_room_message()
        self.socketio.emit("message", message, to=chat_room(room), namespace=CHAT)
        return message

    def send_dm(self, username: str, text: str) -> dict | None:
        """Send a direct message from the system user, with the chat's ``dm`` notification."""
        recipient = find_user(username)
        if recipient is None:
            raise LookupError(f"no user named {username!r}")
        sender = system_identity()
        row, _ = chat_store.save(ChatMessage(
            sender_id=sender.id, sender_name=sender.username, recipient_id=recipient.id,
            recipient_name=recipient.username, pair=pair_key(sender.id, recipient.id),
            text=text, ts=now_ms()))
        message = row.as_direct_message()
        self.socketio.emit("dm", message, to=[user_room(sender.id), user_room(recipient.id)],
                           namespace=CHAT)
        self.socketio.emit("notification", {"kind": "dm", "from": sender.username,
                                            "message_id": row.id, "preview": preview(text)},
                           to=user_room(recipient.id), namespace=CHAT)
        return message
