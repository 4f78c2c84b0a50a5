"""What several scenarios need: users, tokens and streams on the server under test."""

import time

import requests

from support.clients import register


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
