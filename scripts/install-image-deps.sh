#!/usr/bin/env bash
# Install what `make test-images` needs from Debian, only what is missing:
# podman with the runc runtime (crun fails on these machines), netavark and
# aardvark-dns (services find each other by name), debootstrap (the stand-in
# base images). podman-compose comes from PyPI with the dev extras.
# Idempotent; needs root (or sudo) and apt. The test runs podman as root.
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"

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
apt_install "${missing[@]}"
