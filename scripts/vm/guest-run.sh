#!/bin/sh
# Runs inside the test VM, started by its PID 1 (guest-pid1.sh) from the project's 9p share:
# sets up the guest, loads the kernel modules under test, starts dockerd, loads the node
# images the host saved, and runs the JUnit tests tagged "vm". Results go to target/vm/ on
# the share; the host (scripts/vm/run-tests.sh) reads them there.
project=$(cd "$(dirname "$0")/../.." && pwd)
out=$project/target/vm
[ ! -f "$out/env" ] || . "$out/env"   # what the host passes on (CIRQUE_VM_TESTS)
say() { echo "cirque-vm [$(cut -d. -f1 /proc/uptime)s] $*"; }

# /tmp and /run stay on the (throw-away) disk: a tmpfs there would hide the project when it
# lives under them, as a CI checkout in /tmp does.
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
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

say "starting dockerd"
dockerd >"$out/dockerd.log" 2>&1 &
i=0
until docker info >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 240 ]; then say "dockerd did not come up"; tail -20 "$out/dockerd.log"; echo 98 >"$out/result"; exit 1; fi
  sleep 1
done
say "dockerd up; loading images"
docker load -i "$out/images.tar" >/dev/null || { say "docker load failed"; echo 97 >"$out/result"; exit 1; }

cd "$project"
if [ -f "$out/script.sh" ]; then # run-tests.sh --script: a script of the caller's instead of the tests
  say "running $out/script.sh"
  sh "$out/script.sh" 2>&1
  echo $? >"$out/result"
  sync
  exit 0
fi
say "running the tests tagged vm (output: target/vm/junit.log)"
# C1 only: under software emulation the JIT's second tier costs more than it saves.
java -XX:TieredStopAtLevel=1 -Xmx1g -jar "$out/junit-console.jar" execute \
  --disable-banner --details=summary --details-theme=ascii \
  --class-path "$(cat "$out/classpath.txt")" \
  --scan-class-path "$project/cirque-grpc-server/target/test-classes:$project/cirque-sim-wifi/target/test-classes" \
  --include-tag vm --fail-if-no-tests ${CIRQUE_VM_TESTS:+--include-classname "$CIRQUE_VM_TESTS"} \
  --reports-dir "$out/reports" >"$out/junit.log" 2>&1
code=$?
echo $code >"$out/result"
tail -40 "$out/junit.log"
say "tests ended with exit code $code"
sync
