#!/bin/busybox sh
# The checks of the kernel job that need node, run inside the probe guest by its /init (ci/v2-guest-init.sh)
# while the 2.0 module is loaded, after its conformance run: accelctl fuzz and accelctl stress on
# /dev/accel/accel0 (the 2.0 spec, picked from the node) with fixed seeds so that a failure replays, the
# doorbell bench, the foreign-driver checks (vgem, heaps, udmabuf, and the module's own dma-bufs), the
# README's pipeline example (GEM and --sva) and the leak check, with the repository's compiled CLI over 9p.
# Reports go to $1 (packages/kmod/.out); the host (kernel-test.sh) prints one summary line per report. Exit 1 when one of them fails.
OUT=$1; rc=0
cd /repo || exit 1
# Malformed ioctls from the 2.0 spec and abused rings, then processes x queues x commands with clients
# killed at random rounds; each checks leaks itself (GET_INFO free queues, QUERY_MEMORY free, fds).
node tools/accelctl/dist/bin.js fuzz --device /dev/accel/accel0 --seed 1 --inputs 2000 --json > "$OUT/kmod-fuzz.json"
r=$?; echo "guest: fuzz exit $r"; [ $r = 0 ] || rc=1
node tools/accelctl/dist/bin.js stress --device /dev/accel/accel0 --seed 1 --processes 2 --queues 2 \
  --commands 128 --kills 2 --json > "$OUT/kmod-stress.json"
r=$?; echo "guest: stress exit $r"; [ $r = 0 ] || rc=1
node packages/bench/dist/bin.js --device /dev/accel/accel0 --c-baseline "$OUT/pingpong" --iterations 20000 \
  --json > "$OUT/kmod-bench.json"
r=$?; echo "guest: bench exit $r"; [ $r = 0 ] || rc=1
sh packages/kmod/ci/foreign-drivers.sh "$OUT" || rc=1
# The README's two-device pipeline on the real devices: GEM objects shared through PRIME, then process
# memory on SVA-bound files (the mm binding of accel/sva.c).
for mode in gem sva; do
  flag=; [ $mode = sva ] && flag=--sva
  node packages/memory/examples/pipeline.mjs --runtime / $flag > "$OUT/pipeline-$mode.txt" 2>&1
  r=$?; echo "guest: pipeline ($mode) exit $r: $(tail -n 1 "$OUT/pipeline-$mode.txt")"; [ $r = 0 ] || rc=1
done
node packages/kmod/ci/leak-check.mjs || rc=1
exit $rc
