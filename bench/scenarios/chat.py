"""The chat scenario: users in rooms, one message per second each.

Every user needs its own account (rooms and the rate limit are per user), and
registering hashes a password (~0.1 s of server CPU each). So the users are
registered once into a SQLite file kept under bench/results/cache/, with
their tokens; a run copies that file in as the server's database. Tokens are
signed with the SECRET_KEY every bench server uses, so they stay valid. The
cache key includes a hash of the models, so a schema change rebuilds it.
"""

import contextlib
import hashlib
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pulseboard.chat.rules import RATE_MESSAGES, RATE_WINDOW

from .. import REPO
from ..processes import Generator, Sampler
from ..servers import Deployment, single_worker
from ..stats import without_histograms
from .common import register_user

CACHE = REPO / "bench" / "results" / "cache"


def _models_hash() -> str:
    digest = hashlib.sha256()
    package = REPO / "backend" / "pulseboard"
    for path in sorted([*package.rglob("models.py"), *package.glob("migrations/**/*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def user_pool(count: int, workdir: Path) -> tuple[Path, list[dict]]:
    """A SQLite file holding ``count`` users, and ``[{username, token}]`` for them."""
    stem = CACHE / f"users-{count}-{_models_hash()}"
    database, tokens = stem.with_suffix(".db"), stem.with_suffix(".json")
    if database.exists() and tokens.exists():
        return database, json.loads(tokens.read_text())
    CACHE.mkdir(parents=True, exist_ok=True)
    building = workdir / "user-pool.db"
    env = {"DATABASE_URL": f"sqlite:///{building}"}
    with single_worker(workdir / "user-pool", env=env) as dep:
        users = register_users(dep.url, count)
    _copy_database(building, database)
    tokens.write_text(json.dumps(users))
    return database, users


def register_users(url: str, count: int) -> list[dict]:
    """Register ``count`` users ``benchuser00000``… on ``url``: ``[{username, token}]``."""
    names = [f"benchuser{i:05d}" for i in range(count)]
    with ThreadPoolExecutor(8) as pool:
        tokens = pool.map(lambda name: register_user(url, name), names)
        return [{"username": name, "token": token}
                for name, token in zip(names, tokens, strict=True)]


def _copy_database(source: Path, target: Path) -> None:
    # SQLite's backup API, not a file copy: in WAL mode the newest rows may
    # still sit in the -wal file beside the database.
    with contextlib.closing(sqlite3.connect(source)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def database_copy(pool_db: Path, workdir: Path) -> dict:
    """Environment that points a server at a private copy of the user pool."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / "chat.db"
    _copy_database(pool_db, copy)
    return {"DATABASE_URL": f"sqlite:///{copy}"}


def chat(dep: Deployment, users: list[dict], rooms: int, seconds: float,
         interval_ms: int = 1000, profiler=contextlib.nullcontext) -> dict:
    """``len(users)`` users in ``rooms`` rooms each sending one message per interval.

    ``profiler()`` is entered while the users send (see ``charts.broadcast``).
    """
    config = {
        "role": "chat", "url": dep.url, "users": users, "rooms": rooms,
        "duration_s": seconds, "interval_ms": interval_ms, "drain_s": 10,
        "deadline_s": 120 + len(users) / 20 + seconds, "connect_concurrency": 50,
        "local_addresses": dep.local_addresses,
        "rate_limit": {"messages": RATE_MESSAGES, "window_ms": RATE_WINDOW * 1000},
    }
    with contextlib.ExitStack() as stack:
        generator = stack.enter_context(Generator(config))
        ready = generator.expect("ready", 60 + len(users) / 20)
        with Sampler({**dep.pids(), "chat_clients": generator.pid}) as sampler, \
                profiler() as profile:
            result = generator.expect("result", seconds + 60)
    if profile is not None:
        result["profile"] = profile.top()
    result = without_histograms(result)
    unreached = len(users) - result["connected"]
    return {
        "params": {"users": len(users), "rooms": rooms, "seconds": seconds,
                   "interval_ms": interval_ms},
        "ready": ready,
        **result,
        "latency": result["ack_latency"],
        "loss": result["lost"] + (result["sent"] - result["acked"]) + unreached,
        "resources": sampler.summary(),
    }
