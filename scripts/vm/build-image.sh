#!/usr/bin/env bash
# Builds (once, then cached) the test VM: a Debian bookworm root filesystem with a
# stock kernel (it ships mac80211_hwsim, sch_netem and ipvlan as modules), dockerd,
# a JRE and the wireless tools. Debian packages only; nothing is pulled from a registry.
#   $CIRQUE_VM_CACHE (default /var/cache/cirque-vm)/<recipe>/{vmlinuz,initrd.img,rootfs.img}
# The recipe id covers this script and the guest's init, so editing either rebuilds.
# Prints the image directory on stdout; progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${CIRQUE_VM_CACHE:-/var/cache/cirque-vm}
say() { printf '[vm-image %s] %s\n' "$(date +%T)" "$*" >&2; }

# What the guest needs: the kernel (and initramfs-tools to boot it from a virtio disk),
# dockerd, a JRE for the tests, and the tools a WiFi/netem/ipvlan host uses.
packages=linux-image-amd64,initramfs-tools,wireless-regdb,docker.io,openjdk-17-jre-headless,iw,kmod,iproute2,iptables,iputils-ping,procps
mirror=${DEBIAN_MIRROR:-}
recipe_id=$( (cat "$0" "$here/guest-pid1.sh"; echo "$packages ${mirror:-default}") | sha256sum | cut -c1-16)
out="$cache/$recipe_id"
if [ -s "$out/rootfs.img" ] && [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ]; then
  say "VM image up to date ($out)"
  echo "$out"; exit 0
fi

for tool in debootstrap mkfs.ext4; do
  command -v $tool >/dev/null || { echo "$tool not found: apt-get install -y debootstrap e2fsprogs" >&2; exit 1; }
done
mkdir -p "$cache"
root=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$root"' EXIT
say "debootstrap bookworm with $packages (about two minutes)"
# shellcheck disable=SC2086  # no mirror argument at all when none is set
if ! log=$(debootstrap --variant=minbase --include="$packages" bookworm "$root/fs" $mirror 2>&1); then
  printf '%s\n' "$log" | tail -40 >&2; echo "debootstrap of the VM root failed" >&2; exit 1
fi
fs=$root/fs
kernel=$(ls "$fs"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$fs"/boot/initrd.img-* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$initrd" ] || { echo "the kernel package left no initramfs in $fs/boot" >&2; exit 1; }
for mod in mac80211_hwsim sch_netem ipvlan 9p; do
  find "$fs/lib/modules" -name "$mod.ko*" | grep -q . || { echo "module $mod missing from $(basename "$kernel")" >&2; exit 1; }
done

install -m 0755 "$here/guest-pid1.sh" "$fs/sbin/cirque-vm-init"
echo cirque-vm > "$fs/etc/hostname"
# dockerd inside the VM: no userland proxy (one less process per port under TCG).
mkdir -p "$fs/etc/docker"
echo '{ "userland-proxy": false }' > "$fs/etc/docker/daemon.json"
rm -rf "$fs"/var/cache/apt/archives/*.deb "$fs"/var/lib/apt/lists/*

mkdir -p "$root/out"
cp "$kernel" "$root/out/vmlinuz"
cp "$initrd" "$root/out/initrd.img"
say "making a 6 GiB ext4 root filesystem (sparse)"
if ! o=$(mkfs.ext4 -q -F -L cirque-vm -d "$fs" "$root/out/rootfs.img" 6G 2>&1); then
  printf '%s\n' "$o" >&2; echo "mkfs.ext4 of the VM root failed" >&2; exit 1
fi
rm -rf "$out"; mv "$root/out" "$out"
# Images of older recipes are of no further use (each is over a gigabyte).
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$recipe_id" ! -name 'build.*' -exec rm -rf {} +
say "VM image ready: $out ($(basename "$kernel"))"
echo "$out"
