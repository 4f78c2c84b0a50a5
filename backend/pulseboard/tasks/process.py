"""Starting, reading and stopping a task's process group.

Each run is a session leader (``start_new_session``), so its process group
id is its pid and a signal to the group reaches every process it started.
Under ``pulseboard serve`` the ``subprocess`` module is monkey-patched
(eventlet or gevent) and reading a pipe yields to other greenlets; under
``flask run`` each reader is its own thread. Nothing here blocks the server.
"""

import errno
import io
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from .definitions import TaskDefinition

#: Longer lines are cut; the rest of such a line is dropped.
MAX_LINE_BYTES = 8192
TRUNCATED = " …[line truncated]"
PIPE_BUFFER = 64 * 1024
GUARD = str(Path(__file__).with_name("guard.py"))

#: The only variables a task inherits from the server: never SECRET_KEY,
#: DATABASE_URL or anything else the server was configured with.
INHERITED_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE",
                 "TZ", "TMPDIR", "SHELL", "TERM")


def task_environment(definition: TaskDefinition, run_id: int) -> dict:
    """The environment of a run: a few inherited variables, ours, then the task's."""
    env = {key: os.environ[key] for key in INHERITED_ENV if key in os.environ}
    env.setdefault("PATH", os.defpath)
    env.update({
        "PYTHONUNBUFFERED": "1",  # Python tasks' lines arrive as they are printed
        "PULSEBOARD_TASK_ID": str(run_id),
        "PULSEBOARD_TASK_NAME": definition.name,
    })
    env.update(definition.env)
    return env


def check_startable(definition: TaskDefinition, env: dict) -> None:
    """Raise the OSError starting ``definition`` would raise (the guard starts it later)."""
    if definition.cwd is not None and not os.path.isdir(definition.cwd):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), definition.cwd)
    program = definition.command[0]
    if os.sep in program:
        path = program if os.path.isabs(program) else os.path.join(definition.cwd or ".", program)
        if not os.path.exists(path):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
        if not os.access(path, os.X_OK) or os.path.isdir(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), program)
    elif shutil.which(program, path=env.get("PATH")) is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)


def spawn(definition: TaskDefinition, run_id: int) -> subprocess.Popen:
    """Start a run's process in its own session, behind the guard; OSError if it cannot start.

    ``stdin`` is the guard's lifeline (see :mod:`.guard`): keep the returned
    process's ``stdin`` open for as long as the run lives.
    """
    env = task_environment(definition, run_id)
    check_startable(definition, env)
    return subprocess.Popen(
        [sys.executable, "-I", GUARD, *definition.command],
        cwd=definition.cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
        # Explicit: eventlet's green Popen defaults to unbuffered pipes, on
        # which readline() costs one system call per byte.
        bufsize=PIPE_BUFFER,
    )


def signal_group(process: subprocess.Popen, signum: int) -> bool:
    """Send ``signum`` to the run's whole process group; False if none is left."""
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        return False
    except PermissionError:  # the group id was reused by someone else's process
        return False
    return True


def describe_exit(code: int) -> str:
    """``exited with code 3`` or ``killed by signal SIGKILL``."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"killed by signal {name}"
    return f"exited with code {code}"


def iter_lines(pipe, limit: int = MAX_LINE_BYTES):
    """Yield the decoded lines of a binary pipe until EOF.

    Lines longer than ``limit`` bytes are cut and marked; their remainder is
    skipped. Undecodable bytes become U+FFFD rather than stopping the log.
    """
    if not isinstance(pipe, io.BufferedIOBase):
        pipe = io.BufferedReader(pipe, PIPE_BUFFER)
    skipping = False
    for chunk in iter(lambda: pipe.readline(limit), b""):
        complete = chunk.endswith(b"\n")
        if skipping:
            skipping = not complete
            continue
        text = chunk.decode("utf-8", "replace").rstrip("\r\n")
        if not complete and len(chunk) >= limit:
            text += TRUNCATED
            skipping = True
        yield text
