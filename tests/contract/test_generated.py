"""The committed contract files are exactly what the models give (CI fails on drift).

``docs/contract.schema.json`` is exported from ``pulseboard.contract``; the
SPA's ``contract.gen.ts`` and ``contract.limits.gen.ts`` are generated from
that schema by ``frontend/scripts/gen-contract.mjs``. Both are regenerated
here into a temporary folder (never over the tracked files) and compared.
``make contract`` rewrites them after a model changes.
"""

import shutil
import subprocess
import sys

import pytest

from support.server import REPO

SCHEMA = REPO / "docs" / "contract.schema.json"
FRONTEND = REPO / "frontend"
TYPES = FRONTEND / "src" / "types"
GENERATED = ("contract.gen.ts", "contract.limits.gen.ts")
HINT = "stale: run `make contract` and commit the result"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A fresh export of the models' schema, written in a temporary folder."""
    out = tmp_path_factory.mktemp("contract") / "contract.schema.json"
    subprocess.run([sys.executable, "-m", "pulseboard.contract.export", str(out)],
                   check=True, cwd=REPO, timeout=120)
    return out


def test_the_committed_schema_is_what_the_models_export(exported):
    assert exported.read_text() == SCHEMA.read_text(), f"docs/contract.schema.json is {HINT}"


def test_exporting_twice_gives_the_same_bytes(exported, tmp_path):
    again = tmp_path / "again.json"
    subprocess.run([sys.executable, "-m", "pulseboard.contract.export", str(again)],
                   check=True, cwd=REPO, timeout=120)
    assert again.read_bytes() == exported.read_bytes()


def test_the_committed_typescript_is_what_the_schema_generates(exported, tmp_path):
    node = shutil.which("node")
    assert node, "node is needed to generate the SPA's contract types"
    assert (FRONTEND / "node_modules" / "json-schema-to-typescript").is_dir(), \
        "json-schema-to-typescript is missing: cd frontend && npm ci"
    subprocess.run([node, "scripts/gen-contract.mjs", "--schema", str(exported),
                    "--out", str(tmp_path)], check=True, cwd=FRONTEND, timeout=120)
    for name in GENERATED:
        assert (tmp_path / name).read_text() == (TYPES / name).read_text(), \
            f"frontend/src/types/{name} is {HINT}"
