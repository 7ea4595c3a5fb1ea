#!/usr/bin/env bash
# Runs the tests that need a host this machine is not, inside QEMU VMs booting Debian's stock
# kernels, both at once (one emulated CPU each):
#   bookworm  Debian 12, docker.io 20.10, no init system: the tests tagged "vm" (WiFi over
#             mac80211_hwsim, TrafficControl latency with sch_netem, IpvLan homes).
#   trixie    Debian 13, docker.io 26, systemd, cgroup v2 with Docker's systemd driver,
#             AppArmor: the tests tagged "engine" (the fast exec and its confinement, the IP
#             shaper, bring-up and teardown, warm homes, the restart sweep, the Thread medium).
# The project is shared into each VM over 9p at its own path; node images are carried in
# with docker save/load (the VM has no registry either). Results: target/vm/<host>/.
#   Env: CIRQUE_VM_HOSTS (default "bookworm trixie"),
#        CIRQUE_VM_ACCEL=kvm|tcg (default: kvm if it boots a stock kernel here, else tcg),
#        CIRQUE_VM_CPUS (default 1), CIRQUE_VM_MEMORY (MiB, default 4096),
#        CIRQUE_VM_TIMEOUT (seconds per attempt, default 1500 for bookworm, 2100 for trixie),
#        CIRQUE_VM_CACHE (image cache),
#        CIRQUE_VM_TAG (the JUnit tag expression to run instead of the host's own, e.g. engine-slow),
#        CIRQUE_M2_REPO (Maven's local repository, default ~/.m2/repository),
#        CIRQUE_VM_TESTS (a regular expression of fully qualified test class names, e.g.
#        ".*Wifi.*": only those run).
# Exit code: 0 when every host's tests passed, else the first failing host's (2 when its VM
# could not give a result twice).
# With --script FILE, the VMs run that shell script (after dockerd is up and the images are
# loaded) instead of the tests, and its output is on the console: a way to try things on
# a real wireless kernel or on the other host.
set -euo pipefail
script=
if [ "${1:-}" = --script ]; then script=$(readlink -f "$2"); fi

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/target/vm
say() { printf '[vm %s] %s\n' "$(date +%T)" "$*"; }
junit_platform=1.14.1   # the JUnit platform the project's junit-bom pins
hosts=${CIRQUE_VM_HOSTS:-bookworm trixie}

[ "$(id -u)" = 0 ] || { echo "run as root (it may install QEMU and builds a root filesystem)" >&2; exit 1; }
if ! command -v qemu-system-x86_64 >/dev/null || ! command -v qemu-img >/dev/null || ! command -v mkfs.ext4 >/dev/null; then
  say "installing QEMU"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if ! o=$(apt-get install -y -qq --no-install-recommends qemu-system-x86 qemu-utils e2fsprogs 2>&1); then
    printf '%s\n' "$o" >&2; exit 1
  fi
fi
docker info >/dev/null 2>&1 || { echo "no Docker engine: run scripts/setup-host.sh first (it builds the node images)" >&2; exit 1; }
mkdir -p "$out"

# The hosts' images build while the tests compile (debootstrap is mostly waiting on the mirror).
for host in $hosts; do
  mkdir -p "$out/$host"
  ("$top/scripts/vm/build-image.sh" "$host" >"$out/$host/image.txt" 2>"$out/$host/image.log"; echo $? >"$out/$host/image.rc") &
done

modules=cirque-sim-wifi,cirque-sim-thread,cirque-engine-docker,cirque-grpc-server
say "compiling the tests and writing their class path"
if ! o=$(cd "$top" && mvn -B -q -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/vm-classpath.txt -Dmdep.includeScope=test -pl $modules -am 2>&1); then
  printf '%s\n' "$o" >&2; wait; exit 1
