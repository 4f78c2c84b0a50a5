"""Playwright's specs (tests/e2e) in Chromium against a deployed stack.

The specs save screenshots under ``<repo>/docs/screenshots`` (their README
pictures); run from the repository, that would rewrite tracked files. So they
run from a scratch tree laid out like the repository: a copy of tests/e2e
and of the Playwright config, frontend's node_modules and test-support linked.
"""

import os
import shutil
import subprocess
from pathlib import Path

from support.server import REPO

FRONTEND = REPO / "frontend"


def run_playwright(url: str, specs: list[str], workdir: Path,
                   timeout: float = 600) -> subprocess.CompletedProcess:
    """``npx playwright test specs...`` with ``PB_E2E_URL=url``; the finished process."""
    tree = workdir / "repo"
    shutil.copytree(REPO / "tests" / "e2e", tree / "tests" / "e2e")
    (tree / "frontend").mkdir(parents=True)
    for name in ("playwright.config.ts", "package.json"):
        shutil.copy(FRONTEND / name, tree / "frontend" / name)
    for name in ("node_modules", "test-support"):
        (tree / "frontend" / name).symlink_to(FRONTEND / name)
    env = {**os.environ, "PB_E2E_URL": url}
    env.pop("CI", None)  # no retries: a flaky spec must show
    return subprocess.run(
        [str(FRONTEND / "node_modules" / ".bin" / "playwright"), "test", *specs],
        cwd=tree / "frontend", env=env, capture_output=True, text=True, timeout=timeout,
    )
