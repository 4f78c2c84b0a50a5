"""docker-compose.yml run by podman-compose, the way docs/deploy.md tells an operator to.

One :class:`ComposeStack` is one compose project with a unique name (so its
own network ``<project>_default`` and volume ``<project>_postgres-data``),
its own ``deploy.env`` (fresh secrets, nginx published on 127.0.0.1 at a free
port) and tests/images/compose.override.yml for the open-file limit.
"""

import os
import resource
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from images.engine import build_options, podman, podman_json
from support.server import REPO, free_port

COMPOSE_FILE = REPO / "docker-compose.yml"
OVERRIDE_FILE = Path(__file__).with_name("compose.override.yml")
DEPLOY_ENV_EXAMPLE = REPO / "deploy.env.example"
OVERRIDE_NOFILE = 20000  # compose.override.yml's limit
PODMAN_COMPOSE = Path(sys.executable).with_name("podman-compose")
LOGS = REPO / "test-output" / "images"  # kept after the run (gitignored)
PROJECT_LABEL = "io.podman.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


def deploy_env(example: str, values: dict[str, str]) -> str:
    """``example`` (deploy.env.example's text) with ``values`` put in, as an operator edits it."""
    lines, seen = [], set()
    for line in example.splitlines():
        name = line.partition("=")[0]
        if not line.startswith("#") and name in values:
            line = f"{name}={values[name]}"
            seen.add(name)
        lines.append(line)
    lines += [f"{name}={value}" for name, value in values.items() if name not in seen]
    return "\n".join(lines) + "\n"


