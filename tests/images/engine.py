"""podman as the tests use it: configured by the project's files, builds through the host's CA.

Everything podman keeps (images, containers, volumes, network definitions)
lives under ``PB_PODMAN_ROOT`` (``~/.cache/pulseboard-podman``), configured by
``scripts/podman-env.sh``; the machine's ``/etc/containers`` is not used.
"""

import json
import os
import shutil
import ssl
import subprocess
from pathlib import Path

from support.server import REPO

PODMAN_ENV_SCRIPT = REPO / "scripts" / "podman-env.sh"
STANDIN_SCRIPT = REPO / "scripts" / "build-standin-bases.sh"
#: Where the build steps see the host's CA bundle: the path Debian and Alpine
#: images (and pip.conf / npmrc below) use.
BUNDLE_IN_BUILD = "/etc/ssl/certs/ca-certificates.crt"


def podman_environment() -> dict:
    """``os.environ`` plus what ``scripts/podman-env.sh`` exports (CONTAINERS_CONF...)."""
    result = subprocess.run(
        ["bash", "-c", f'source "{PODMAN_ENV_SCRIPT}" && env -0'],
        capture_output=True, check=True, timeout=30,
    )
    items = result.stdout.decode().split("\0")
    exported = dict(item.split("=", 1) for item in items if "=" in item)
    keys = [k for k in exported if k.startswith("CONTAINERS_") or k == "PB_PODMAN_ROOT"]
    return {**os.environ, **{k: exported[k] for k in keys}}


def missing_programs() -> list[str]:
    """The programs ``make test-images`` installs that are not here."""
    wanted = ["podman", "runc", "debootstrap"]
    return [name for name in wanted
            if not (shutil.which(name) or Path(f"/usr/sbin/{name}").exists())]


def podman(env: dict, *args: str, check: bool = True,
           timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``podman args...`` in the project's configuration."""
    result = subprocess.run(["podman", *args], env=env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def podman_json(env: dict, *args: str) -> list:
    """``podman args... --format json``, parsed."""
    output = podman(env, *args, "--format", "json").stdout.strip()
    return json.loads(output) if output else []


def build_standin_bases(env: dict) -> None:
    """Build (or find cached) the stand-in base images: scripts/build-standin-bases.sh."""
    result = subprocess.run([str(STANDIN_SCRIPT)], env=env, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, f"stand-in bases failed:\n{result.stdout}\n{result.stderr}"


def host_ca_bundle() -> Path:
    """The CA bundle this machine trusts (its proxy's CA is in it, and only there)."""
    for candidate in (os.environ.get("SSL_CERT_FILE"), ssl.get_default_verify_paths().cafile,
                      "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise AssertionError("no system CA bundle found: set SSL_CERT_FILE")


def _pip_settings() -> dict[str, str]:
    """The host's pip settings (``pip config list``) that also hold inside a build."""
    result = subprocess.run(["python3", "-m", "pip", "config", "list"], capture_output=True,
                            text=True, timeout=60)
    settings = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        name = key.split(".", 1)[-1].strip()
        value = value.strip().strip("'\"")
        # Host paths (find-links, constraint, cert, file:// indexes) do not
        # exist in the build container: only network locations carry over.
        if name == "extra-index-url":
            urls = [u for u in value.split() if u.startswith(("http://", "https://"))]
            if urls:
                settings[name] = " ".join(urls)
        elif name in ("index-url", "trusted-host", "proxy") and not value.startswith("file:"):
            settings[name] = value
        elif name in ("timeout", "default-timeout", "retries"):
            settings["timeout" if name == "default-timeout" else name] = value
    settings["cert"] = BUNDLE_IN_BUILD
    return settings


def _npm_settings() -> dict[str, str]:
    """The host's npm network settings (``npm config get``) for the build."""
    settings = {}
    for name in ("registry", "proxy", "https-proxy", "noproxy"):
        result = subprocess.run(["npm", "config", "get", name], capture_output=True, text=True,
                                timeout=60)
        value = result.stdout.strip()
        if result.returncode == 0 and value and value not in ("null", "undefined"):
            settings[name] = value
    settings["cafile"] = BUNDLE_IN_BUILD
    return settings


def build_options(workdir: Path) -> list[str]:
    """``podman build`` options for the project's images on this machine.

    ``--format docker`` keeps HEALTHCHECK (OCI images have none). The host's
    CA bundle and a pip.conf / npmrc generated from the host's own settings
    are mounted into the build steps only, never into an image: the
    Dockerfiles stay as a user builds them anywhere else.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    pip_conf = workdir / "pip.conf"
    pip_conf.write_text("[global]\n" + "".join(f"{k} = {v}\n" for k, v in _pip_settings().items()))
    npmrc = workdir / "npmrc"
    npmrc.write_text("".join(f"{k}={v}\n" for k, v in _npm_settings().items()))
    return [
        "--format", "docker", "--network", "host",
        "--volume", f"{host_ca_bundle()}:{BUNDLE_IN_BUILD}:ro",
        "--volume", f"{pip_conf}:/etc/pip.conf:ro",
        "--volume", f"{npmrc}:/root/.npmrc:ro",
    ]
