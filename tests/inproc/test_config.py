"""Settings parsing (pulseboard/config.py, settings.py): types, defaults, clear errors."""

import pytest

from pulseboard.config import SettingsError, async_mode, from_environment, load_settings


def test_defaults_are_the_readmes(tmp_path):
    config = from_environment(tmp_path, {})
    assert config["HOST"] == "127.0.0.1" and config["PORT"] == 5000
    assert config["MAX_CONNECTIONS"] == 20_000 and config["MAX_GUEST_CONNECTIONS"] == 5_000
    assert config["MAX_PENDING_SESSIONS"] == 5_000
    assert (config["GUEST_TIMEOUT"], config["PENDING_SESSION_TIMEOUT"]) == (20, 10)
    assert config["TASK_CONCURRENCY"] == 2 and config["TOKEN_MAX_AGE"] == 604_800
    assert config["LOG_LEVEL"] == "INFO" and config["ASYNC_MODE"] is None
    assert config["MESSAGE_QUEUE"] is None and config["CORS_ORIGINS"] == []
    assert config["MAX_PUBLISHED_STREAMS"] == 256
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'pulseboard.db'}"
    assert config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()  # persisted


def test_values_are_typed_and_empty_means_unset(tmp_path):
    config = from_environment(tmp_path, {
        "PORT": "8001", "MAX_CONNECTIONS": "400", "GUEST_TIMEOUT": "2.5", "MESSAGE_QUEUE": "",
        "CORS_ORIGINS": " http://a.test , ,http://b.test", "LOG_LEVEL": "debug",
        "MAX_GUEST_CONNECTIONS": "", "ASYNC_MODE": "gevent", "SECRET_KEY": "s"})
    assert config["PORT"] == 8001 and config["MAX_CONNECTIONS"] == 400
    assert config["MAX_GUEST_CONNECTIONS"] == 100  # a quarter of MAX_CONNECTIONS
    assert config["GUEST_TIMEOUT"] == 2.5 and config["MESSAGE_QUEUE"] is None
    assert config["CORS_ORIGINS"] == ["http://a.test", "http://b.test"]
    assert config["LOG_LEVEL"] == "DEBUG" and config["ASYNC_MODE"] == "gevent"


@pytest.mark.parametrize(("env", "message"), [
    ({"MAX_CONNECTIONS": "abc"}, "MAX_CONNECTIONS: must be an integer (got 'abc')"),
    ({"MAX_CONNECTIONS": "0"}, "MAX_CONNECTIONS: Input should be greater than or equal to 1"),
    ({"PORT": "http"}, "PORT: must be an integer (got 'http')"),
    ({"GUEST_TIMEOUT": "soon"}, "GUEST_TIMEOUT: must be a number (got 'soon')"),
    ({"TASK_CONCURRENCY": "1.5"}, "TASK_CONCURRENCY: must be an integer (got '1.5')"),
    ({"ASYNC_MODE": "asyncio"}, "ASYNC_MODE: must be one of eventlet, gevent, threading"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ({"TRUSTED_PROXIES": "10.0.0.0/8,nginx"}, "TRUSTED_PROXIES: 'nginx' is not a network"),
    ({"LOGIN_USER_RATE_LIMIT": "ten a minute"}, "LOGIN_USER_RATE_LIMIT: must be a rate"),
    ({"CORS_ORIGINS": "*"}, "CORS_ORIGINS: '*' is allowed only in development"),
    ({"MAX_PUBLISHED_STREAMS": "0"}, "MAX_PUBLISHED_STREAMS: Input should be greater than"),
])
def test_an_invalid_value_names_its_variable(env, message):
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    assert message in str(raised.value)


def test_every_invalid_variable_is_named_at_once():
    with pytest.raises(SettingsError) as raised:
        load_settings({"PORT": "x", "TOKEN_MAX_AGE": "y"})
    assert "PORT:" in str(raised.value) and "TOKEN_MAX_AGE:" in str(raised.value)


def test_accepted_values():
    assert load_settings({"CORS_ORIGINS": "*", "FLASK_DEBUG": "1"}).cors_origins == ["*"]
    assert load_settings({"TRUSTED_PROXIES": "none"}).TRUSTED_PROXIES == "none"
    for rate in ("10 per minute", "5/30 seconds", "100 per 10 seconds", "1/day"):
        settings = load_settings({"LOGIN_ADDRESS_RATE_LIMIT": rate})
        assert rate == settings.LOGIN_ADDRESS_RATE_LIMIT


def test_the_async_mode_read_before_monkey_patching_has_the_same_rule():
    assert async_mode({}) is None and async_mode({"ASYNC_MODE": ""}) is None
    assert async_mode({"ASYNC_MODE": "eventlet"}) == "eventlet"
    with pytest.raises(SettingsError, match="ASYNC_MODE: must be one of"):
        async_mode({"ASYNC_MODE": "asyncio"})


def test_the_process_environment_is_read_by_pydantic_settings(monkeypatch):
    monkeypatch.setenv("MAX_CONNECTIONS", "77")
    monkeypatch.setenv("HOST", "")
    settings = load_settings()
    assert settings.MAX_CONNECTIONS == 77 and settings.HOST == "127.0.0.1"
    monkeypatch.setenv("MAX_CONNECTIONS", "lots")
    with pytest.raises(SettingsError, match="MAX_CONNECTIONS: must be an integer"):
        load_settings()
