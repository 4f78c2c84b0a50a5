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

from images.engine import build_options, podman, podman_json
from support.server import REPO, free_port

COMPOSE_FILE = REPO / "docker-compose.yml"
OVERRIDE_FILE = Path(__file__).with_name("compose.override.yml")
DEPLOY_ENV_EXAMPLE = REPO / "deploy.env.example"
PODMAN_COMPOSE = Path(sys.executable).with_name("podman-compose")
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
        nofile = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
        self.env = {**env, "PB_NOFILE": str(nofile)}
        self.env_file = workdir / "deploy.env"
        self.env_file.write_text(deploy_env(DEPLOY_ENV_EXAMPLE.read_text(), {
            "SECRET_KEY": secrets.token_hex(32),
            "POSTGRES_PASSWORD": secrets.token_hex(12),
            "HTTP_ADDRESS": "127.0.0.1",
            "HTTP_PORT": str(self.port),
            "CORS_ORIGINS": "",
        }))
        self.build_args = shlex.join(build_options(workdir / "build"))
        self.log = workdir / "compose.log"

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
        return project_leftovers(self.env, self.project)

    def remove_everything(self) -> dict[str, list[str]]:
        """``down -v``, then force away whatever it left; return what it left."""
        self.compose("down", "-v", "--timeout", "5", timeout=180, check=False)
        return remove_project(self.env, self.project)


def project_leftovers(env: dict, project: str) -> dict[str, list[str]]:
    """The containers, networks and volumes labelled with compose project ``project``."""
    label = f"label={PROJECT_LABEL}={project}"
    return {
        "containers": [c["Names"][0] for c in podman_json(env, "ps", "-a", "--filter", label)],
        "networks": [n["name"] for n in podman_json(env, "network", "ls", "--filter", label)],
        "volumes": [v["Name"] for v in podman_json(env, "volume", "ls", "--filter", label)],
    }


def remove_project(env: dict, project: str) -> dict[str, list[str]]:
    """Force away every container, network and volume of ``project``; return what there was."""
    left = project_leftovers(env, project)
    if left["containers"]:
        podman(env, "rm", "--force", "--volumes", *left["containers"], check=False)
    if left["networks"]:
        podman(env, "network", "rm", "--force", *left["networks"], check=False)
    if left["volumes"]:
        podman(env, "volume", "rm", "--force", *left["volumes"], check=False)
    return left
