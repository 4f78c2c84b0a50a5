"""Where the counters of ``/metrics`` are fed from, without touching the features' code.

* Emits: ``SocketIO.emit`` of the app's one ``socketio`` instance is wrapped
  once per process. Every server-side emit goes through it: the hubs'
  per-tick frames, chat messages, presence, ``resync``, and the
  ``flask_socketio.emit`` / ``Namespace.emit`` helpers, which call it too.
  Acks are not emits and are not counted.
* Task runs: the TaskService's public ``on_finished`` callback is wrapped,
  so every run this worker settles (its own, or a lost worker's) is counted
  by final status before the callback it had runs as before.
"""

from functools import wraps

from .counters import EMITS, TASK_RUNS, count

_WRAPPED = "_pulseboard_counts_emits"


def count_emits(socketio) -> None:
    """Count each ``socketio.emit`` by namespace and event (once per process)."""
    if getattr(socketio.emit, _WRAPPED, False):
        return
    emit = socketio.emit

    @wraps(emit)
    def counted(event, *args, **kwargs):
        count(EMITS, namespace=kwargs.get("namespace") or "/", event=str(event))
        return emit(event, *args, **kwargs)

    setattr(counted, _WRAPPED, True)
    socketio.emit = counted


def count_task_runs(tasks) -> None:
    """Count every run ``tasks`` (a TaskService, or None) reports finished, by status."""
    if tasks is None or getattr(tasks.on_finished, _WRAPPED, False):
        return
    finished = tasks.on_finished

    def counted(task: dict) -> None:
        count(TASK_RUNS, status=str(task.get("status")))
        if finished is not None:
            finished(task)

    setattr(counted, _WRAPPED, True)
    tasks.on_finished = counted
