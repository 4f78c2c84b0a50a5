"""The Pulseboard benchmark: a node load generator (bench/load) and its Python driver."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The harness runs the tests' own server, stack and client helpers (tests/support).
sys.path.insert(0, str(REPO / "tests"))
