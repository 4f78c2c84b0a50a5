#!/usr/bin/env bash
# Configure podman through the project's files only: source this file.
#
#   source scripts/podman-env.sh   # then podman / podman-compose as usual
#
# Storage, run state and network definitions go under PB_PODMAN_ROOT
# (default ~/.cache/pulseboard-podman); the machine's /etc/containers is
# neither read for these settings nor written.
_pb_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PB_PODMAN_ROOT="${PB_PODMAN_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/pulseboard-podman}"
mkdir -p "$PB_PODMAN_ROOT/networks" "$PB_PODMAN_ROOT/tmp"
for _pb_conf in containers storage; do
  sed -e "s|@ROOT@|$PB_PODMAN_ROOT|g" -e "s|@HERE@|$_pb_repo/tests/images/podman|g" \
    "$_pb_repo/tests/images/podman/$_pb_conf.conf.in" \
    >"$PB_PODMAN_ROOT/$_pb_conf.conf"
done
export CONTAINERS_CONF="$PB_PODMAN_ROOT/containers.conf"
export CONTAINERS_STORAGE_CONF="$PB_PODMAN_ROOT/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$_pb_repo/tests/images/podman/registries.conf"
unset _pb_repo _pb_conf
