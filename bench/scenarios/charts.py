"""Scenarios on ``/charts``: fan-out, broadcast saturation and idle capacity.

All three use the same two generator roles: ``subscribers`` (N clients on
one or more streams, checking order, loss and latency of every point) and
``publisher`` (points POSTed at a fixed rate, ``[t_ms, seq]``).
"""

import contextlib
import time

from ..processes import Generator, Sampler, rss_bytes
from ..servers import Deployment
from .common import merge_subscribers, prime_streams, register_user, split


def _subscriber_configs(dep: Deployment, token: str, clients: int, streams: list[str],
                        processes: int, deadline_s: float, concurrency: int = 100) -> list[dict]:
    return [
        {"role": "subscribers", "url": dep.url, "token": token, "clients": share,
         "streams": streams, "deadline_s": deadline_s, "connect_concurrency": concurrency,
         "local_addresses": dep.local_addresses}
        for share in split(clients, processes)
    ]


def _connect_timeout(clients: int) -> float:
    return 60 + clients / 50


def broadcast(dep: Deployment, label: str, clients: int, rate: float, seconds: float,
              streams: int = 1, interval_ms: int = 20, processes: int = 1,
              drain_s: float = 10, server_time: bool = False,
              profiler=contextlib.nullcontext) -> dict:
    """``clients`` subscribers of ``streams`` streams, each fed ``rate`` points/s.

    Returns throughput (frames and points delivered per second), p50/p99 of
    publish -> receipt, loss, and the server's CPU and RSS while publishing.
    ``profiler()`` is entered while publishing (e.g. py-spy on the worker);
    what it returns on entry, if anything, goes into the result's ``profile``.
    A point still missing ``drain_s`` after the publisher finished counts as lost.
    ``server_time`` publishes each point alone as ``{value}``, stamped by the
    server's clock; otherwise points go in batches stamped by the publisher,
    so their latency also covers the HTTP publish.
    """
    token = register_user(dep.url)
    names = [f"bench.{label}-{i}-{int(time.time())}" for i in range(streams)]
    prime_streams(dep, token, names)
    deadline = _connect_timeout(clients) + seconds + drain_s + 60
    configs = _subscriber_configs(dep, token, clients, names, processes, deadline)
    with contextlib.ExitStack() as stack:
        subscribers = [stack.enter_context(Generator(c)) for c in configs]
        ready = [g.expect("ready", _connect_timeout(clients)) for g in subscribers]
        publisher = stack.enter_context(Generator({
            "role": "publisher", "url": dep.url, "token": token, "streams": names,
            "rate": rate, "duration_s": seconds, "interval_ms": interval_ms,
            "server_time": server_time,
        }))
        pids = {**dep.pids(), "publisher": publisher.pid,
                **{f"subscribers{i}": g.pid for i, g in enumerate(subscribers)}}
        with Sampler(pids) as sampler, profiler() as profile:
            published = publisher.expect("result", seconds + 30)
            for generator in subscribers:
                generator.command({"cmd": "expect", "counts": published["sent"],
                                   "drain_s": drain_s})
            results = [g.expect("result", drain_s + 30) for g in subscribers]
    merged = merge_subscribers(results)
    if profile is not None:
        merged["profile"] = profile.top()
    return {
        "params": {"clients": clients, "rate": rate, "streams": streams, "seconds": seconds,
                   "processes": processes, "drain_s": drain_s, "server_time": server_time},
        "ready": ready,
        "published": {k: published[k] for k in ("sent", "points_per_s", "failures", "seconds",
                                                  "request_latency")},
        **merged,
        "loss": merged["lost"] + (clients - merged["connected"]),
        "resources": sampler.summary(),
    }


def capacity(dep: Deployment, clients: int, processes: int = 2, settle_s: float = 3) -> dict:
    """Connect ``clients`` idle subscribers; report connect rate and RSS per connection.

    Each client subscribes to one quiet stream; at the end one point is
    published and every client must receive it (the clients are alive).
    """
    token = register_user(dep.url)
    name = f"bench.capacity-{int(time.time())}"
    prime_streams(dep, token, [name])
    worker_pids = [w.process.pid for w in dep.workers]
    time.sleep(1)
    rss_before = sum(rss_bytes(pid) for pid in worker_pids)
    deadline = _connect_timeout(clients) + 120
    configs = _subscriber_configs(dep, token, clients, [name], processes, deadline, 200)
    with contextlib.ExitStack() as stack:
        subscribers = [stack.enter_context(Generator(c)) for c in configs]
        with Sampler({**dep.pids(), **{f"subscribers{i}": g.pid
                                        for i, g in enumerate(subscribers)}}) as sampler:
            ready = [g.expect("ready", _connect_timeout(clients)) for g in subscribers]
            time.sleep(settle_s)
            rss_after = sum(rss_bytes(pid) for pid in worker_pids)
            publisher = stack.enter_context(Generator({
                "role": "publisher", "url": dep.url, "token": token, "streams": [name],
                "rate": 1, "duration_s": 1,
            }))
            published = publisher.expect("result", 30)
            for generator in subscribers:
                generator.command({"cmd": "expect", "counts": published["sent"], "drain_s": 20})
            results = [g.expect("result", 40) for g in subscribers]
    merged = merge_subscribers(results)
    connected = sum(r["connected"] for r in ready)
    connect_s = max(r["connect_seconds"] for r in ready)
    return {
        "params": {"clients": clients, "processes": processes},
        **merged,
        "connect_rate": round(connected / max(connect_s, 0.001), 1),
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "rss_per_connection_kb": round((rss_after - rss_before) / max(connected, 1) / 1024, 1),
        "loss": merged["lost"] + (clients - merged["connected"]),
        "resources": sampler.summary(),
    }
