#!/usr/bin/env bash
# Install what `make test-images` needs from Debian, only what is missing:
# podman with the runc runtime (crun fails on these machines), netavark and
# aardvark-dns (services find each other by name), debootstrap (the stand-in
# base images). podman-compose comes from PyPI with the dev extras.
# Idempotent; needs root (or sudo) and apt. The test runs podman as root.
set -euo pipefail

declare -A PROGRAM_PACKAGE=(
  [podman]=podman
  [runc]=runc
  [debootstrap]=debootstrap
  [/usr/lib/podman/netavark]=netavark
  [/usr/lib/podman/aardvark-dns]=aardvark-dns
  [iptables]=iptables
)
missing=()
for program in "${!PROGRAM_PACKAGE[@]}"; do
  if [[ "$program" == /* ]]; then
    [ -x "$program" ] || missing+=("${PROGRAM_PACKAGE[$program]}")
  else
    command -v "$program" >/dev/null 2>&1 || [ -x "/usr/sbin/$program" ] \
      || missing+=("${PROGRAM_PACKAGE[$program]}")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5 6; do  # another apt run may hold the dpkg lock for a while
  if $SUDO apt-get update -qq && \
     $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    exit 0
  fi
  echo "apt-get failed (attempt $attempt), retrying in 20 s" >&2
  sleep 20
done
exit 1
