"""create_app() builds an app and changes nothing outside it (issue 15)."""

import atexit
import logging
import signal

from sqlalchemy import create_engine, inspect

from pulseboard import create_app, schema


def test_create_app_migrates_nothing_and_installs_no_process_hooks(tmp_path, monkeypatch):
    registered = []
    real_register = atexit.register

    def recording_register(func, *args, **kwargs):
        registered.append(func)
        return real_register(func, *args, **kwargs)

    monkeypatch.setattr(atexit, "register", recording_register)
    root_handlers = list(logging.getLogger().handlers)
    sigterm = signal.getsignal(signal.SIGTERM)
    url = f"sqlite:///{tmp_path / 'fresh.db'}"

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k",
                      "ASYNC_MODE": "threading", "MESSAGE_QUEUE": None})

    assert logging.getLogger().handlers == root_handlers
    assert signal.getsignal(signal.SIGTERM) == sigterm
    assert not [f for f in registered if getattr(f, "__module__", "").startswith("pulseboard")]
    engine = create_engine(url)
    try:
        assert inspect(engine).get_table_names() == []  # not migrated
        schema.upgrade(app)
        assert "alembic_version" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
