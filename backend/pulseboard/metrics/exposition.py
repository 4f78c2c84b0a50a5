"""The registry ``/metrics`` renders: this process's counters plus its live state.

State is read when Prometheus scrapes, never kept up to date on a hot path:
connections are counted from python-socketio's manager (its public
``get_namespaces`` / ``get_participants`` / ``is_connected``), the queue is
pinged as ``/api/health`` does. Each app has its own registry; the counters
of :mod:`.counters` are the process's and are registered in each.
"""

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.core import GaugeMetricFamily

from ..cluster import cluster_of
from ..extensions import RESYNC_NAMESPACES
from .counters import ALL, WORKER

#: Namespaces always listed, 0 when nobody is connected.
NAMESPACES = ("/", *RESYNC_NAMESPACES)


class StateCollector:
    """Gauges read at scrape time: info, connections per namespace, queue state."""

    def __init__(self, app, socketio):
        self.app = app
        self.socketio = socketio

    def connections(self) -> dict[str, int]:
        """Sockets connected (authenticated) to each namespace on this worker."""
        manager = self.socketio.server.manager
        counts = dict.fromkeys(NAMESPACES, 0)
        for namespace in list(manager.get_namespaces()):
            counts[namespace] = sum(1 for sid, _ in manager.get_participants(namespace, None)
                                    if manager.is_connected(sid, namespace))
        return counts

    def collect(self):
        """Yield the gauges (prometheus_client's collector protocol)."""
        info = GaugeMetricFamily("pulseboard_info", "This worker: version and async mode.",
                                 labels=["version", "async_mode", "worker"])
        info.add_metric([self.app.config.get("VERSION", ""), str(self.socketio.async_mode),
                         WORKER], 1)
        yield info
        connections = GaugeMetricFamily(
            "pulseboard_connections", "Socket.IO clients connected to a namespace here.",
            labels=["namespace", "worker"])
        for namespace, number in sorted(self.connections().items()):
            connections.add_metric([namespace, WORKER], number)
        yield connections
        if self.app.config.get("MESSAGE_QUEUE"):
            up = cluster_of(self.socketio).queue_status(probe=True) == "up"
            queue = GaugeMetricFamily("pulseboard_queue_up", "1 while the message queue "
                                      "(Redis) answers this worker, else 0.", labels=["worker"])
            queue.add_metric([WORKER], 1 if up else 0)
            yield queue


def build_registry(app, socketio) -> CollectorRegistry:
    """A registry with this process's counters, the state gauges and process metrics."""
    registry = CollectorRegistry(auto_describe=False)
    for counter in ALL:
        registry.register(counter)
    registry.register(StateCollector(app, socketio))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return registry
