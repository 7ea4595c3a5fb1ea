#!/bin/bash
# Starts ot-daemon on the radio at /dev/ttyUSB0, then keeps the container alive.
# Ready when `ot-ctl state` exits 0.
set -u
radio=${THREAD_RADIO:-/dev/ttyUSB0}
for _ in $(seq 1 100); do [ -e "$radio" ] && break; sleep 0.1; done
[ -e "$radio" ] || { echo "no radio at $radio: give the node the Thread capability" >&2; exit 1; }
rm -f /run/openthread-wpan0.sock /run/openthread-wpan0.lock   # a stale socket makes ot-ctl fail
ot-daemon -I wpan0 "spinel+hdlc+uart://$radio?uart-baudrate=115200" &
exec sleep infinity
