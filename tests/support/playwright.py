"""Playwright's specs (tests/e2e) in Chromium against a deployed stack.

The e2e global setup starts no backend when ``PB_E2E_URL`` is set, so the
specs talk to whatever answers there: nginx in front of two workers (the
stack tests) or the compose stack's nginx container (the image tests).
Screenshots go to the ignored test-output/ folder, so a run leaves the
checkout as it found it.
"""

import os
import signal
import subprocess

from support.server import REPO

FRONTEND = REPO / "frontend"
PLAYWRIGHT = FRONTEND / "node_modules" / ".bin" / "playwright"


def run_playwright(url: str, specs: list[str], timeout: float = 900) -> subprocess.CompletedProcess:
    """``playwright test specs...`` with ``PB_E2E_URL=url``; the finished process.

    Retries are off (``CI`` unset), so a flaky spec shows as a failure. On a
    timeout (or any interruption) the whole process group is killed.
    """
    env = {**os.environ, "PB_E2E_URL": url}
    env.pop("CI", None)
    # Its own process group: on a timeout, Chromium goes with Playwright.
    process = subprocess.Popen([str(PLAYWRIGHT), "test", *specs], cwd=FRONTEND, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
