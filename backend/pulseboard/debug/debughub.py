"""DebugHub: ``debug`` events, one per message, sent on the next tick.

The contract's ``debug`` event carries one message, so a tick emits each
pending message on its own, in order, to the rooms that could want it (see
:mod:`.filters`); repeats of one message within a tick (dedupe updates) are
coalesced into the latest count. As in the ``/logs`` hub, the whole flush
runs under :attr:`lock`, so a subscriber joining under the lock never gets a
message both in its snapshot and in an event.
"""

from ..hub import Frame, Hub, latest_by_id
from .filters import rooms_for

NAMESPACE = "/debug"
#: The hub's single batch: messages are routed to rooms when emitted.
OUTBOX = "debug"


class DebugHub(Hub):
    """The ``/debug`` hub; items are message objects."""

    def __init__(self, socketio):
        super().__init__(socketio, NAMESPACE, "debug")

    def post(self, message: dict) -> None:
        """Queue a message (or its new count) for the next tick."""
        self.append(OUTBOX, [message])

    def pending_ids(self) -> set[int]:
        """Ids of messages waiting for the next tick (call with :attr:`lock`)."""
        return {m["id"] for items in self._pending.values() for m in items}

    def frames(self, pending):
        """Each pending message, latest count per id, to the rooms that want it."""
        for message in latest_by_id(m for items in pending.values() for m in items):
            yield Frame("debug", message, rooms_for(message))
