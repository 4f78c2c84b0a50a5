"""TaskHub: one tick carries every room's ``lines`` frame, then the ``task`` events.

Lines go to the room ``task:<id>``; task state objects go to the room
``tasks`` that every ``/logs`` socket joins. Within a tick the line frames
are emitted before the task events, so a client never sees a run
``succeeded`` before that run's last lines. Several states of one run within
a tick are coalesced into the latest.

The base :class:`~pulseboard.hub.Hub` runs the whole flush (swap and
emits) under :attr:`lock`: a subscriber that joins a room under the lock
then either was a member when a batch was emitted or finds that batch already
stored, never both, in threading mode too.
"""

from ..hub import Frame, Hub, latest_by_id

NAMESPACE = "/logs"
TASKS_ROOM = "tasks"


def task_room(task_id: int) -> str:
    """The room of the sockets following one run's log."""
    return f"task:{task_id}"


class TaskHub(Hub):
    """The ``/logs`` hub: batched ``lines`` frames and coalesced ``task`` events."""

    def __init__(self, socketio):
        super().__init__(socketio, NAMESPACE, "lines", self._lines_frame)

    @staticmethod
    def _lines_frame(room: str, lines: list) -> dict:
        return {"task_id": int(room.removeprefix("task:")), "lines": lines}

    def frames(self, pending):
        """Every pending ``lines`` frame, then the latest state of each run."""
        states = pending.pop((TASKS_ROOM, False), [])
        yield from super().frames(pending)
        for state in latest_by_id(states):
            yield Frame("task", state, TASKS_ROOM)
