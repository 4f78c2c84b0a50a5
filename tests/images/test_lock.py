"""backend/*.lock agree with backend/pyproject.toml and with each other (`make lock`)."""

import re
import tomllib

from support.server import REPO

BACKEND = REPO / "backend"
PIN = re.compile(r"^([A-Za-z0-9_.\[\]-]+)==([^\s;]+)", re.MULTILINE)


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def pins(text: str) -> dict[str, str]:
    return {normal(name): version for name, version in PIN.findall(text)}


def test_every_pin_of_pyproject_is_in_the_dev_lock():
    project = tomllib.loads((BACKEND / "pyproject.toml").read_text())["project"]
    wanted = pins("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
    locked = pins((BACKEND / "requirements-dev.lock").read_text())
    stale = {name: (version, locked.get(name)) for name, version in wanted.items()
             if locked.get(name) != version}
    assert not stale, f"run `make lock`: pyproject vs lock {stale}"


def test_the_image_lock_is_the_dev_lock_minus_dev_tools():
    runtime = pins((BACKEND / "requirements.lock").read_text())
    dev = pins((BACKEND / "requirements-dev.lock").read_text())
    assert {name: dev.get(name) for name in runtime} == runtime
    assert "pytest" not in runtime and "podman-compose" not in runtime
    assert {"flask-socketio", "eventlet", "psycopg", "setuptools"} <= set(runtime)
