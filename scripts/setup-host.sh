#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) to run cirque-java and its tests:
# installs what is missing (JDK 17, Maven, docker.io, debootstrap, iptables, tshark, gcc
# for the fast exec's helper, tigervnc-standalone-server and tigervnc-tools for the
# Xvnc capability, chromium and chromium-driver for the live view's browser test),
# starts dockerd if no engine answers, and builds the node images.
# Safe to run again: each step is skipped when already done.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '[setup-host %s] %s\n' "$(date +%T)" "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "run as root (it installs packages and starts dockerd)" >&2
  exit 1
fi

missing=()
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v iptables >/dev/null || missing+=(iptables)
command -v Xvnc >/dev/null || missing+=(tigervnc-standalone-server)   # the Xvnc capability
command -v vncpasswd >/dev/null || missing+=(tigervnc-tools)          # passwords of exposed Xvnc servers
command -v openssl >/dev/null || missing+=(openssl)   # TLS tests make their certificates
command -v ip >/dev/null || missing+=(iproute2)        # IpvLan probing; network tests
command -v tshark >/dev/null || missing+=(tshark)     # tests read the Thread capture with it
command -v cc >/dev/null || missing+=(gcc libc6-dev)   # builds the fast exec's helper (cirque-nsexec)
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)   # the Python example's test
command -v chromium >/dev/null || missing+=(chromium)                  # the live view's browser test
command -v chromedriver >/dev/null || missing+=(chromium-driver)       # drives it (Selenium)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # apt says a lot on stderr that is not an error (debconf, needrestart); keep it for failures.
  if ! out=$(apt-get install -y -qq --no-install-recommends "${missing[@]}" 2>&1); then
    printf "%s\n" "$out" >&2; echo "installing ${missing[*]} failed" >&2; exit 1
  fi
fi

if ! docker info >/dev/null 2>&1; then
  log=/var/log/cirque-dockerd.log
  say "starting dockerd (log: $log)"
  setsid nohup dockerd >"$log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not come up; see $log" >&2; tail -20 "$log" >&2; exit 1; }
fi
say "Docker $(docker version -f '{{.Server.Version}}') is up"

"$top/scripts/build-images.sh"

# With real OpenThread at hand (CIRQUE_OT_BIN_DIR holding ot-daemon and ot-ctl, as CI's
# ../shared/openthread/bin does), the Thread node image too, so the real-radio tests run.
if [ -n "${CIRQUE_OT_BIN_DIR:-}" ] && [ -x "$CIRQUE_OT_BIN_DIR/ot-daemon" ] && [ -x "$CIRQUE_OT_BIN_DIR/ot-ctl" ]; then
  "$top/scripts/build-thread-image.sh" "$CIRQUE_OT_BIN_DIR"
else
  say "CIRQUE_OT_BIN_DIR has no ot-daemon/ot-ctl: cirque/thread-node not built (the real-radio tests will skip)"
fi
