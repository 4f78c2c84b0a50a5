"""The Playwright suite, once, against the two-worker stack behind nginx.

The e2e global setup starts no backend when ``PB_E2E_URL`` is set. Left
out: ``restart.spec.ts``, which starts and restarts a backend of its own.
The stack's workers read a data file with the keys the e2e Backend writes,
so the dashboard's ``file.*`` specs apply unchanged.
"""

import os
import re
import shutil
import subprocess

import pytest

from support.server import REPO

FRONTEND = REPO / "frontend"
SCREENSHOTS = REPO / "docs" / "screenshots"
SKIPPED_SPECS = ("restart.spec.ts",)


def test_playwright_suite_passes_against_the_stack(stack, tmp_path):
    if shutil.which("npx") is None or not (FRONTEND / "node_modules").is_dir():
        pytest.skip("the frontend is not installed (cd frontend && npm ci)")
    if not (FRONTEND / "dist" / "index.html").exists():
        pytest.skip("the SPA is not built (cd frontend && npm run build)")
    specs = sorted(p.name for p in (REPO / "tests" / "e2e").glob("*.spec.ts")
                   if p.name not in SKIPPED_SPECS)
    # The specs save README screenshots into docs/screenshots: put the tracked
    # ones back afterwards, so this run leaves the work tree as it found it.
    saved = tmp_path / "screenshots"
    shutil.copytree(SCREENSHOTS, saved)
    try:
        result = subprocess.run(
            ["npx", "playwright", "test", *specs],
            cwd=FRONTEND, env={**os.environ, "PB_E2E_URL": stack.nginx.url},
            capture_output=True, text=True, timeout=900,
        )
    finally:
        shutil.rmtree(SCREENSHOTS)
        shutil.copytree(saved, SCREENSHOTS)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    ran = re.search(r"(\d+) passed", result.stdout)
    assert ran and int(ran.group(1)) >= len(specs), result.stdout[-2000:]
