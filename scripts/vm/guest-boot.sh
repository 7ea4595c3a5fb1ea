#!/bin/sh
# Starts the test run inside a VM (baked into the image as /sbin/cirque-vm-boot): PID 1 of
# the bookworm guest, which has no init system, and a systemd unit's command in the trixie
# guest. It only mounts what is needed to reach the project over 9p, then hands over to the
# project's own scripts/vm/guest-run.sh, so that changing the test run never rebuilds the
# image. Kernel command line: cirque.project=<host path of the project> cirque.m2=<host path
# of the Maven repository>; both are mounted at the same paths inside, so a class path
# written on the host works unchanged.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The initramfs (or systemd) has mounted these already, except when booted without one.
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
poweroff_now() { sync; echo o > /proc/sysrq-trigger; sleep 30; }
for word in $(cat /proc/cmdline); do
  case "$word" in
    cirque.project=*) project=${word#cirque.project=} ;;
    cirque.m2=*) m2=${word#cirque.m2=} ;;
  esac
done
modprobe 9pnet_virtio 2>/dev/null; modprobe 9p 2>/dev/null
opts=trans=virtio,version=9p2000.L,msize=524288
mkdir -p "$project" && mount -t 9p -o "$opts" project "$project" || { echo "cirque-vm: cannot mount the project share"; poweroff_now; }
if [ -n "$m2" ]; then
  mkdir -p "$m2" && mount -t 9p -o "$opts,ro" m2 "$m2" || { echo "cirque-vm: cannot mount the Maven repository share"; poweroff_now; }
fi
/bin/sh "$project/scripts/vm/guest-run.sh"
echo "cirque-vm: guest run ended ($?), powering off"
poweroff_now
