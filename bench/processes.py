"""The processes a benchmark runs: node load generators and resource sampling.

Every process started here is stopped by its context manager, even when a
scenario fails, and every wait has a timeout: a benchmark never hangs.
"""

import contextlib
import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

BENCH = Path(__file__).resolve().parent
GENERATOR = BENCH / "load" / "run.mjs"
NODE_FD_LIMIT = 65_536


class GeneratorError(RuntimeError):
    """A load generator failed, printed an error or did not answer in time."""


def _raise_fd_limit() -> None:
    # Runs in the child before exec: 10,000 sockets need 10,000 descriptors.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = NODE_FD_LIMIT if hard == resource.RLIM_INFINITY else min(NODE_FD_LIMIT, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, target), hard))


def node_binary() -> str:
    """The ``node`` executable, or a clear error if it is missing."""
    node = shutil.which("node")
    if node is None:
        raise GeneratorError("node is not installed: the load generator needs Node.js >= 18")
    if not (BENCH / "node_modules" / "socket.io-client").is_dir():
        raise GeneratorError("bench/node_modules is missing: run `cd bench && npm ci`")
    return node


class Generator:
    """One ``node bench/load/run.mjs`` process and its JSON-lines protocol.

    :param config: the role's configuration (see bench/load/*.mjs); it must
        carry a ``deadline_s`` so the process ends by itself.
    """

    #: Options every generator of this run gets, e.g. ``{"deflate": False}``.
    defaults: dict = {}

    def __init__(self, config: dict):
        config = {**self.defaults, **config}
        self.config = config
        self.lines: queue.Queue = queue.Queue()
        self.errors: list[str] = []
        self.process = subprocess.Popen(
            [node_binary(), str(GENERATOR), json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=BENCH, preexec_fn=_raise_fd_limit, start_new_session=True,
        )
        self.pid = self.process.pid
        threading.Thread(target=self._read, args=(self.process.stdout, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, False), daemon=True).start()

    def _read(self, stream, is_stdout: bool) -> None:
        with stream:  # closed at the end of output, not left to the garbage collector
            for line in stream:
                if not is_stdout:
                    self.errors.append(line.rstrip())
                    continue
                try:
                    message = json.loads(line)
                except ValueError:
                    self.errors.append(line.rstrip())
                    continue
                if message.get("type") == "error":
                    self.errors.append(message.get("message", ""))
                self.lines.put(message)
        if is_stdout:
            self.lines.put({"type": "eof"})

    def expect(self, kind: str, timeout: float) -> dict:
        """Wait for the next message of ``kind`` ("ready" or "result")."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = self.lines.get(timeout=remaining)
            except queue.Empty:
                break
            if message.get("type") == kind:
                return message
            if message.get("type") == "eof":
                raise GeneratorError(
                    f"{self.config['role']} exited before {kind!r}: " + " | ".join(self.errors[-5:])
                )
        raise GeneratorError(f"{self.config['role']}: no {kind!r} within {timeout:.0f}s")

    def command(self, payload: dict) -> None:
        """Send one JSON command on the generator's stdin."""
        self.process.stdin.write(json.dumps(payload) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        """End the process: close stdin, then SIGTERM, then SIGKILL."""
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(5)

    def __enter__(self) -> "Generator":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Sampler:
    """Samples RSS and CPU of some processes (and the host CPU) in a thread.

    :param pids: ``{label: pid}``, e.g. ``{"server": 1234}``.
    :param interval: seconds between samples.
    """

    def __init__(self, pids: dict[str, int], interval: float = 0.5):
        self.interval = interval
        self.processes = {label: psutil.Process(pid) for label, pid in pids.items()}
        self.samples: dict[str, list[tuple[float, float]]] = {label: [] for label in pids}
        self.host_cpu: list[float] = []
        self._known: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self, label: str) -> list[psutil.Process]:
        # A label's process and its children (nginx's work happens in a child);
        # Process objects are kept so that cpu_percent measures between samples.
        root = self.processes[label]
        tree = [root]
        with contextlib.suppress(psutil.Error):
            for child in root.children(recursive=True):
                tree.append(self._known.setdefault(child.pid, child))
        return tree

    def _run(self) -> None:
        for label in self.processes:
            for process in self._tree(label):
                with contextlib.suppress(psutil.Error):
                    process.cpu_percent(None)
        psutil.cpu_percent(None)
        while not self._stop.wait(self.interval):
            self.host_cpu.append(psutil.cpu_percent(None))
            for label in self.processes:
                rss = cpu = 0.0
                for process in self._tree(label):
                    with contextlib.suppress(psutil.Error):
                        rss += process.memory_info().rss
                        cpu += process.cpu_percent(None)
                if rss:
                    self.samples[label].append((rss, cpu))

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def summary(self) -> dict:
        """Per label: peak and last RSS in MB, mean and peak CPU in percent of one core."""
        result = {"host_cpu_mean": _mean(self.host_cpu)}
        for label, samples in self.samples.items():
            if not samples:
                continue
            rss = [s[0] for s in samples]
            cpu = [s[1] for s in samples]
            result[label] = {
                "rss_peak_mb": round(max(rss) / 2**20, 1),
                "rss_last_mb": round(rss[-1] / 2**20, 1),
                "cpu_mean": _mean(cpu),
                "cpu_peak": round(max(cpu), 1),
            }
        return result


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def rss_bytes(pid: int) -> int:
    """The resident set size of one process, in bytes."""
    return psutil.Process(pid).memory_info().rss


class Profiler:
    """``py-spy record`` on one process while the block runs, in raw (collapsed) format.

    :param pid: the process to sample.
    :param output: where py-spy writes the collapsed stacks ("a;b;c count" lines).
    """

    def __init__(self, pid: int, output: Path, rate: int = 100):
        self.output = output
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.process = subprocess.Popen(
            [py_spy, "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate),
             "--nonblocking", "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )

    def __enter__(self) -> "Profiler":
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def top(self, count: int = 12) -> dict:
        """The functions with the most samples: on top of the stack (self) and anywhere."""
        if not self.output.exists():
            return {"error": self.process.stderr.read().decode(errors="replace")[-300:]}
        own: dict[str, int] = {}
        anywhere: dict[str, int] = {}
        total = 0
        for line in self.output.read_text().splitlines():
            stack, _, samples = line.rpartition(" ")
            if not stack or not samples.isdigit():
                continue
            n = int(samples)
            frames = stack.split(";")
            total += n
            own[frames[-1]] = own.get(frames[-1], 0) + n
            for frame in set(frames):
                anywhere[frame] = anywhere.get(frame, 0) + n

        def ranked(table: dict[str, int]) -> list[tuple[str, float]]:
            best = sorted(table.items(), key=lambda item: -item[1])[:count]
            return [(frame, round(100 * n / max(total, 1), 1)) for frame, n in best]

        return {"samples": total, "self_percent": ranked(own), "total_percent": ranked(anywhere)}
