"""The compose stack of docker-compose.yml, built and run in podman once per session.

The bases are stand-ins (tests/images/README.md). Every container, network
and volume of the project is removed at the end, also when a test fails or
the run is interrupted (SIGTERM included); a project left by a run that was
killed outright is removed by the next run.
"""

import os
import re
import signal

import pytest

from images.engine import build_standin_bases, missing_programs, podman, podman_environment
from images.stack import PROJECT_LABEL, ComposeStack, remove_project


def _remove_abandoned_projects(env: dict) -> None:
    """Remove stacks of earlier test runs whose pytest process is gone."""
    result = podman(env, "ps", "-a", "--format", f'{{{{ index .Labels "{PROJECT_LABEL}" }}}}',
                    check=False)
    for project in set(result.stdout.split()):
        match = re.fullmatch(r"pbtest(\d+)[0-9a-f]{6}", project)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            remove_project(env, project)


@pytest.fixture(scope="session")
def podman_env() -> dict:
    """The environment podman runs in: the project's configuration, stand-in bases built."""
    if os.environ.get("PB_SKIP_IMAGES") == "1":
        pytest.skip("PB_SKIP_IMAGES=1: the image test is switched off")
    missing = missing_programs()
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: `make test-images` installs them")
    env = podman_environment()
    _remove_abandoned_projects(env)
    build_standin_bases(env)
    return env


@pytest.fixture(scope="session")
def deployment(podman_env, tmp_path_factory):
    """``podman-compose up -d --build`` of docker-compose.yml, every container healthy."""
    stack = ComposeStack(tmp_path_factory.mktemp("compose"), podman_env)
    # pytest's finalizers do not run on SIGTERM by default: make it an exception.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        stack.up("--build")
        yield stack
    finally:
        stack.remove_everything()
        signal.signal(signal.SIGTERM, previous)
        left = stack.leftovers()
        assert not any(left.values()), f"could not remove {left}"


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")
