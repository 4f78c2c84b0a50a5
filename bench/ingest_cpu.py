"""The worker's CPU per line-protocol line, without subscribers: ``python -m bench.ingest_cpu``.

Starts one eventlet worker, POSTs ``--requests`` bodies of ``--lines``
Telegraf-like lines (the ingest scenario's series) one at a time, and prints
the worker's CPU time (user + system, from /proc) per request and per line.
CPU time, unlike a rate, barely changes when other processes share the
cores, so before/after comparisons hold on a busy machine. The worker is
stopped at the end, also on failure; everything runs on 127.0.0.1.
"""

import argparse
import tempfile
import time
from pathlib import Path

import psutil
import requests

from .scenarios.common import register_user
from .scenarios.ingest import telegraf_series
from .servers import single_worker


def body(series: list[dict], lines: int, first_seq: int) -> bytes:
    """``lines`` lines over ``series`` in turn, stamped now (ms), values counting up."""
    now = int(time.time() * 1000)
    out = []
    for i in range(lines):
        s = series[i % len(series)]
        key, suffix, _ = s["fields"][0]
        out.append(f"{s['head']} {key}={first_seq + i // len(series)}{suffix} {now}")
    return ("\n".join(out) + "\n").encode()


def measure(requests_count: int = 20, lines: int = 5000, series_count: int = 200) -> dict:
    """POST the bodies; return the worker's CPU per request and per line, and wall times."""
    with single_worker(Path(tempfile.mkdtemp(prefix="pulseboard-ingest-cpu-")),
                       env={"MAX_PUBLISHED_STREAMS": "100000"}) as dep:
        token = register_user(dep.url)
        series = telegraf_series(series_count, "cpu1", 1)
        worker = psutil.Process(dep.workers[0].process.pid)
        session = requests.Session()

        def post(k: int) -> float:
            data = body(series, lines, k * lines)
            started = time.monotonic()
            response = session.post(f"{dep.url}/api/write", data=data,
                                    params={"precision": "ms", "prefix": "cpu1"},
                                    headers={"Authorization": f"Bearer {token}"}, timeout=60)
            if response.status_code != 202:
                raise RuntimeError(f"write refused: {response.status_code} {response.text}")
            return time.monotonic() - started

        post(0)  # creates the streams: not measured
        before = worker.cpu_times()
        walls = sorted(post(k) for k in range(1, requests_count + 1))
        after = worker.cpu_times()
    cpu = (after.user + after.system) - (before.user + before.system)
    return {"requests": requests_count, "lines": lines,
            "cpu_ms_per_request": round(cpu / requests_count * 1000, 1),
            "cpu_us_per_line": round(cpu / requests_count / lines * 1e6, 2),
            "lines_per_cpu_s": round(requests_count * lines / max(cpu, 1e-9)),
            "wall_p50_ms": round(walls[len(walls) // 2] * 1000, 1),
            "load_average": [round(x, 2) for x in psutil.getloadavg()]}


def main(argv: list[str] | None = None) -> dict:
    """Parse the options, measure, print the result."""
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_cpu", description=__doc__)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--series", type=int, default=200)
    args = parser.parse_args(argv)
    result = measure(args.requests, args.lines, args.series)
    print(result)
    return result


if __name__ == "__main__":
    main()
