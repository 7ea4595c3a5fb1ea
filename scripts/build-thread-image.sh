#!/usr/bin/env bash
# Builds cirque/thread-node from docker/thread-node with YOUR OpenThread host binaries.
# Usage: scripts/build-thread-image.sh DIR   (DIR holds ot-daemon and ot-ctl, built from
# OpenThread's posix platform with the daemon enabled; see docs/thread.md).
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
if ! o=$(docker build -q -t cirque/thread-node:latest "$ctx" 2>&1); then
  printf '%s\n' "$o" >&2; echo "[build-thread-image] docker build failed" >&2; exit 1
fi
# The binaries must start inside the image: name any shared library they lack there.
missing=$(docker run --rm --entrypoint sh cirque/thread-node:latest -c \
  'ldd /usr/local/bin/ot-daemon /usr/local/bin/ot-ctl | grep "not found" | sort -u' || true)
if [ -n "$missing" ]; then
  echo "[build-thread-image] ot-daemon/ot-ctl cannot start in cirque/thread-node; missing libraries:" >&2
  echo "$missing" >&2
  echo "add the Debian packages that provide them to docker/thread-node/Dockerfile" >&2
  docker rmi -f cirque/thread-node:latest >/dev/null
  exit 1
fi
echo "[build-thread-image] cirque/thread-node:latest ready"
