"""Throwaway Postgres, Redis and nginx on free loopback ports, in temp dirs.

Each class starts its own process (never the distribution's service), waits
until it answers, and stops it by pid; everything it writes lives in its own
temporary directory, removed on stop. :class:`Stack` mirrors the compose
services process for process: Postgres, Redis, two ``pulseboard serve``
workers and nginx running nginx/nginx.conf.
"""

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import redis

from support.server import REPO, ServerProcess, free_port, stop_process

NGINX_CONF = REPO / "nginx" / "nginx.conf"
E2E_SUPPORT = REPO / "tests" / "e2e" / "support"
#: The built SPA nginx serves; SPA_DIST (as for the backend) points elsewhere.
DIST = Path(os.environ.get("SPA_DIST") or REPO / "frontend" / "dist")


def _wait(condition, timeout: float, what: str, process: subprocess.Popen | None = None,
          log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {process.returncode}\n{detail}")
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready within {timeout}s")


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin directory (Debian layout)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                        else 0)
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class Postgres:
    """A throwaway PostgreSQL cluster: ``initdb`` into a temp dir, ``postgres`` on a free port.

    initdb refuses to run as root, so under root the cluster belongs to the
    ``postgres`` system user. Authentication is ``trust`` on loopback only.
    """

    USER = "pulseboard"

    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/install-system-deps.sh)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pulseboard-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"
        self.process: subprocess.Popen | None = None
        self._user = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            self._user = {"user": account.pw_uid, "group": account.pw_gid}
            os.chown(self.dir, account.pw_uid, account.pw_gid)

    def start(self, timeout: float = 60) -> "Postgres":
        """initdb, start the server and wait until it accepts connections."""
        subprocess.run(
            [self.bin / "initdb", "-D", self.data, "-U", self.USER, "-A", "trust",
             "-E", "UTF8", "--no-sync", "--no-instructions"],
            check=True, capture_output=True, **self._user,
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.bin / "postgres", "-D", self.data, "-p", str(self.port),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}",
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=200"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **self._user,
            )
        _wait(self._accepts, timeout, "postgres", self.process, self.log_path)
        return self

    def _accepts(self) -> bool:
        try:
            with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def dsn(self, database: str) -> str:
        """A libpq connection string for ``database``."""
        return f"host=127.0.0.1 port={self.port} user={self.USER} dbname={database}"

    def create_database(self, name: str) -> str:
        """Create an empty database; return its SQLAlchemy URL (psycopg 3)."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, database: str) -> str:
        """The ``DATABASE_URL`` of ``database``."""
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then remove the cluster."""
        stop_process(self.process, signal.SIGINT)
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """A ``redis-server`` with no persistence on a free loopback port."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pulseboard-redis-"))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> "Redis":
        """Start the server and wait for PING."""
        log = self.dir / "redis.log"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.dir),
             "--logfile", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        _wait(self._pings, timeout, "redis-server", self.process, log)
        return self

    def _pings(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def halt(self) -> None:
        """Stop the server (as an outage would), keeping its port for :meth:`start`."""
        stop_process(self.process)
        self.dir.mkdir(parents=True, exist_ok=True)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it keeps its data and connections but answers nothing."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a :meth:`pause`d server run again (SIGCONT)."""
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        stop_process(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


def render_nginx_conf(source: str, workdir: Path, port: int, backends: list[str],
                      root: Path) -> str:
    """nginx/nginx.conf with only its deployment-specific lines swapped for a test's.

    Each directive replaced must be found exactly as the production file has
    it, so a change there that this does not follow fails loudly here.
    """
    upstream = re.compile(r"^(\s*)server backend-\d+:\d+( [^;]*)?;$", re.MULTILINE)
    found = upstream.findall(source)
    if len(found) != len(backends):
        raise ValueError(f"nginx.conf lists {len(found)} upstream servers, "
                         f"the test runs {len(backends)}")
    addresses = iter(backends)
    source = upstream.sub(lambda m: f"{m.group(1)}server {next(addresses)}{m.group(2) or ''};",
                          source)
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "".join(f"    {kind}_temp_path {workdir / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    swaps = [
        (r"^user \S+;$", user),
        (r"^pid \S+;$", f"pid {workdir / 'nginx.pid'};"),
        (r"^error_log \S+ (\w+);$", f"error_log {workdir / 'error.log'} \\1;"),
        (r"^(\s*)access_log /var/log/nginx/access\.log;$",
         f"\\1access_log {workdir / 'access.log'};"),
        (r"^(\s*)listen 80;$", f"\\1listen 127.0.0.1:{port};"),
        (r"^(\s*)root /usr/share/nginx/html;$", f"\\1root {root};"),
        (r"^http \{$", "http {\n" + temp),
    ]
    for pattern, replacement in swaps:
        source, count = re.subn(pattern, replacement, source, flags=re.MULTILINE)
        if count != 1:
            raise ValueError(f"nginx.conf: expected one line matching {pattern!r}, found {count}")
    return source


class Nginx:
    """nginx running the repository's nginx.conf against local backends.

    :param backends: ``host:port`` of each worker, in the order of the
        upstream's ``server`` lines.
    :param root: the SPA directory to serve (``frontend/dist``).
    """

    def __init__(self, backends: list[str], root: Path = DIST):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="pulseboard-nginx-"))
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(render_nginx_conf(NGINX_CONF.read_text(), self.dir, self.port,
                                               backends, root))
        self.process: subprocess.Popen | None = None

    def _command(self, *extra: str) -> list[str]:
        return ["nginx", "-p", str(self.dir), "-c", str(self.conf),
                "-e", str(self.dir / "error.log"), *extra]

    def start(self, timeout: float = 20) -> "Nginx":
        """Check the config, start nginx in the foreground, wait until it answers."""
        check = subprocess.run(self._command("-t"), capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
        self.process = subprocess.Popen(
            self._command("-g", "daemon off;"), stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        _wait(self._answers, timeout, "nginx", self.process, self.dir / "error.log")
        return self

    def _answers(self) -> bool:
        try:
            with socket_to(self.port):
                return True
        except OSError:
            return False

    def reload(self) -> None:
        """``nginx -s reload``: new workers take new connections, old ones finish theirs."""
        subprocess.run(self._command("-s", "reload"), check=True, capture_output=True)

    def worker_pids(self) -> set[int]:
        """The pids of the master's current children (its worker processes)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(child) for child in children}

    def error_log(self) -> str:
        """What nginx logged so far."""
        path = self.dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Quick shutdown (SIGTERM) and remove the directory."""
        stop_process(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


def socket_to(port: int) -> socket.socket:
    """A connected TCP socket to 127.0.0.1:``port`` (a context manager)."""
    return socket.create_connection(("127.0.0.1", port), timeout=1)


class Stack:
    """Postgres, Redis, two workers and nginx: the compose stack on loopback.

    :param workdir: where the workers keep their data and log files.
    """

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.postgres: Postgres | None = None
        self.redis: Redis | None = None
        self.workers: list[ServerProcess] = []
        self.nginx: Nginx | None = None
        self.database_url = ""
        self.env: dict = {}

    def start(self) -> "Stack":
        """Start every service; on failure stop whatever had started."""
        try:
            self.postgres = Postgres().start()
            self.database_url = self.postgres.create_database("pulseboard")
            self.redis = Redis().start()
            self.env = env = {"DATABASE_URL": self.database_url,
                              "MESSAGE_QUEUE": self.redis.url, **self.shared_files(),
                              # Every test user registers through nginx on loopback:
                              # one client address to the workers, limited per address.
                              "REGISTER_ADDRESS_RATE_LIMIT": "10000 per minute",
                              "LOGIN_ADDRESS_RATE_LIMIT": "10000 per minute"}
            self.workers = [ServerProcess(self.workdir / f"backend-{n}", env=env)
                            for n in (1, 2)]
            self._start_workers(self.workers)
            self.nginx = Nginx([f"127.0.0.1:{w.port}" for w in self.workers])
            self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def shared_files(self) -> dict:
        """The tasks file and the data file both workers read, as compose mounts them.

        The data file has the keys the e2e Backend writes and the tasks file its
        extra ``colours`` task, so the Playwright specs find the same streams and
        tasks on the stack.
        """
        from support.tasks import write_tasks

        data = self.workdir / "data.json"
        data.write_text(json.dumps({"orders_per_minute": 42, "queue": {"depth": 7}}))
        tasks = write_tasks(self.workdir / "tasks")
        # The e2e backend's extra task, for the log viewer's specs.
        with tasks.open("a") as file:
            file.write((E2E_SUPPORT / "colours.toml").read_text())
        shutil.copy(E2E_SUPPORT / "colours.py", tasks.parent / "colours.py")
        return {"TASKS_FILE": str(tasks), "DATA_FILE": str(data), "TASK_CONCURRENCY": "2",
                "ALERTS_FILE": str(E2E_SUPPORT / "alerts.toml")}  # alerts.spec.ts's rule

    @staticmethod
    def _start_workers(workers: list[ServerProcess]) -> None:
        # Both at once, as compose starts them: they race for the migration lock.
        with ThreadPoolExecutor(len(workers)) as pool:
            starts = [pool.submit(worker.start, 60) for worker in workers]
            for worker, started in zip(workers, starts, strict=True):
                try:
                    started.result()
                except Exception as exc:
                    raise RuntimeError(f"{exc}\n{worker.log()[-3000:]}") from exc

    def extra_worker(self, name: str, **env) -> ServerProcess:
        """One more worker beside the two, ``env`` overriding theirs (the caller stops it)."""
        worker = ServerProcess(self.workdir / name, env={**self.env, **env})
        try:
            return worker.start(60)
        except Exception as exc:
            worker.stop()
            raise RuntimeError(f"{exc}\n{worker.log()[-3000:]}") from exc

    def behind_nginx(self) -> ServerProcess:
        """The worker nginx sends this host's requests to (sticky by address)."""
        import requests

        body = requests.get(f"{self.nginx.url}/api/health", timeout=5).json()
        return self.worker_by_pid(int(body["worker"].rsplit(":", 1)[1]))

    def spare(self) -> ServerProcess:
        """The worker nginx does not send this host to: killing it leaves nginx's clients be."""
        front = self.behind_nginx()
        return next(w for w in self.workers if w is not front)

    def worker_by_pid(self, pid: int) -> ServerProcess:
        """The worker whose process id is ``pid``."""
        return next(w for w in self.workers if w.process.pid == pid)

    def stop(self) -> None:
        """Stop everything that runs, in reverse order."""
        if self.nginx:
            self.nginx.stop()
        for worker in self.workers:
            worker.stop()
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()