fi
classpath=$top/cirque-grpc-server/target/classes
for m in ${modules//,/ }; do classpath+=":$top/$m/target/test-classes:$(cat "$top/$m/target/vm-classpath.txt")"; done
printf '%s' "$classpath" >"$out/classpath.txt"
m2=${CIRQUE_M2_REPO:-$HOME/.m2/repository}   # Maven's local repository (shared read-only)
console_jar=$m2/org/junit/platform/junit-platform-console-standalone/$junit_platform/junit-platform-console-standalone-$junit_platform.jar
[ -f "$console_jar" ] || (cd "$top" && mvn -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit_platform >/dev/null)
cp "$console_jar" "$out/junit-console.jar"

# Each host's node images, saved once per image set (docker load under TCG takes minutes).
save_images() { # file images...
  local file=$1 ids; shift
  ids=$(docker image inspect -f '{{.Id}}' "$@" | tr '\n' ' ')
  if [ ! -s "$out/$file" ] || [ "$(cat "$out/$file.id" 2>/dev/null)" != "$ids" ]; then
    say "docker save of $*"
    docker save -o "$out/$file" "$@"
    echo "$ids" >"$out/$file.id"
  fi
}
for host in $hosts; do
  case "$host" in
    bookworm) save_images images.tar cirque/generic-node:latest generic_node_image:latest cirque/wifi-ap:latest mac80211_ap_image:latest ;;
    *) save_images images-generic.tar cirque/generic-node:latest generic_node_image:latest ;;
  esac
done
wait   # the images
for host in $hosts; do
  if [ "$(cat "$out/$host/image.rc")" != 0 ]; then cat "$out/$host/image.log" >&2; say "$host: no VM image"; exit 1; fi
done

# Does KVM run a stock kernel here? Some hosts' KVM runs only specially built guests and
# then hangs silently: give it 20 s to print the kernel's banner, else use TCG.
accel=${CIRQUE_VM_ACCEL:-}
if [ -z "$accel" ]; then
  accel=tcg
  kernel=$(tail -1 "$out/$(echo $hosts | cut -d' ' -f1)/image.txt")/vmlinuz
  if [ -w /dev/kvm ]; then
    if timeout 20 qemu-system-x86_64 -accel kvm -m 256 -kernel "$kernel" -append "console=ttyS0 panic=-1" \
        -display none -monitor none -serial stdio -no-reboot 2>/dev/null | grep -q -m1 "Linux version"; then
      accel=kvm
    else
      say "KVM is there but does not boot a stock kernel: software emulation (TCG) instead"
    fi
  fi
fi

attempt() { # host image cpus log
  local host=$1 image=$2 dir=$out/$1 boot
  rm -f "$dir/result" "$dir/disk.qcow2"
  qemu-img create -q -f qcow2 -b "$image/rootfs.img" -F raw "$dir/disk.qcow2"
  # The bookworm guest has no init system: its boot script is PID 1. The trixie one boots
  # systemd, whose unit runs that script.
  case "$host" in
    bookworm) boot="init=/sbin/cirque-vm-boot" ;;
    *) boot="systemd.show_status=0" ;;
  esac
  local args=(-accel "$accel" -m "${CIRQUE_VM_MEMORY:-4096}" -smp "$3" -no-reboot
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img"
    # A lockup ends the VM at once (a panic reboots, -no-reboot turns that into an exit).
    -append "console=ttyS0 root=/dev/vda rw $boot panic=-1 softlockup_panic=1 net.ifnames=0 quiet cirque.project=$top cirque.m2=$m2 cirque.out=$dir"
    -drive "file=$dir/disk.qcow2,format=qcow2,if=virtio"
    -virtfs "local,path=$top,mount_tag=project,security_model=none"
    -virtfs "local,path=$m2,mount_tag=m2,security_model=none,readonly=on"
    -netdev user,id=net0,restrict=on -device virtio-net-pci,netdev=net0
    -display none -monitor none -serial stdio)
  qemu-system-x86_64 "${args[@]}" </dev/null >"$4" 2>&1 &
  local qemu=$! last=0 size now silence=600
  # Follow the console; end a VM whose console is silent for 3 minutes once the guest has
  # spoken (it says "alive" every 20 s), for 10 before (a quiet boot under load: systemd's
  # took over 3 minutes beside a busy host), or that outlives CIRQUE_VM_TIMEOUT.
  local deadline=$(( $(date +%s) + vm_timeout )) quiet_since
  quiet_since=$(date +%s)
  if [ -n "$script" ]; then
    tail --pid=$qemu -n +1 -F "$4" 2>/dev/null | grep --line-buffered -v '^\[ *[0-9.]*\]' | sed -u "s/^/[$host] /" &
  else
    tail --pid=$qemu -n +1 -F "$4" 2>/dev/null | grep --line-buffered "cirque-vm\|Kernel panic\|soft lockup\|tests successful\|tests failed" | sed -u "s/^/[$host] /" &
  fi
  local follower=$!
  while kill -0 $qemu 2>/dev/null; do
    sleep 5
    now=$(date +%s); size=$(stat -c %s "$4")
    if [ "$size" != "$last" ]; then last=$size; quiet_since=$now; fi
    [ "$silence" = 180 ] || ! grep -q "cirque-vm" "$4" || silence=180
    if [ $((now - quiet_since)) -gt "$silence" ] || [ "$now" -gt "$deadline" ]; then
      say "$host: the VM stopped answering: ending it"; kill $qemu 2>/dev/null || true
    fi
  done
  wait $qemu || true
  wait $follower 2>/dev/null || true   # tail --pid ends with QEMU, and grep with it
  [ -s "$dir/result" ]
}

