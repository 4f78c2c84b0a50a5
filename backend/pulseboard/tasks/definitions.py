"""Task definitions: what a client may run, read from the TOML tasks file.

The file (``TASKS_FILE``; ``pulseboard/data/tasks.toml`` ships) has one table
per task; ``docs/tasks.md`` describes every key. Clients only ever name a
task: the command, its directory, environment and timeout come from here.

Three placeholders may appear in ``command``, ``cwd`` and ``env`` values and
are expanded server-side (plain text replacement, nothing else is
interpreted, no shell is involved):

* ``{python}``    the server's own Python interpreter (``sys.executable``);
* ``{demo_dir}``  the folder of the shipped demo task scripts;
* ``{tasks_dir}`` the folder holding the tasks file itself.

The file is re-read when its modification time changes, so editing it
needs no restart; runs already started keep the definition they began with.
"""

import logging
import os
import re
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo_tasks"
TASK_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
KNOWN_KEYS = {"description", "command", "cwd", "env", "timeout", "steps"}
MAX_DECLARED_STEPS = 50


@dataclass(frozen=True)
class TaskDefinition:
    """One runnable task, placeholders already expanded.

    :param command: the argv; ``command[0]`` is looked up on ``PATH``.
    :param timeout: seconds before the run is stopped and fails, or None.
    :param steps: step names declared ahead, shown as ``pending`` until run.
    """

    name: str
    description: str
    command: tuple[str, ...]
    cwd: str | None = None
    env: dict = field(default_factory=dict)
    timeout: float | None = None
    steps: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """The definition object clients see (never the command or env)."""
        return {"name": self.name, "description": self.description,
                "steps": list(self.steps), "timeout": self.timeout}


def expand(value: str, tasks_dir: Path) -> str:
    """Replace the three documented placeholders in ``value``."""
    return (value.replace("{python}", sys.executable)
            .replace("{demo_dir}", str(DEMO_DIR))
            .replace("{tasks_dir}", str(tasks_dir)))


def _strings(value, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of strings")
    return value


def parse_definition(name: str, table: dict, tasks_dir: Path) -> TaskDefinition:
    """Build one definition from its TOML table; raise ValueError if it is wrong."""
    if not TASK_NAME.match(name):
        raise ValueError("names are 1-64 of a-z, 0-9, '_', '.', '-'")
    if not isinstance(table, dict):
        raise ValueError("must be a table")
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    command = _strings(table.get("command"), "command")
    if not command or not command[0]:
        raise ValueError("command must not be empty")
    env = table.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ValueError("env must be a table of strings")
    timeout = table.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)
                                or timeout <= 0):
        raise ValueError("timeout must be a positive number of seconds")
    cwd = table.get("cwd")
    if cwd is not None and not isinstance(cwd, str):
        raise ValueError("cwd must be a string")
    steps = _strings(table.get("steps", []), "steps")[:MAX_DECLARED_STEPS]
    description = table.get("description", "")
    if not isinstance(description, str):
        raise ValueError("description must be a string")
    return TaskDefinition(
        name=name,
        description=description,
        command=tuple(expand(part, tasks_dir) for part in command),
        cwd=expand(cwd, tasks_dir) if cwd else None,
        env={key: expand(value, tasks_dir) for key, value in env.items()},
        timeout=float(timeout) if timeout is not None else None,
        steps=tuple(s[:64] for s in steps),
    )


def load_definitions(path: Path) -> dict[str, TaskDefinition]:
    """Read every valid task of a tasks file; bad entries are logged and skipped."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    tasks = document.get("tasks", {})
    if not isinstance(tasks, dict):
        raise ValueError("[tasks] must be a table")
    definitions = {}
    for name, table in tasks.items():
        try:
            definitions[name] = parse_definition(name, table, path.parent)
        except ValueError as exc:
            log.warning("tasks file %s: task %r skipped: %s", path, name, exc)
    return definitions


class TaskCatalog:
    """The definitions of one tasks file, re-read when the file changes.

    :param path: the tasks file (``TASKS_FILE``).
    """

    def __init__(self, path: str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._definitions: dict[str, TaskDefinition] = {}

    def _current_stamp(self) -> tuple | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def definitions(self) -> dict[str, TaskDefinition]:
        """Every task by name, reloading the file first if it changed."""
        stamp = self._current_stamp()
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                self._definitions = self._reload(stamp)
            return self._definitions

    def _reload(self, stamp) -> dict[str, TaskDefinition]:
        if stamp is None:
            log.warning("tasks file %s does not exist: no tasks can run", self.path)
            return {}
        try:
            return load_definitions(self.path)
        except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
            log.error("tasks file %s could not be read: %s", self.path, exc)
            return {}

    def get(self, name: str) -> TaskDefinition | None:
        """The definition called ``name``, or None."""
        return self.definitions().get(name)
