#!/usr/bin/env bash
# Drives a running cirque daemon through Cirque's JSON/HTTP routes with curl, the way
# the Matter harness (CHIPVirtualHome) does: create a home from a topology, look at it,
# run commands, read a log, tear it down. Usage: examples/http-session.sh [BASE_URL]
set -euo pipefail
base=${1:-http://localhost:5000}
here=$(cd "$(dirname "$0")" && pwd)
say() { printf '\n$ %s\n' "$*"; }

say "POST /create_home < matter-topology.json"
home=$(curl -sf -X POST -H 'Content-Type: application/json' --data @"$here/matter-topology.json" "$base/create_home" | tr -d '"')
echo "$home"
trap 'curl -s "$base/destroy_home/$home" >/dev/null' EXIT

say "GET /get_homes"
curl -sf "$base/get_homes"; echo

say "GET /home_devices/$home"
devices=$(curl -sf "$base/home_devices/$home")
echo "$devices"
device=$(printf '%s' "$devices" | grep -o '"id":"[^"]*"' | head -n1 | cut -d'"' -f4)

say "GET /device_state/$home/$device"
curl -sf "$base/device_state/$home/$device"; echo

# The command is the rest of the path: encode spaces, keep slashes.
say "GET /device_cmd/$home/$device/ls -d /etc/apt"
curl -sf "$base/device_cmd/$home/$device/ls%20-d%20/etc/apt?stream=False"; echo

say "GET /device_cmd/.../sh -c 'echo one; sleep 1; echo two'?stream=True   (lines arrive as printed)"
curl -sfN "$base/device_cmd/$home/$device/sh%20-c%20'echo%20one;%20sleep%201;%20echo%20two'?stream=True"

say "GET /device_log/$home/$device?tail=5"
curl -sf "$base/device_log/$home/$device?tail=5"

say "GET /destroy_home/$home"
curl -sf "$base/destroy_home/$home"; echo
trap - EXIT
