"""State several workers share, behind one interface with two implementations.

With ``MESSAGE_QUEUE`` set, :class:`~.redis_cluster.RedisCluster` keeps what a
user can observe across workers in Redis data structures with expiry:
shared counts (presence, chart subscribers), leases (``SET NX PX``: one
producer per built-in stream, one sweeper of dead workers), a capped list
per chart window, a dedupe index, task slots, and a pub/sub channel for
commands to the owner of a thing (cancel a run). Without it,
:class:`~.local.LocalCluster` does the same in this process's memory: one
process, nothing to install, no Redis round trip on any path.

A feature asks ``cluster_of(socketio)`` for the instance bound with the app.
"""

from .local import LocalCluster


def make_cluster(config: dict, socketio):
    """The cluster for an app's ``config``: Redis-backed with ``MESSAGE_QUEUE``, else local."""
    url = config.get("MESSAGE_QUEUE")
    if url and url.startswith(("redis://", "rediss://")):
        from .redis_cluster import RedisCluster

        return RedisCluster(url, socketio)
    return LocalCluster()


def cluster_of(socketio):
    """The cluster bound to ``socketio`` by :meth:`PulseboardSocketIO.init_app`.

    Raises :class:`RuntimeError` when none is bound: a fresh cluster per
    caller would silently give each feature its own counts and leases.
    """
    cluster = getattr(socketio, "cluster", None)
    if cluster is None:
        raise RuntimeError("no cluster is bound: call socketio.init_app(app) first")
    return cluster


__all__ = ["LocalCluster", "cluster_of", "make_cluster"]
