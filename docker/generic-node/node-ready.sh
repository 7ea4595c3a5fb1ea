#!/bin/sh
# A generic node's main process: one line in its log once its network is up, then nothing.
echo "cirque node ready: $(hostname) $(hostname -I 2>/dev/null)"
exec sleep infinity
