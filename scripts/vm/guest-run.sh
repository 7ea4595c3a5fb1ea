#!/bin/sh
# Runs inside a test VM, started by guest-boot.sh from the project's 9p share: sets up the
# guest, loads the kernel modules under test, starts dockerd (where no init system has),
# loads the node images the host saved, and runs the JUnit tests of the host's choice.
# Results go to target/vm/<host>/ on the share (cirque.out on the kernel command line); the
# host (scripts/vm/run-tests.sh) reads them there.
project=$(cd "$(dirname "$0")/../.." && pwd)
out=$(sed -n 's/.*cirque\.out=\([^ ]*\).*/\1/p' /proc/cmdline)
# What the host passes on: CIRQUE_VM_TAG, CIRQUE_VM_SCAN (test class directories),
# CIRQUE_VM_IMAGES (the docker save to load), CIRQUE_VM_TESTS (a class name pattern, or empty).
. "$out/env"
say() { echo "cirque-vm [$(cut -d. -f1 /proc/uptime)s] $*"; }

# /tmp and /run stay on the (throw-away) disk: a tmpfs there would hide the project when it
# lives under them, as a CI checkout in /tmp does.
mkdir -p /dev/pts /dev/shm
mountpoint -q /dev/pts || mount -t devpts devpts /dev/pts
mountpoint -q /dev/shm || mount -t tmpfs tmpfs /dev/shm
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
hostname cirque-vm
ip link set lo up
# QEMU's user-mode NIC (restricted: it reaches nothing outside); IpvLan homes need a parent.
modprobe virtio_net   # no udev here to load the NIC's driver
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2

# A sign of life every 20 s: the host ends a VM whose console stays silent too long.
( while sleep 20; do say "alive"; done ) &

say "kernel $(uname -r); loading mac80211_hwsim (no radios: the daemon makes them), sch_netem, ipvlan"
modprobe mac80211_hwsim radios=0 || say "mac80211_hwsim did not load"
modprobe sch_netem || say "sch_netem did not load"
modprobe ipvlan || say "ipvlan did not load"
# The IP shaper: queued packets, the bridge port match, bridged traffic through iptables.
for m in nfnetlink_queue xt_NFQUEUE xt_physdev br_netfilter; do modprobe $m || say "$m did not load"; done

if [ -d /run/systemd/system ]; then
  say "systemd $(systemctl --version | head -1 | cut -d' ' -f2) is init; it starts dockerd"
  systemctl start docker.service || say "systemctl start docker failed"
else
  say "starting dockerd"
  dockerd >"$out/dockerd.log" 2>&1 &
fi
i=0
until docker info >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 240 ]; then
    say "dockerd did not come up"
    if [ -f "$out/dockerd.log" ]; then tail -20 "$out/dockerd.log"; else journalctl -u docker --no-pager | tail -20; fi
    echo 98 >"$out/result"; exit 1
  fi
  sleep 1
done
say "$(docker info --format 'Docker {{.ServerVersion}}, cgroup v{{.CgroupVersion}} with the {{.CgroupDriver}} driver, security options {{.SecurityOptions}}')"
[ ! -r /sys/module/apparmor/parameters/enabled ] || say "AppArmor enabled: $(cat /sys/module/apparmor/parameters/enabled)"
say "dockerd up; loading images"
docker load -i "$CIRQUE_VM_IMAGES" >/dev/null || { say "docker load failed"; echo 97 >"$out/result"; exit 1; }

cd "$project"
if [ -f "$out/script.sh" ]; then # run-tests.sh --script: a script of the caller's instead of the tests
  say "running $out/script.sh"
  sh "$out/script.sh" 2>&1
  echo $? >"$out/result"
  sync
  exit 0
fi
say "running the tests tagged $CIRQUE_VM_TAG on $(java -version 2>&1 | head -1) (output: $out/junit.log)"
# C1 only: under software emulation the JIT's second tier costs more than it saves.
java -XX:TieredStopAtLevel=1 -Xmx1g -jar "$project/target/vm/junit-console.jar" execute \
  --disable-banner --details=testfeed --details-theme=ascii \
  --class-path "$(cat "$project/target/vm/classpath.txt")" \
  --scan-class-path "$CIRQUE_VM_SCAN" \
  --include-tag "$CIRQUE_VM_TAG" --fail-if-no-tests ${CIRQUE_VM_TESTS:+--include-classname "$CIRQUE_VM_TESTS"} \
  --reports-dir "$out/reports" >"$out/junit.log" 2>&1
code=$?
echo $code >"$out/result"
tail -40 "$out/junit.log"
say "tests ended with exit code $code"
sync
