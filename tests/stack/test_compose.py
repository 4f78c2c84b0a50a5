"""docker-compose.yml, its Dockerfiles and .env.example, checked without an engine.

No Docker engine runs here, so this reads the files the way compose and the
builder would: the structure compose accepts, every reference resolving
(services, build contexts, Dockerfiles, files they COPY, volumes, env
names), and nginx's upstream matching the backend services. When a compose
CLI is installed, ``docker compose config`` validates the file as well.
"""

import re
import shutil
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from support.server import REPO

COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"

SERVICE_KEYS = {
    "build", "image", "command", "entrypoint", "environment", "env_file", "ports", "expose",
    "volumes", "depends_on", "healthcheck", "restart", "hostname", "ulimits", "deploy",
    "networks", "labels", "logging", "stop_grace_period", "user", "working_dir",
}
TOP_LEVEL_KEYS = {"name", "services", "volumes", "networks", "configs", "secrets"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
UPSTREAM_SERVER = re.compile(r"^\s*server ([\w.-]+):(\d+)\b", re.MULTILINE)
INTERPOLATION = re.compile(r"\$\{(\w+)(?:[:?-][^}]*)?\}")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def env_example_names() -> set[str]:
    names = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, _ = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"bad line: {line!r}"
            names.add(name)
    return names


def backend_services(services) -> dict:
    return {name: s for name, s in services.items() if s.get("command") == ["pulseboard", "serve"]}


def dockerfile_of(service) -> Path:
    build = service["build"]
    context = REPO / build["context"]
    return context / build.get("dockerfile", "Dockerfile")


def ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch(path, p) or fnmatch(path, f"{p}/*") or path.startswith(f"{p}/")
               for p in patterns)


def test_structure_is_what_compose_accepts(compose, services):
    assert set(compose) - TOP_LEVEL_KEYS <= {k for k in compose if k.startswith("x-")}
    assert {"nginx", "redis", "postgres"} <= set(services)
    for name, service in services.items():
        assert set(service) <= SERVICE_KEYS, f"{name}: unknown keys {set(service) - SERVICE_KEYS}"
        assert "image" in service or "build" in service, name
        environment = service.get("environment", {})
        assert isinstance(environment, dict), f"{name}: environment must be a mapping"
        assert all(isinstance(v, str) for v in environment.values()), f"{name}: quote values"


def test_references_resolve(compose, services):
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert spec["condition"] in CONDITIONS
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared_volumes, f"{name}: volume {source} not declared"
        if "build" in service:
            assert (REPO / service["build"]["context"]).is_dir()
            assert dockerfile_of(service).is_file(), f"{name}: no {dockerfile_of(service)}"


def test_every_service_has_a_healthcheck(services):
    for name, service in services.items():
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name
    for name, service in backend_services(services).items():
        assert "/api/health" in " ".join(service["healthcheck"]["test"]), name


def test_env_names_exist_in_env_example():
    used = set(INTERPOLATION.findall(COMPOSE.read_text()))
    assert used, "docker-compose.yml takes no settings from .env?"
    assert used <= env_example_names(), f"missing from .env.example: {used - env_example_names()}"


def test_backends_share_queue_database_and_secret(services):
    backends = backend_services(services)
    assert len(backends) >= 2
    environments = [b["environment"] for b in backends.values()]
    for key in ("SECRET_KEY", "DATABASE_URL", "MESSAGE_QUEUE"):
        assert len({env[key] for env in environments}) == 1, f"{key} differs between workers"
    env = environments[0]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert "redis://redis:6379" in env["MESSAGE_QUEUE"]
    assert env["HOST"] == "0.0.0.0"
    for backend in backends.values():
        assert set(backend["depends_on"]) == {"postgres", "redis"}


def test_nginx_upstream_is_the_backend_services(services):
    conf = (REPO / "nginx" / "nginx.conf").read_text()
    upstream = {(host, port) for host, port in UPSTREAM_SERVER.findall(conf)}
    backends = backend_services(services)
    assert upstream == {(name, backends[name]["environment"]["PORT"]) for name in backends}
    assert re.search(r"^\s*hash \$remote_addr consistent;", conf, re.MULTILINE)
    assert not re.search(r"^\s*ip_hash", conf, re.MULTILINE)  # hashes 3 octets only
    assert set(services["nginx"]["depends_on"]) == set(backends)


def test_dockerfiles_build_what_compose_expects(services):
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for name, service in services.items():
        if "build" not in service:
            continue
        dockerfile = dockerfile_of(service).read_text()
        context = REPO / service["build"]["context"]
        for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.MULTILINE):
            for source in sources.split():
                assert (context / source).exists(), f"{name}: COPY {source} is missing"
                assert not ignored(source.rstrip("/"), patterns), f"{name}: {source} ignored"
    nginx = dockerfile_of(services["nginx"]).read_text()
    assert len(re.findall(r"^FROM ", nginx, re.MULTILINE)) >= 2  # builds the SPA, then serves
    assert "npm run build" in nginx and "COPY --from=" in nginx
    assert "COPY nginx/nginx.conf /etc/nginx/nginx.conf" in nginx
    backend = dockerfile_of(services["backend-1"]).read_text()
    assert 'CMD ["pulseboard", "serve"]' in backend


def compose_cli() -> list[str] | None:
    # Compose v2 only: docker-compose 1.x predates parts of the Compose spec used here.
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


def test_docker_compose_config_accepts_it(tmp_path):
    command = compose_cli()
    if command is None:
        pytest.skip("no `docker compose` (v2 plugin) here; the checks above stand in for it")
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    result = subprocess.run(
        [*command, "--project-directory", str(REPO), "--env-file", str(tmp_path / ".env"),
         "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
