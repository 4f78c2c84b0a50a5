"""The guard between a worker and a task's process group (stdlib only, run as a script).

``python guard.py <command...>`` becomes the run's session leader, starts
the command in its group and waits for it. Its stdin is a pipe whose other
end only the worker holds and never writes: when the worker dies, even by
``kill -9``, the kernel closes that end, the guard reads EOF and kills the
whole group, grandchildren included. Otherwise a task's children would
outlive a crashed worker (nothing else would ever signal them).

The guard ignores SIGTERM (a cancel signals the group) so that it can
report how the command ended: it exits with the command's code, or dies by
the same signal, so the worker sees the command's own status.
"""

import os
import signal
import subprocess
import sys
import threading


def _watch_worker() -> None:
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    os.killpg(0, signal.SIGKILL)  # the worker is gone: so is everything it started


def main(argv: list[str]) -> int:
    """Run ``argv`` in this process group; exit as it did."""
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_watch_worker, daemon=True).start()
    code = child.wait()
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