run_host() { # host: boots its VM (once more on no result), leaves its exit code in $dir/code
  local host=$1 dir=$out/$1 image code
  image=$(tail -1 "$dir/image.txt")
  rm -rf "$dir/reports" "$dir"/console*.log "$dir/junit.log" "$dir/dockerd.log" "$dir/script.sh" "$dir/code"
  [ -z "$script" ] || cp "$script" "$dir/script.sh"
  case "$host" in
    bookworm) tag=vm; scan=cirque-grpc-server,cirque-sim-wifi; images=images.tar; vm_timeout=1500 ;;
    # systemd's boot and a daemon started as its own process take minutes under TCG.
    *) tag=engine; scan=cirque-engine-docker,cirque-grpc-server,cirque-sim-thread; images=images-generic.tar; vm_timeout=2100 ;;
  esac
  tag=${CIRQUE_VM_TAG:-$tag}   # e.g. engine-slow: the Debian 13 tests too slow for every CI run
  vm_timeout=${CIRQUE_VM_TIMEOUT:-$vm_timeout}
  local dirs=""; for m in ${scan//,/ }; do dirs+="${dirs:+:}$top/$m/target/test-classes"; done
  printf 'CIRQUE_VM_TAG=%q\nCIRQUE_VM_SCAN=%q\nCIRQUE_VM_IMAGES=%q\nCIRQUE_VM_TESTS=%q\n' "$tag" "$dirs" "$out/$images" "${CIRQUE_VM_TESTS:-}" >"$dir/env"
  say "$host: booting its VM ($accel, $cpus CPUs, $(cat "$image/kernel.txt"), tests tagged $tag)"
  if ! attempt "$host" "$image" "$cpus" "$dir/console.log"; then
    # Seen once in 13 runs with 2 guest CPUs: a guest that locks up while containers start.
    say "$host: the VM gave no result (console: $dir/console.log); once more with 1 CPU"
    attempt "$host" "$image" 1 "$dir/console-retry.log" || { say "$host: no result twice; see $dir/console*.log"; echo 2 >"$dir/code"; return; }
  fi
  rm -f "$dir/disk.qcow2"   # the run's writes (gigabytes of container layers); the base image stays cached
  code=$(cat "$dir/result")
  if [ -n "$script" ]; then say "$host: $(basename "$script") ended with exit code $code"; echo "$code" >"$dir/code"; return; fi
  grep -E "tests (successful|failed|skipped|found)" "$dir/junit.log" | sed "s/^/[vm $host] /" || true
  if [ "$code" = 0 ]; then say "$host: VM tests passed"; else say "$host: VM tests failed (exit $code): $dir/junit.log, $dir/reports"; fi
  echo "$code" >"$dir/code"
}

cpus=${CIRQUE_VM_CPUS:-1}
for host in $hosts; do run_host "$host" & done
wait
status=0
for host in $hosts; do
  code=$(cat "$out/$host/code" 2>/dev/null || echo 2)
  [ "$code" = 0 ] || [ "$status" != 0 ] || status=$code
done
exit "$status"
