"""Schema migrations: in step with the models, on SQLite and Postgres, safe to race.

``flask db check`` (Flask-Migrate over Alembic's autogenerate) answers
"new upgrade operations detected" when a model changed without a migration:
this is the test that catches it.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa


def flask_db(tmp_path, database_url, *args, timeout=120):
    """Run ``flask --app pulseboard db ARGS`` against ``database_url``; return the result."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "schema-test",
           "DATA_FILE": str(tmp_path / "data.json")}
    env.pop("MESSAGE_QUEUE", None)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "pulseboard", "db", *args],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=timeout,
    )


def assert_ok(result):
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"


def tables(database_url) -> set[str]:
    engine = sa.create_engine(database_url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def postgres(stack):
    """The stack's Postgres server; each test creates its own databases in it."""
    return stack.postgres


def test_migrations_match_the_models_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert_ok(flask_db(tmp_path, url, "check"))  # start-up migrated it; nothing left over
    assert {"alembic_version", "users"} <= tables(url)


def test_migrations_match_the_models_on_postgres(tmp_path, postgres):
    url = postgres.create_database("schema_check")
    assert_ok(flask_db(tmp_path, url, "check"))
    assert_ok(flask_db(tmp_path, url, "downgrade", "base"))
    assert tables(url) == {"alembic_version"}
    assert_ok(flask_db(tmp_path, url, "check"))  # start-up upgraded it again, cleanly


def test_processes_starting_together_take_turns_migrating(tmp_path):
    # Two workers racing on Postgres is how the stack fixture starts.
    url = f"sqlite:///{tmp_path / 'raced.db'}"
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: flask_db(tmp_path, url, "current"), range(3)))
    for result in results:
        assert_ok(result)
        assert "(head)" in result.stdout
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_a_database_from_before_migrations_is_adopted(tmp_path):
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # what db.create_all() made of users before
        connection.execute(sa.text(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username VARCHAR(32) NOT NULL, "
            "password_hash VARCHAR(256) NOT NULL, created_at DATETIME NOT NULL)"))
        connection.execute(sa.text("CREATE UNIQUE INDEX ix_users_username ON users (username)"))
        connection.execute(sa.text(
            "INSERT INTO users VALUES (1, 'old', 'x', '2024-01-01 00:00:00')"))
    engine.dispose()
    result = flask_db(tmp_path, url, "current")
    assert_ok(result)
    assert "(head)" in result.stdout
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT username FROM users")).scalar() == "old"
    engine.dispose()
