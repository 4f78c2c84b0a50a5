"""The Playwright suite, once, against the two-worker stack behind nginx.

The e2e global setup starts no backend when ``PB_E2E_URL`` is set. Left
out: the specs that start and stop a backend of their own.
The stack's workers read a data file with the keys the e2e Backend writes,
so the dashboard's ``file.*`` specs apply unchanged.
"""

import re

import pytest

from support.playwright import FRONTEND, run_playwright
from support.server import REPO

#: Specs that start (and stop) a backend of their own: nothing of the stack to test.
SKIPPED_SPECS = ("restart.spec.ts", "offline.spec.ts")


@pytest.mark.timeout(1500)  # the whole suite: about 5 minutes here, more on a loaded machine
def test_playwright_suite_passes_against_the_stack(stack):
    assert (FRONTEND / "dist" / "index.html").exists(), "the SPA is not built (make frontend)"
    specs = sorted(p.name for p in (REPO / "tests" / "e2e").glob("*.spec.ts")
                   if p.name not in SKIPPED_SPECS)
    result = run_playwright(stack.nginx.url, specs, timeout=1400)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    ran = re.search(r"(\d+) passed", result.stdout)
    assert ran and int(ran.group(1)) >= len(specs), result.stdout[-2000:]
