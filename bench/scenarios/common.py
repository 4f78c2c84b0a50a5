"""What several scenarios need: users, tokens and streams on the server under test."""

import time

import requests

from support.clients import register

from ..stats import merge_latency, sum_counts, sum_tallies


def register_user(url: str, username: str | None = None) -> str:
    """Register a user (a fresh name unless given) and return its token."""
    return register(url, username)["token"]


def prime_streams(dep, token: str, names: list[str]) -> None:
    """Create published streams with one priming point (value -1, ignored by clients).

    Every worker is primed directly, so the stream exists on each before any
    client subscribes, whichever worker nginx hands that client to.
    """
    for name, worker in ((n, w) for n in names for w in dep.workers):
        response = requests.post(
            f"{worker.url}/api/streams/{name}/points",
            json={"points": [[int(time.time() * 1000), -1]]},
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )
        if response.status_code != 202:
            raise RuntimeError(f"priming {name} failed: {response.status_code} {response.text}")


def split(total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` near-equal positive shares."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def merge_subscribers(results: list[dict]) -> dict:
    """One result from the results of several ``subscribers`` load processes."""
    counts = sum_counts(results, "connected", "still_connected", "disconnects", "frames",
                        "points", "lost", "duplicates", "clients_complete")
    window = max((r["window_s"] for r in results), default=0) or 0.001
    return {
        **counts,
        "connect_failures": sum_tallies([r["connect_failures"] for r in results]),
        "disconnect_reasons": sum_tallies([r["disconnect_reasons"] for r in results]),
        "connect_seconds": max(r["connect_seconds"] for r in results),
        "window_s": window,
        "frames_per_s": round(counts["frames"] / window, 1),
        "points_per_s": round(counts["points"] / window, 1),
        "latency": merge_latency([r["latency"] for r in results]),
        "why": sorted({r["why"] for r in results}),
    }
