#!/usr/bin/env bash
# Builds (once, then cached) a test VM host: a Debian root filesystem with its stock kernel
# (it ships mac80211_hwsim, sch_netem and ipvlan as modules), dockerd, a JRE and the
# wireless tools. Debian packages only; nothing is pulled from a registry. Two hosts:
#   bookworm  Debian 12, docker.io 20.10, kernel 6.1; a shell script is PID 1 (no init
#             system), cgroup v2 mounted by hand, dockerd with the cgroupfs driver, no LSM.
#   trixie    Debian 13, docker.io 26, kernel 6.12; systemd is PID 1 (cgroup v2 and
#             Docker's systemd cgroup driver), AppArmor on with Docker's docker-default.
#   $CIRQUE_VM_CACHE (default /var/cache/cirque-vm)/<recipe>/{vmlinuz,initrd.img,rootfs.img}
# The recipe id covers this script, the host and the guest's boot script, so editing any
# rebuilds. Usage: build-image.sh [bookworm|trixie]. Prints the image directory on stdout;
# progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
host=${1:-bookworm}
cache=${CIRQUE_VM_CACHE:-/var/cache/cirque-vm}
say() { printf '[vm-image %s %s] %s\n' "$host" "$(date +%T)" "$*" >&2; }

# What every guest needs: the kernel (and initramfs-tools to boot it from a virtio disk),
# dockerd, a JRE for the tests, and the tools a WiFi/netem/ipvlan host uses.
common=linux-image-amd64,initramfs-tools,wireless-regdb,docker.io,iw,kmod,iproute2,iptables,iputils-ping,procps
case "$host" in
  bookworm) packages=$common,openjdk-17-jre-headless ;;
  # debootstrap takes no Recommends: docker.io's CLI, AppArmor and the D-Bus that its
  # systemd cgroup driver talks to are named here; Xvnc for the restart sweep's Xvnc node.
  trixie) packages=$common,openjdk-21-jre-headless,docker-cli,systemd-sysv,dbus,apparmor,tigervnc-standalone-server ;;
  *) echo "unknown VM host '$host' (bookworm or trixie)" >&2; exit 1 ;;
esac
mirror=${DEBIAN_MIRROR:-}
recipe_id=$( (cat "$0" "$here/guest-boot.sh"; echo "$host $packages ${mirror:-default}") | sha256sum | cut -c1-16)
out="$cache/$host-$recipe_id"
if [ -s "$out/rootfs.img" ] && [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ -s "$out/kernel.txt" ]; then
  say "VM image up to date ($out)"
  echo "$out"; exit 0
fi

for tool in debootstrap mkfs.ext4; do
  command -v $tool >/dev/null || { echo "$tool not found: apt-get install -y debootstrap e2fsprogs" >&2; exit 1; }
done
mkdir -p "$cache"
root=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$root"' EXIT
say "debootstrap $host with $packages (about two minutes)"
# shellcheck disable=SC2086  # no mirror argument at all when none is set
if ! log=$(debootstrap --variant=minbase --include="$packages" "$host" "$root/fs" $mirror 2>&1); then
  printf '%s\n' "$log" | tail -40 >&2; echo "debootstrap of the VM root failed" >&2; exit 1
fi
fs=$root/fs
kernel=$(ls "$fs"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$fs"/boot/initrd.img-* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$initrd" ] || { echo "the kernel package left no initramfs in $fs/boot" >&2; exit 1; }
for mod in mac80211_hwsim sch_netem ipvlan 9p; do
  find "$fs/lib/modules" -name "$mod.ko*" | grep -q . || { echo "module $mod missing from $(basename "$kernel")" >&2; exit 1; }
done

install -m 0755 "$here/guest-boot.sh" "$fs/sbin/cirque-vm-boot"
echo cirque-vm > "$fs/etc/hostname"
# dockerd inside the VM: no userland proxy (one less process per port under TCG).
mkdir -p "$fs/etc/docker"
echo '{ "userland-proxy": false }' > "$fs/etc/docker/daemon.json"
if [ "$host" = trixie ]; then
  # systemd starts dockerd (docker.io enables its unit) and then the test run, whose output
  # goes to the console the host follows; units a test VM has no use for are masked.
  units=$fs/etc/systemd/system
  cat > "$units/cirque-vm.service" <<'EOF'
[Unit]
Description=cirque-java's tests in the VM
After=docker.service apparmor.service
Wants=docker.service

[Service]
Type=oneshot
ExecStart=/sbin/cirque-vm-boot
# Straight to the serial console, as the bookworm guest's PID 1 writes (no journal prefix).
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TimeoutStartSec=infinity
EOF
  mkdir -p "$units/multi-user.target.wants"
  ln -sf /etc/systemd/system/cirque-vm.service "$units/multi-user.target.wants/cirque-vm.service"
  for unit in getty@tty1.service serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer \
      e2scrub_all.timer fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service; do
    ln -sf /dev/null "$units/$unit"
  done
fi
rm -rf "$fs"/var/cache/apt/archives/*.deb "$fs"/var/lib/apt/lists/*

mkdir -p "$root/out"
cp "$kernel" "$root/out/vmlinuz"
cp "$initrd" "$root/out/initrd.img"
echo "Debian $host, kernel $(basename "$kernel" | sed 's/^vmlinuz-//')" >"$root/out/kernel.txt"
say "making a 6 GiB ext4 root filesystem (sparse)"
if ! o=$(mkfs.ext4 -q -F -L cirque-vm -d "$fs" "$root/out/rootfs.img" 6G 2>&1); then
  printf '%s\n' "$o" >&2; echo "mkfs.ext4 of the VM root failed" >&2; exit 1
fi
rm -rf "$out"; mv "$root/out" "$out"
# Images of this host's older recipes are of no further use (each is over a gigabyte).
find "$cache" -mindepth 1 -maxdepth 1 -type d \( -name "$host-*" -o -regex '.*/[0-9a-f]*' \) \
  ! -name "$host-$recipe_id" -exec rm -rf {} +
say "VM image ready: $out ($(basename "$kernel"))"
echo "$out"
