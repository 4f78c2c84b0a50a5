"""The README tells a developer what the code really does (issue: the SPA as people use it).

Each check failed on the README before it was corrected: no LOG_LEVEL or
SPA_DIST, "Node 20" where Vite needs 20.19, no word on PULSEBOARD_BACKEND or
strictPort, and a DESIGN.md cited that is not in the repository.
"""

import json
import re
import subprocess

from pulseboard.settings import Settings
from support.server import REPO

README = (REPO / "README.md").read_text()


def test_every_setting_the_server_reads_is_in_the_readme():
    # Every variable is a field of the typed settings, which config.py alone reads.
    settings = set(Settings.model_fields)
    assert {"LOG_LEVEL", "SPA_DIST", "DATABASE_URL", "MAX_CONNECTIONS"} <= settings
    missing = sorted(name for name in settings if not re.search(rf"`{name}[`=]", README))
    assert missing == []


def test_only_config_py_reads_the_environment():
    readers = [str(path.relative_to(REPO)) for path in (REPO / "backend/pulseboard").rglob("*.py")
               if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text())]
    # tasks/process.py hands a run a few of the process's variables (PATH, HOME...):
    # passing the environment on, not reading a setting.
    assert sorted(readers) == ["backend/pulseboard/config.py",
                               "backend/pulseboard/tasks/process.py"]


def test_the_readme_names_the_node_version_package_json_requires():
    engines = json.loads((REPO / "frontend/package.json").read_text())["engines"]["node"]
    version = engines.lstrip(">=^~ ")
    assert f"Node {version}" in README


def test_the_readme_says_how_to_move_the_dev_ports():
    vite = (REPO / "frontend/vite.config.ts").read_text()
    assert "PULSEBOARD_BACKEND" in vite and "strictPort: true" in vite
    assert "PULSEBOARD_BACKEND" in README and "strictPort" in README


def test_no_tracked_file_cites_a_design_md_the_repository_does_not_have():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    assert "DESIGN.md" not in {name.rsplit("/", 1)[-1] for name in tracked}
    citing = [name for name in tracked
              if name.endswith((".md", ".py", ".ts", ".vue", ".toml", ".yml", ".conf"))
              and name != "tests/dev/test_docs.py"
              and "DESIGN.md" in (REPO / name).read_text(errors="replace")]
    assert citing == [], citing
