"""Which settings file is read by whom, and the production SECRET_KEY rule (no podman needed)."""

import os
import shutil
import subprocess
import sys

import pytest
import requests

from pulseboard.config import production_secret_key_problem
from support.server import REPO, ServerProcess

POSTGRES_URL = "postgresql+psycopg://pulseboard:secret@127.0.0.1:1/pulseboard"
PLACEHOLDER = "change-me-to-a-long-random-string"


def serve(tmp_path, **env) -> subprocess.CompletedProcess:
    """``pulseboard serve`` in ``tmp_path`` with ``env`` on top of the test's own."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("SECRET_KEY", "DATABASE_URL", "MESSAGE_QUEUE")}
    return subprocess.run([sys.executable, "-m", "pulseboard", "serve", "--port", "1"],
                          cwd=tmp_path, env={**base, **env}, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("key", [None, "", "  ", PLACEHOLDER, "CHANGE-ME-please"])
def test_production_refuses_a_missing_or_placeholder_secret_key(tmp_path, key):
    env = {"DATABASE_URL": POSTGRES_URL}
    if key is not None:
        env["SECRET_KEY"] = key
    result = serve(tmp_path, **env)
    assert result.returncode != 0
    assert "refusing to start: SECRET_KEY" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert "secrets.token_hex(32)" in result.stderr  # says how to make one


def test_the_placeholder_of_deploy_env_example_is_refused(tmp_path):
    example = (REPO / "deploy.env.example").read_text()
    assert f"SECRET_KEY={PLACEHOLDER}\n" in example
    assert "placeholder" in production_secret_key_problem(
        {"DATABASE_URL": POSTGRES_URL, "SECRET_KEY": PLACEHOLDER})


def test_the_rule_applies_to_postgres_only():
    strong = "9f" * 32
    production = {"DATABASE_URL": POSTGRES_URL, "SECRET_KEY": strong}
    assert production_secret_key_problem(production) is None
    # SQLite (make run) keeps its persisted random key: nothing to refuse.
    assert production_secret_key_problem({"DATABASE_URL": "sqlite:///x.db"}) is None
    assert production_secret_key_problem({}) is None


def test_a_good_key_gets_past_the_check(tmp_path):
    # Port 1 on an unreachable Postgres: it fails later, on the database, not on the key.
    result = serve(tmp_path, DATABASE_URL=POSTGRES_URL, SECRET_KEY="9f" * 32)
    assert "refusing to start" not in result.stderr


@pytest.mark.parametrize(("file_name", "queue"), [("deploy.env", None), (".env", "redis")])
def test_deploy_env_does_not_leak_into_local_commands(tmp_path, monkeypatch, file_name, queue):
    """`cp deploy.env.example deploy.env` beside the code: `pulseboard serve` (make run) and
    `flask run` (make dev) read a .env only, so compose's redis://redis... stays out. The
    `.env` case is the old instruction (`cp .env.example .env`), which hijacked them."""
    monkeypatch.delenv("MESSAGE_QUEUE", raising=False)
    shutil.copy(REPO / "deploy.env.example", tmp_path / file_name)
    server = ServerProcess(tmp_path).start()
    try:
        health = requests.get(f"{server.url}/api/health", timeout=5).json()
        assert health["message_queue"] == queue
    finally:
        server.stop()
