"""Turn a scenario's result into a table entry: a name, a throughput, a verdict.

Each entry also carries ``figures``: the numbers of its throughput column by
label (``pts/s``, ``connects/s``…), which report.add_peer_ratios divides by
the peer's.
"""

TARGET_FANOUT_P99_MS = 100
TARGET_RSS_PER_CONNECTION_KB = 30
TARGET_CHAT_P99_MS = 50
TARGET_INGEST_LINES_PER_S = 100_000
TARGET_INGEST_P99_MS = 150


def _server(result: dict) -> dict:
    """The workers' resources summed (one worker: just its own)."""
    resources = result.get("resources") or {}
    workers = [v for k, v in resources.items() if k.startswith("worker")]
    if not workers:
        return {}
    return {
        "cpu_mean": round(sum(w["cpu_mean"] or 0 for w in workers), 1),
        "rss_peak_mb": round(sum(w["rss_peak_mb"] for w in workers), 1),
    }


def broadcast_entry(name: str, deployment: str, result: dict, target_p99: float | None) -> dict:
    """A fan-out or saturation entry; ``target_p99`` adds the latency target."""
    p = result["params"]
    met = result["loss"] == 0 and result["duplicates"] == 0
    target = "loss 0"
    if target_p99 is not None:
        met = met and (result["latency"]["p99_ms"] or 1e9) <= target_p99
        target = f"p99 ≤ {target_p99} ms, loss 0"
    server = _server(result)
    # Frames per second of server CPU: comparable across runs on a busy machine.
    per_cpu = result["frames_per_s"] / max(server.get("cpu_mean") or 0, 1) * 100
    return {
        "name": name, "deployment": deployment,
        "load": f"{p['clients']:,} clients x {p['streams']} stream(s), "
                f"{result['published']['points_per_s']:g} pts/s published"
                + (" (server-stamped)" if p.get("server_time") else ""),
        "throughput": f"{result['frames_per_s']:,.0f} frames/s "
                      f"({per_cpu:,.0f} per server CPU-s), "
                      f"{result['points_per_s']:,.0f} pts/s delivered",
        "frames_per_cpu_s": round(per_cpu),
        # Points, not frames: the peer emits one frame per publish, Pulseboard one per tick.
        "figures": {"pts/s": result["points_per_s"]},
        "latency": result["latency"], "loss": result["loss"], "server": server,
        "target": target, "met": met, "result": result,
    }


def capacity_entry(deployment: str, result: dict) -> dict:
    """The idle-capacity entry: connect rate and RSS per connection."""
    clients = result["params"]["clients"]
    per_kb = result["rss_per_connection_kb"]
    met = (result["loss"] == 0 and result["connected"] == clients
           and per_kb <= TARGET_RSS_PER_CONNECTION_KB)
    return {
        "name": "capacity (idle clients)", "deployment": deployment,
        "load": f"{clients:,} clients",
        "throughput": f"{result['connect_rate']:,.0f} connects/s, {per_kb} KB RSS/connection",
        "figures": {"connects/s": result["connect_rate"], "KB/conn": per_kb},
        "latency": result["latency"], "loss": result["loss"], "server": _server(result),
        "target": f"≤ {TARGET_RSS_PER_CONNECTION_KB} KB/conn, loss 0", "met": met,
        "result": result,
    }


def chat_entry(deployment: str, result: dict) -> dict:
    """The chat entry: ack round trip (the p50/p99 shown) and broadcast delivery."""
    p = result["params"]
    delivery = result["delivery_latency"]
    worst_p99 = max(result["ack_latency"]["p99_ms"] or 1e9, delivery["p99_ms"] or 1e9)
    met = result["loss"] == 0 and worst_p99 <= TARGET_CHAT_P99_MS
    return {
        "name": "chat round trip (ack)", "deployment": deployment,
        "load": f"{p['users']:,} users in {p['rooms']} rooms, "
                f"1 msg / {p['interval_ms'] / 1000:g} s each",
        "throughput": f"{result['messages_per_s']:,.0f} msgs/s, "
                      f"{result['deliveries_per_s']:,.0f} deliveries/s; delivery "
                      f"p50 {delivery['p50_ms']} / p99 {delivery['p99_ms']} ms",
        "figures": {"msgs/s": result["messages_per_s"], "delivery p99": delivery["p99_ms"]},
        "latency": result["ack_latency"], "loss": result["loss"], "server": _server(result),
        "target": f"p99 ≤ {TARGET_CHAT_P99_MS} ms, loss 0", "met": met, "result": result,
    }


def ingest_entry(name: str, deployment: str, result: dict) -> dict:
    """A line-protocol (or JSON publish) ingest entry: lines/s accepted into live subscribers."""
    p = result["params"]
    published = result["published"]
    p99 = result["latency"]["p99_ms"]
    met = (result["loss"] == 0 and result["duplicates"] == 0
           and result["lines_per_s"] >= TARGET_INGEST_LINES_PER_S
           and p99 is not None and p99 <= TARGET_INGEST_P99_MS)
    if p["via"] == "lineprotocol":
        how = f"POST /api/write, {p['batch_lines']:,} lines per request"
    else:
        how = f"POST /api/streams/<name>/points, one per stream per {p['json_interval_ms']} ms"
    requests = published.get("batches") or published.get("requests") or 0
    server = _server(result)
    # Lines per second of server CPU: what a busy, shared machine changes least.
    per_cpu = result["lines_per_s"] / max(server.get("cpu_mean") or 0, 1) * 100
    return {
        "name": name, "deployment": deployment,
        "load": f"{p['rate']:,.0f} lines/s due for {p['seconds']:g} s over {p['streams']} "
                f"streams ({how}); {p['clients']} clients x {p['per_client']} stream(s)",
        "throughput": f"{result['lines_per_s']:,.0f} lines/s accepted "
                      f"({per_cpu:,.0f} per server CPU-s; "
                      f"{requests / max(published['seconds'], 0.001):,.1f} requests/s), "
                      f"{result['points_per_s']:,.0f} pts/s delivered "
                      f"({result['points']:,} of {result['expected_deliveries']:,})",
        "lines_per_cpu_s": round(per_cpu),
        "figures": {"lines/s": result["lines_per_s"]},
        "latency": result["latency"], "loss": result["loss"], "server": server,
        "target": f"≥ {TARGET_INGEST_LINES_PER_S:,} lines/s, p99 ≤ {TARGET_INGEST_P99_MS} ms, "
                  "loss 0",
        "met": met, "result": result,
    }
