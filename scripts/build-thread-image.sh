#!/usr/bin/env bash
# Builds cirque/thread-node from docker/thread-node with YOUR OpenThread host binaries.
# Usage: scripts/build-thread-image.sh DIR   (DIR holds ot-daemon and ot-ctl, built from
# OpenThread's posix platform with the daemon enabled; see the README's Thread section).
# Needs cirque/base:bookworm (scripts/build-images.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: $0 DIR-with-ot-daemon-and-ot-ctl}
for b in ot-daemon ot-ctl; do
  [ -x "$dir/$b" ] || { echo "$dir/$b is missing or not executable" >&2; exit 1; }
done
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$top"/docker/thread-node/* "$dir/ot-daemon" "$dir/ot-ctl" "$ctx/"
echo "[build-thread-image] docker build cirque/thread-node with $dir/ot-daemon, $dir/ot-ctl"
docker build -q -t cirque/thread-node:latest "$ctx" >/dev/null
echo "[build-thread-image] cirque/thread-node:latest ready"
