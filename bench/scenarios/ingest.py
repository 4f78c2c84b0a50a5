"""The ingest scenario: line protocol into live subscribers, and the JSON publish beside it.

A publisher POSTs Telegraf-like line protocol (``cpu``, ``disk``, ``diskio``
and ``net`` series of several hosts, tags sorted by key as Telegraf writes
them) to ``/api/write`` in batches of ``batch_lines`` lines at a bounded rate
for a bounded time (bench/load/lineprotocol.mjs); each field's value is its
series' sequence number, so the ``subscribers`` role (each client on
``per_client`` of the streams) checks every point's arrival, order and
latency (the batch's timestamp -> receipt). The same volume through the JSON
publish (``POST /api/streams/<name>/points``, one request per stream per
``json_interval_ms``: the JSON API takes one stream per request) is measured
the same way, on streams of its own.
"""

import contextlib
import time

import requests

from pulseboard.ingest.naming import stream_name, tag_values

from ..processes import Generator, Sampler
from ..servers import Deployment
from .common import merge_subscribers, register_user

#: (measurement, its fields, integer fields?, tags of instance k of host h): Telegraf's inputs.
TEMPLATES = (
    ("cpu", ("usage_idle", "usage_user", "usage_system"), False,
     lambda k, h: {"cpu": f"cpu{k}", "host": h}),
    ("disk", ("used_percent", "free", "inodes_used"), False,
     lambda k, h: {"device": f"sda{k}", "fstype": "ext4", "host": h, "mode": "rw",
                   "path": f"/d{k}"}),
    ("diskio", ("reads", "writes", "io_time"), True,
     lambda k, h: {"host": h, "name": f"sda{k}"}),
    ("net", ("bytes_recv", "bytes_sent", "packets_recv"), True,
     lambda k, h: {"host": h, "interface": f"eth{k}"}),
)
INSTANCES = 8  # instances of each measurement per host (cpu0-7, sda0-7, ...)


def telegraf_series(count: int, prefix: str, fields: int = 1) -> list[dict]:
    """``count`` distinct series, each ``{head, fields: [[key, suffix, stream]]}``.

    ``head`` is the line's ``measurement,tags``; ``stream`` the name the
    server's naming rule gives the field under ``?prefix=<prefix>``.
    """
    series = []
    for i in range(count):
        measurement, keys, integer, tags_of = TEMPLATES[i % len(TEMPLATES)]
        j = i // len(TEMPLATES)
        tags = tags_of(j % INSTANCES, f"h{j // INSTANCES:02d}")
        head = ",".join([measurement, *(f"{k}={tags[k]}" for k in sorted(tags))])
        series.append({"head": head, "fields": [
            [key, "i" if integer else "",
             stream_name([prefix, measurement, key, *tag_values(tags, None)])]
            for key in keys[:fields]]})
    return series


def prime(dep: Deployment, token: str, prefix: str, series: list[dict]) -> None:
    """Create every stream with one line per series (value -1, which clients ignore)."""
    now = int(time.time() * 1000)
    body = "".join(f"{s['head']} {','.join(f'{k}=-1{x}' for k, x, _ in s['fields'])} {now}\n"
                   for s in series)
    for worker in dep.workers:
        response = requests.post(
            f"{worker.url}/api/write", params={"precision": "ms", "prefix": prefix},
            data=body.encode(), headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if response.status_code != 202:
            raise RuntimeError(f"priming {prefix} failed: {response.status_code} {response.text}")


def subscriptions(clients: int, per_client: int, streams: int) -> list[int]:
    """How many clients subscribe to each stream (bench/load/subscribers.mjs's ``per_client``)."""
    per_client = min(per_client, streams)
    counts = [0] * streams
    for index in range(clients):
        for j in range(per_client):
            counts[(index * per_client + j) % streams] += 1
    return counts


def _publisher_config(via: str, dep: Deployment, token: str, prefix: str, series: list[dict],
                      rate: float, batch_lines: int, seconds: float,
                      json_interval_ms: int) -> dict:
    if via == "lineprotocol":
        return {"role": "lineprotocol", "url": dep.url, "token": token, "prefix": prefix,
                "series": series, "rate": rate, "batch_lines": batch_lines,
                "duration_s": seconds}
    names = [stream for s in series for _, _, stream in s["fields"]]
    # The same points per second, one request per stream per interval; no catching up
    # after the time is over (grace 0), so the time stays bounded here too.
    return {"role": "publisher", "url": dep.url, "token": token, "streams": names,
            "rate": rate * len(series[0]["fields"]) / len(names), "duration_s": seconds,
            "interval_ms": json_interval_ms, "grace_s": 0}


def ingest(dep: Deployment, label: str, clients: int, per_client: int, series: int,
           rate: float, batch_lines: int, seconds: float, fields: int = 1,
           via: str = "lineprotocol", json_interval_ms: int = 200, drain_s: float = 10,
           profiler=contextlib.nullcontext) -> dict:
    """``rate`` lines/s of ``series`` series into ``clients`` subscribers for ``seconds``.

    ``via`` is ``lineprotocol`` (``POST /api/write``, ``batch_lines`` per
    request) or ``json`` (``POST /api/streams/<name>/points`` per stream).
    Returns lines/s accepted, points delivered, latency, loss and the
    worker's CPU; ``profiler()`` is entered while publishing.
    """
    token = register_user(dep.url)
    prefix = f"{label}{time.time_ns() % 16**7:07x}"  # short: names stay under 64
    specs = telegraf_series(series, prefix, fields)
    names = [stream for s in specs for _, _, stream in s["fields"]]
    prime(dep, token, prefix, specs)
    connect_s = 60 + clients / 50
    with contextlib.ExitStack() as stack:
        subscribers = stack.enter_context(Generator({
            "role": "subscribers", "url": dep.url, "token": token, "clients": clients,
            "streams": names, "per_client": per_client,
            "deadline_s": connect_s + seconds + drain_s + 60, "connect_concurrency": 50}))
        ready = subscribers.expect("ready", connect_s)
        publisher = stack.enter_context(Generator(_publisher_config(
            via, dep, token, prefix, specs, rate, batch_lines, seconds, json_interval_ms)))
        pids = {**dep.pids(), "publisher": publisher.pid, "subscribers0": subscribers.pid}
        with Sampler(pids) as sampler, profiler() as profile:
            published = publisher.expect("result", seconds + 40)
        subscribers.command({"cmd": "expect", "counts": published["sent"], "drain_s": drain_s})
        result = subscribers.expect("result", drain_s + 30)
    merged = merge_subscribers([result])
    if profile is not None:
        merged["profile"] = profile.top()
    if via == "lineprotocol":
        accepted = published["lines_per_s"]
    else:  # one point per line: points per second are lines per second
        accepted = round(published["points_per_s"] / fields, 1)
    watching = subscriptions(clients, per_client, len(names))
    expected = sum(published["sent"].get(name, 0) * n for name, n in zip(names, watching,
                                                                          strict=True))
    return {
        "params": {"via": via, "clients": clients, "per_client": per_client, "series": series,
                   "fields": fields, "streams": len(names), "rate": rate,
                   "batch_lines": batch_lines if via == "lineprotocol" else None,
                   "json_interval_ms": json_interval_ms if via == "json" else None,
                   "seconds": seconds, "drain_s": drain_s},
        "ready": ready,
        "published": {k: v for k, v in published.items() if k not in ("sent", "type")},
        "lines_per_s": accepted,
        "expected_deliveries": expected,
        **merged,
        "loss": merged["lost"] + (clients - merged["connected"]),
        "resources": sampler.summary(),
    }
