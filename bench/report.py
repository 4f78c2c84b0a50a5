"""Results: the JSON file of a run, and its table in docs/benchmarks.md.

The table of a run replaces the block between ``<!-- bench:<block>:start -->``
and ``<!-- bench:<block>:end -->`` in docs/benchmarks.md (``<block>`` is the
profile plus any non-default option), so a short run never overwrites the full
run's numbers and the prose around them stays.

When a run measured the node socket.io peer as well, each Pulseboard figure
that has a peer counterpart (same scenario and measurement) is shown with its
ratio, Pulseboard ÷ peer: ``96 ms (0.96x peer)`` (with a multiplication sign). Below 1 is less of it
(for latency, CPU, RSS, KB/conn: better), above 1 more (for pts/s,
connects/s, msgs/s: better). The columns stay those of earlier runs.
"""

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import psutil

from .stats import without_histograms

PACKAGES = ("python-socketio", "python-engineio", "flask-socketio", "eventlet", "gevent")
NODE_PACKAGES = ("socket.io", "socket.io-client")  # in bench/node_modules
BENCH = Path(__file__).resolve().parent
TIMES = "\N{MULTIPLICATION SIGN}"


def machine_info() -> dict:
    """What the numbers were measured on."""
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except OSError:
        node = None
    return {
        "cpu": model,
        "cores": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": node,
        "packages": {**{name: _version(name) for name in PACKAGES},
                     **{name: _node_version(name) for name in NODE_PACKAGES}},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _node_version(name: str) -> str | None:
    try:
        return json.loads((BENCH / "node_modules" / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def _ratio(ours, peers) -> float | None:
    if not isinstance(ours, int | float) or not isinstance(peers, int | float) or peers <= 0:
        return None
    return round(ours / peers, 3)


def add_peer_ratios(entries: list[dict]) -> None:
    """Give each Pulseboard entry with a peer counterpart ``vs_peer``: its figures ÷ the peer's.

    The counterpart is the peer's entry of the same scenario and name (e.g.
    ``fanout`` / ``chart fan-out 50 pts/s``); entries that errored get none.
    """
    peers = {(e.get("scenario"), e["name"]): e for e in entries
             if e.get("kind") == "peer" and "error" not in e}
    for entry in entries:
        peer = peers.get((entry.get("scenario"), entry["name"]))
        if entry.get("kind") == "peer" or "error" in entry or peer is None:
            continue
        ours, theirs = entry.get("latency") or {}, peer.get("latency") or {}
        server, peer_server = entry.get("server") or {}, peer.get("server") or {}
        entry["vs_peer"] = {
            "p50": _ratio(ours.get("p50_ms"), theirs.get("p50_ms")),
            "p99": _ratio(ours.get("p99_ms"), theirs.get("p99_ms")),
            "cpu": _ratio(server.get("cpu_mean"), peer_server.get("cpu_mean")),
            "rss": _ratio(server.get("rss_peak_mb"), peer_server.get("rss_peak_mb")),
            "figures": {label: _ratio(value, (peer.get("figures") or {}).get(label))
                        for label, value in (entry.get("figures") or {}).items()},
        }


def _times(ratio: float | None) -> str:
    """``0.96``, ``2.41``, ``12`` and the multiplication sign; empty without a ratio."""
    if ratio is None:
        return ""
    return f"{ratio:.2f}{TIMES}" if ratio < 10 else f"{ratio:.0f}{TIMES}"


def _vs(text: str, ratio: float | None) -> str:
    """``text`` with its ratio to the peer, if any: ``96 ms (0.96x peer)`` with a real sign."""
    return f"{text} ({_times(ratio)} peer)" if ratio is not None and text != "-" else text


def write_json(run: dict, directory: Path) -> Path:
    """Write the run (without histograms) to ``directory/<started>.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{run['started'].replace(':', '-')}.json"
    path.write_text(json.dumps(without_histograms(run), indent=2))
    return path


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value >= 100:
        value = round(value)
    return f"{value:,}{unit}" if isinstance(value, int) else f"{value}{unit}"


def _row(entry: dict) -> str:
    name = f"{entry['scenario']}: {entry['name']}" if entry.get("scenario") else entry["name"]
    if "error" in entry:
        return (f"| {name} | {entry.get('deployment', '')} | - | - | - | - | - | - | - "
                f"| error: {entry['error'][:80]} |")
    latency = entry.get("latency") or {}
    server = entry.get("server") or {}
    verdict = {True: "met", False: "**missed**", None: ""}[entry.get("met")]
    vs = entry.get("vs_peer") or {}
    throughput = entry.get("throughput", "")
    figures = [f"{_times(r)} {label}" for label, r in (vs.get("figures") or {}).items()
               if r is not None]
    if figures:
        throughput += f" (vs peer: {', '.join(figures)})"
    return "| " + " | ".join([
        name,
        entry.get("deployment", ""),
        entry.get("load", ""),
        throughput,
        _vs(_fmt(latency.get("p50_ms"), " ms"), vs.get("p50")),
        _vs(_fmt(latency.get("p99_ms"), " ms"), vs.get("p99")),
        _fmt(entry.get("loss")),
        _vs(_fmt(server.get("cpu_mean"), " %"), vs.get("cpu")),
        _vs(_fmt(server.get("rss_peak_mb"), " MB"), vs.get("rss")),
        f"{entry.get('target', '')} {verdict}".strip(),
    ]) + " |"


def table(run: dict) -> str:
    """The markdown block of one run: machine line and one row per entry."""
    machine = run["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
    lines = [
        f"Run `{run['profile']}` started {run['started']} ({run['seconds']:.0f} s), "
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
        f"Python {machine['python']}, Node {machine['node']}; {packages}. "
        f"Load average at start {machine['load_average']}, at end {run['load_average_end']}.",
        "",
        "| scenario | server | load | throughput | p50 | p99 | loss | server CPU | server RSS "
        "| target |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(_row(entry) for entry in run["entries"]),
    ]
    return "\n".join(lines)


def update_docs(run: dict, doc: Path) -> None:
    """Replace this run's block in ``doc`` (appending it if missing).

    The block is named by the profile plus any non-default option, e.g.
    ``full`` or ``full-gevent``, so variants never overwrite the baseline.
    """
    name = run.get("block", run["profile"])
    start = f"<!-- bench:{name}:start -->"
    end = f"<!-- bench:{name}:end -->"
    block = f"{start}\n{table(run)}\n{end}"
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    doc.write_text(text)
