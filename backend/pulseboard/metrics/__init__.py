"""``GET /metrics``: this worker's numbers in Prometheus' text format.

Connections per namespace, emits (frames) by namespace and event, the
message queue's state, task runs by final status, ingest and scrape counts,
plus prometheus_client's process and platform collectors. Each worker
answers for its own process (label ``worker``); Prometheus scrapes every
worker and sums. Who may read it: :mod:`.api`.
"""


def init_app(app, services) -> None:
    """Build this app's registry, count emits and task runs, register ``/metrics``."""
    from ..extensions import socketio
    from .api import bp
    from .exposition import build_registry
    from .hooks import count_emits, count_task_runs

    count_emits(socketio)
    count_task_runs(getattr(services, "tasks", None))
    app.extensions["pulseboard_metrics"] = build_registry(app, socketio)
    app.register_blueprint(bp)
