"""Cheap checks of docker-compose.yml, its Dockerfiles and deploy.env.example, in seconds.

The real test builds both images and runs the compose file in podman
(tests/images, `make test-images`). These few catch, without an engine, what
that test would only find after minutes of building: settings and files that
do not agree with each other.
"""

import json
import re
from fnmatch import fnmatch

import pytest
import yaml

from support.server import REPO

COMPOSE = REPO / "docker-compose.yml"
DEPLOY_ENV_EXAMPLE = REPO / "deploy.env.example"
UPSTREAM_SERVER = re.compile(r"^\s*server ([\w.-]+):(\d+)\b", re.MULTILINE)
INTERPOLATION = re.compile(r"\$\{(\w+)(?:[:?-][^}]*)?\}")


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load(COMPOSE.read_text())["services"]


def backend_services(services) -> dict:
    return {name: s for name, s in services.items() if s.get("command") == ["pulseboard", "serve"]}


def test_every_setting_compose_reads_is_in_deploy_env_example():
    names = {line.partition("=")[0] for line in DEPLOY_ENV_EXAMPLE.read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    used = set(INTERPOLATION.findall(COMPOSE.read_text()))
    assert used and used <= names, f"missing from deploy.env.example: {used - names}"


def test_backends_share_queue_database_and_secret(services):
    environments = [b["environment"] for b in backend_services(services).values()]
    assert len(environments) >= 2
    for key in ("SECRET_KEY", "DATABASE_URL", "MESSAGE_QUEUE"):
        assert len({env[key] for env in environments}) == 1, f"{key} differs between workers"


def test_nginx_upstream_is_the_backend_services(services):
    conf = (REPO / "nginx" / "nginx.conf").read_text()
    upstream = set(UPSTREAM_SERVER.findall(conf))
    backends = backend_services(services)
    assert upstream == {(name, backends[name]["environment"]["PORT"]) for name in backends}
    assert set(services["nginx"]["depends_on"]) == set(backends)


def test_what_the_images_copy_is_in_the_build_context(services):
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for name, service in services.items():
        if "build" not in service:
            continue
        context = REPO / service["build"]["context"]
        dockerfile = (context / service["build"]["dockerfile"]).read_text()
        for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.MULTILINE):
            for source in sources.split():
                assert (context / source).exists(), f"{name}: COPY {source} is missing"
                assert not any(fnmatch(source.rstrip("/"), p) or source.startswith(f"{p}/")
                               for p in patterns), f"{name}: COPY {source} is .dockerignored"


def test_the_spa_build_needs_nothing_outside_frontend():
    # The nginx image copies only frontend/ (issue: `npm run build` type-checked ../tests/e2e).
    build = json.loads((REPO / "frontend" / "package.json").read_text())["scripts"]["build"]
    assert "../" not in build, build