class ComposeStack:
    """The compose project of one test session; every call logs to ``workdir/compose.log``."""

    def __init__(self, workdir: Path, env: dict):
        self.workdir = workdir
        self.project = f"pbtest{os.getpid()}{secrets.token_hex(3)}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        assert hard == resource.RLIM_INFINITY or hard >= OVERRIDE_NOFILE, (
            f"compose.override.yml asks {OVERRIDE_NOFILE} open files; this host grants {hard}")
        self.env = env
        self.env_file = workdir / "deploy.env"
        self.env_file.write_text(deploy_env(DEPLOY_ENV_EXAMPLE.read_text(), {
            "SECRET_KEY": secrets.token_hex(32),
            "POSTGRES_PASSWORD": secrets.token_hex(12),
            "HTTP_ADDRESS": "127.0.0.1",
            "HTTP_PORT": str(self.port),
        }))
        self.build_args = shlex.join(build_options(workdir / "build"))
        self.log = LOGS / self.project / "compose.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        #: Every volume a container of the project mounted, anonymous ones
        #: (an image's VOLUME, e.g. redis's /data) included: they carry no label.
        self.volumes_seen: set[str] = set()

    def compose(self, *args: str, timeout: float = 120,
                check: bool = True) -> subprocess.CompletedProcess:
        """``podman-compose ... args``: the project's files, its env file, no pod."""
        command = [str(PODMAN_COMPOSE), "--project-name", self.project, "--in-pod", "false",
                   "--env-file", str(self.env_file),
                   "-f", str(COMPOSE_FILE), "-f", str(OVERRIDE_FILE),
                   f"--podman-build-args={self.build_args}", *args]
        started = time.monotonic()
        result = subprocess.run(command, cwd=REPO, env=self.env, capture_output=True, text=True,
                                timeout=timeout)
        with self.log.open("a") as log:
            log.write(f"$ podman-compose {' '.join(args)}  # {time.monotonic() - started:.1f} s, "
                      f"exit {result.returncode}\n{result.stdout}\n{result.stderr}\n")
        if check and result.returncode != 0:
            raise AssertionError(f"podman-compose {' '.join(args)} failed ({result.returncode}); "
                                 f"see {self.log}:\n{result.stderr[-3000:]}")
        return result

    def up(self, *options: str, timeout: float = 900, healthy_within: float = 240) -> None:
        """``up -d [options]``, then wait until every container is healthy.

        podman runs no healthcheck timers without systemd: while ``up`` runs
        (a podman-compose that honours ``condition: service_healthy`` waits on
        them) and after it, the checks are run here with ``podman healthcheck run``.
        """
        done = threading.Event()
        poller = threading.Thread(target=self._check_health_until, args=(done,), daemon=True)
        poller.start()
        try:
            self.compose("up", "-d", *options, timeout=timeout)
        finally:
            done.set()
            poller.join()
        self.wait_healthy(healthy_within)
        self.volumes_seen |= self.mounted_volumes()
        self.wait_serving()

    def wait_serving(self, timeout: float = 60) -> None:
        """Until nginx answers /api/health from a worker.

        nginx may have started before the workers listened (podman-compose
        older than podman 4.6 cannot wait for `service_healthy`) and then
        takes them out for `fail_timeout` (10 s).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/health", timeout=3).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise AssertionError(f"nginx did not serve /api/health within {timeout} s")

    def mounted_volumes(self) -> set[str]:
        """The volumes the project's containers mount (named and anonymous)."""
        names = [c["Names"][0] for c in self.containers()]
        inspected = podman_json(self.env, "inspect", *names) if names else []
        return {mount["Name"] for container in inspected for mount in container["Mounts"]
                if mount.get("Type") == "volume"}

    def down(self, *options: str) -> None:
        """``down [options]`` (``-v`` also removes the Postgres volume)."""
        self.compose("down", *options, timeout=180)

    # -- containers ---------------------------------------------------------

    def containers(self) -> list[dict]:
        """Every container of the project, running or not (``podman ps -a``)."""
        return podman_json(self.env, "ps", "-a",
                           "--filter", f"label={PROJECT_LABEL}={self.project}")

    def container(self, service: str) -> str:
        """The name of ``service``'s container."""
        names = [c["Names"][0] for c in self.containers()
                 if c["Labels"].get(SERVICE_LABEL) == service]
        assert len(names) == 1, f"{service}: containers {names}"
        return names[0]

    def inspect(self, service: str) -> dict:
        """``podman inspect`` of ``service``'s container."""
        return podman_json(self.env, "inspect", self.container(service))[0]

    def exec(self, service: str, *command: str) -> subprocess.CompletedProcess:
        """Run ``command`` in ``service``'s container (as its user)."""
        return podman(self.env, "exec", self.container(service), *command)

    def logs(self, service: str) -> str:
        """What ``service``'s container wrote so far."""
        result = podman(self.env, "logs", self.container(service), check=False)
        return result.stdout + result.stderr

    def crash(self, service: str) -> int:
        """SIGKILL ``service``'s main process from the host, as the OOM killer would; its pid.

        Not ``podman kill``: podman counts that as stopped by the user, and
        ``restart: unless-stopped`` would rightly leave it down.
        """
        pid = self.inspect(service)["State"]["Pid"]
        assert pid > 0, f"{service} is not running"
        os.kill(pid, signal.SIGKILL)
        return pid

    def healthy(self, name: str) -> bool:
        """Run the container's healthcheck once (podman has no timers here): passed?"""
        return podman(self.env, "healthcheck", "run", name, check=False, timeout=30).returncode == 0

    def _check_health_until(self, done: threading.Event) -> None:
        while not done.wait(2):
            for container in self.containers():
                if container["State"] == "running":
                    self.healthy(container["Names"][0])

    def wait_healthy(self, timeout: float = 240) -> None:
        """Until every container of the project is running and passes its healthcheck."""
        deadline = time.monotonic() + timeout
        while True:
            containers = self.containers()
            waiting = [c["Names"][0] for c in containers
                       if c["State"] != "running" or not self.healthy(c["Names"][0])]
            if containers and not waiting:
                return
            if time.monotonic() > deadline:
                details = "\n".join(f"--- {name}\n{self._tail_logs(name)}" for name in waiting)
                raise AssertionError(f"not healthy after {timeout} s: {waiting}\n{details}")
            time.sleep(1)

    def _tail_logs(self, name: str) -> str:
        result = podman(self.env, "logs", "--tail", "40", name, check=False)
        return result.stdout + result.stderr

    # -- cleaning up --------------------------------------------------------

    def leftovers(self) -> dict[str, list[str]]:
        """The project's containers, networks and volumes that still exist."""
        left = project_leftovers(self.env, self.project)
        existing = {v["Name"] for v in podman_json(self.env, "volume", "ls")}
        left["volumes"] = sorted(set(left["volumes"]) | (self.volumes_seen & existing))
        return left

    def remove_everything(self) -> dict[str, list[str]]:
        """``down -v``, then force away whatever it left; return what it left."""
        self.volumes_seen |= self.mounted_volumes()
        self.compose("down", "-v", "--timeout", "5", timeout=180, check=False)
        left = self.leftovers()
        remove_project(self.env, self.project, extra_volumes=left["volumes"])
        return left


def project_leftovers(env: dict, project: str) -> dict[str, list[str]]:
    """The containers, networks and volumes labelled with compose project ``project``."""
    label = f"label={PROJECT_LABEL}={project}"
    return {
        "containers": [c["Names"][0] for c in podman_json(env, "ps", "-a", "--filter", label)],
        "networks": [n["name"] for n in podman_json(env, "network", "ls", "--filter", label)],
        "volumes": [v["Name"] for v in podman_json(env, "volume", "ls", "--filter", label)],
    }


def remove_project(env: dict, project: str, extra_volumes=()) -> dict[str, list[str]]:
    """Force away every container, network and volume of ``project``; return what there was."""
    left = project_leftovers(env, project)
    left["volumes"] = sorted(set(left["volumes"]) | set(extra_volumes))
    if left["containers"]:
        podman(env, "rm", "--force", "--volumes", *left["containers"], check=False)
    if left["networks"]:
        podman(env, "network", "rm", "--force", *left["networks"], check=False)
    if left["volumes"]:
        podman(env, "volume", "rm", "--force", *left["volumes"], check=False)
    return left
