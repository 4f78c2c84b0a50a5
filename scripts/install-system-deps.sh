#!/usr/bin/env bash
# Install the Debian programs the tests need (nginx, Redis, PostgreSQL,
# Chromium), only those missing. Idempotent; needs root (or sudo) and apt.
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"

declare -A PROGRAM_PACKAGE=(
  [nginx]=nginx
  [redis-server]=redis-server
  [chromium]=chromium
)
missing=()
for program in "${!PROGRAM_PACKAGE[@]}"; do
  command -v "$program" >/dev/null 2>&1 || missing+=("${PROGRAM_PACKAGE[$program]}")
done
# PostgreSQL's server binaries live outside PATH on Debian.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
apt_install "${missing[@]}"
# Debian starts the services it installs; the tests run their own on free ports.
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
for service in nginx redis-server postgresql; do
  $SUDO service "$service" stop >/dev/null 2>&1 || true
done
