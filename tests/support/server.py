"""Start a real ``pulseboard serve`` process on a free loopback port."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen | None, sig: int = signal.SIGTERM,
                 timeout: float = 10) -> None:
    """Send ``sig`` to ``process`` if it still runs; SIGKILL it after ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the process group ``process`` leads (it was started in its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def wait_for_http(url: str, timeout: float = 30, process: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers 200; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


class ServerProcess:
    """A ``pulseboard serve`` child process with its own database and files.

    :param workdir: a temporary folder for the database, data and log files.
    :param env: extra environment variables (``DATABASE_URL``, ``MESSAGE_QUEUE``...).
    :param command: the command to run instead of ``python -m pulseboard serve``;
        ``{port}`` is replaced by the chosen port.
    """

    def __init__(self, workdir: Path, env: dict | None = None, async_mode: str = "eventlet",
                 command: list[str] | None = None, port: int | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": f"sqlite:///{self.workdir / 'pulseboard.db'}",
            "DATA_FILE": str(self.workdir / "data.json"),
            "CORS_ORIGINS": "http://127.0.0.1:5173",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.async_mode = async_mode
        self.command = command
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "ServerProcess":
        """Start the process and wait until ``/api/health`` answers."""
        command = self.command or [
            sys.executable, "-m", "pulseboard", "serve",
            "--port", "{port}", "--async-mode", self.async_mode,
        ]
        command = [part.replace("{port}", str(self.port)) for part in command]
        with self.log_path.open("ab") as log:  # the child has its own copy of the descriptor
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.workdir, start_new_session=True,
            )
        try:
            wait_for_http(f"{self.url}/api/health", timeout, self.process)
        except BaseException:
            self.stop()  # callers enter their try only once start() has returned
            raise
        return self

    def stop(self, timeout: float = 10) -> None:
        """Terminate the process and its session's others (SIGTERM, then SIGKILL).

        The session matters for ``flask run --reload``: the server is the
        reloader's child, which would outlive a signal to the parent alone.
        """
        process = self.process
        if process is None or process.poll() is not None:
            return
        _signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
        _signal_group(process, signal.SIGKILL)  # whatever is left of the session
        process.wait(timeout)

    def kill(self) -> None:
        """Kill the process at once, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
