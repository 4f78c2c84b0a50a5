#!/usr/bin/env bash
# Build the stand-in base images the project's Dockerfiles and compose file
# name (python:3.11-slim, node:22-alpine, nginx:1.27-alpine, redis:7-alpine,
# postgres:16-alpine) from Debian packages, in the podman storage of
# scripts/podman-env.sh. No registry is reachable on the test machines; what
# each stand-in is and how it differs: tests/images/standins/README.md.
#
# Cached: the Debian root file system is built once (debootstrap) and each
# stand-in is rebuilt only when its folder (or the host's node) changes.
# Needs root (debootstrap), podman, runc and the Debian mirror (DEBIAN_MIRROR).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/podman-env.sh
source "$repo/scripts/podman-env.sh"
standins="$repo/tests/images/standins"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
debian="localhost/pulseboard-standin/debian:$suite"

declare -A TAG=(
  [python]=docker.io/library/python:3.11-slim
  [node]=docker.io/library/node:22-alpine
  [nginx]=docker.io/library/nginx:1.27-alpine
  [redis]=docker.io/library/redis:7-alpine
  [postgres]=docker.io/library/postgres:16-alpine
)

work="$(mktemp -d "$PB_PODMAN_ROOT/standin-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

label_of() {  # label_of IMAGE LABEL: the label's value, empty when absent
  podman image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

build_debian() {
  if podman image exists "$debian"; then
    return
  fi
  echo "stand-ins: debootstrap $suite from $mirror"
  local rootfs="$work/rootfs"
  debootstrap --variant=minbase --components=main "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log"; exit 1; }
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
EOF
  # Like Docker's Debian images: no services started by packages, no docs.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod +x "$rootfs/usr/sbin/policy-rc.d"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/excludes"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  tar -C "$rootfs" --numeric-owner -c . | podman import \
    --change 'CMD ["bash"]' \
    --change "LABEL io.pulseboard.standin-for=debian:$suite-slim" \
    --quiet - "$debian" >/dev/null
}

context_hash() {  # context_hash DIR EXTRA: what a stand-in is built from
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum
   echo "$2"; podman image inspect --format '{{.Id}}' "$debian") | sha256sum | cut -c1-16
}

build_standin() {  # build_standin NAME
  local name="$1" tag="${TAG[$1]}" context="$work/$1" extra=() version=""
  cp -r "$standins/$name" "$context"
  if [ "$name" = node ]; then
    # The host's node and npm: the only node 20.19+ this machine has.
    cp "$(readlink -f "$(command -v node)")" "$context/node"
    cp -r "$(npm root -g)/npm" "$context/npm"
    rm -f "$context/npm/npmrc"  # the host's built-in npm config stays on the host
    version="$(node --version)"
    extra=(--build-arg "NODE_VERSION=$version")
  fi
  local hash
  hash="$(context_hash "$standins/$name" "$version")"
  if [ "$(label_of "$tag" io.pulseboard.standin.hash)" = "$hash" ]; then
    return
  fi
  echo "stand-ins: building $tag"
  local previous
  previous="$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
  # --network host: apt reaches the Debian mirror the way the host does.
  podman build --quiet --format docker --network host \
    --build-arg "BASE=$debian" "${extra[@]}" \
    --label "io.pulseboard.standin.hash=$hash" \
    --tag "$tag" "$context" >/dev/null
  # The superseded stand-in only (no `image prune`: that would also drop the
  # untagged build-stage images the project's builds take their cache from).
  if [ -n "$previous" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
}

build_debian
for name in python node nginx redis postgres; do
  build_standin "$name"
done
# Untagged build-stage images older than three days (one per change of
# frontend/, ~550 MB each): a newer one stays as the builds' cache.
podman image prune --force --filter until=72h >/dev/null
