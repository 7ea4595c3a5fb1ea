#!/usr/bin/env bash
# Builds cirque-java's node images without any registry:
#   cirque/base:bookworm     debootstrap --variant=minbase + docker import (cached)
#   cirque/generic-node      docker/generic-node (also tagged generic_node_image)
#   cirque/wifi-ap           docker/wifi-ap      (also tagged mac80211_ap_image)
# A second run with nothing changed takes seconds: the base is kept while its
# recipe is unchanged and docker build reuses its layer cache.
# Env: DEBIAN_MIRROR (default: the one debootstrap knows), FORCE_BASE=1 rebuilds the base.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
base=cirque/base:bookworm
say() { printf '[build-images %s] %s\n' "$(date +%T)" "$*"; }

command -v docker >/dev/null || { echo "docker CLI not found: apt-get install -y docker.io" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "no Docker engine answers: start dockerd first" >&2; exit 1; }

mirror=${DEBIAN_MIRROR:-}
# The base's identity: what it is built from. Changing any of it rebuilds the base.
recipe="debootstrap --variant=minbase bookworm ${mirror:-default mirror}"
recipe_id=$(printf '%s' "$recipe" | sha256sum | cut -c1-16)

have=$(docker image inspect -f '{{ index .Config.Labels "cirque.recipe" }}' "$base" 2>/dev/null || true)
if [ "${FORCE_BASE:-0}" != 1 ] && [ "$have" = "$recipe_id" ]; then
  say "$base is up to date (recipe $recipe_id)"
else
  command -v debootstrap >/dev/null || { echo "debootstrap not found: apt-get install -y debootstrap" >&2; exit 1; }
  root=$(mktemp -d /tmp/cirque-base.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  say "debootstrap bookworm from ${mirror:-the default mirror of debootstrap} into $root (about a minute)"
  # shellcheck disable=SC2086  # no mirror argument at all when none is set
  debootstrap --variant=minbase bookworm "$root" $mirror 2>&1 | while IFS= read -r l; do
    case "$l" in I:\ Retrieving*|I:\ Validating*|I:\ Unpacking\ *|I:\ Configuring\ *|I:\ Extracting\ *) ;; *) say "  $l";; esac
  done
  test -x "$root/bin/bash" || { echo "debootstrap failed: $root/bin/bash missing" >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  say "docker import -> $base"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/bash"]' \
    --change "LABEL cirque.recipe=$recipe_id" \
    --change 'ENV LANG=C.UTF-8' - "$base" >/dev/null
  rm -rf "$root"; trap - EXIT
fi

build() { # name dir alias
  say "docker build $1 (from docker/$2)"
  # The engine's own output is shown only when the build fails (it is noisy otherwise).
  local out
  if ! out=$(docker build --build-arg BASE_IMAGE="$base" -t "$1" "$top/docker/$2" 2>&1); then
    printf '%s\n' "$out" >&2; echo "docker build of $1 failed" >&2; exit 1
  fi
  docker tag "$1" "$3"
  say "  $1 ready, also tagged $3"
}
build cirque/generic-node:latest generic-node generic_node_image:latest
build cirque/wifi-ap:latest wifi-ap mac80211_ap_image:latest
say "done"
