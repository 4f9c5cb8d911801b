#!/bin/busybox sh
# /init of the test guest: mount the world, load 9p and openaccel.ko, run the conformance suite, then
# accelctl fuzz and accelctl stress on /dev/openaccel/accel0 with the repository's compiled CLI, check
# leaks, unload, report.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp
for m in netfs 9pnet 9pnet_virtio 9p; do insmod /kmod/$m.ko; done
mkdir -p /repo && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 repo /repo
OUT=/repo/packages/kmod/.out; mkdir -p $OUT; rc=1
echo "guest: $(uname -r), $(nproc) cpus, NUMA nodes: $(ls -d /sys/devices/system/node/node* | wc -l)"
if insmod /repo/packages/kmod/src/openaccel.ko; then
  ls /dev/openaccel/ /sys/class/openaccel/
  cd /repo
  node tools/accelctl/dist/bin.js conformance run --device /dev/openaccel/accel0 --sysfs /sys \
    --manifest packages/kmod/manifest.json --format json --output $OUT/kmod-conformance.json; rc=$?
  # Reliability after conformance, with fixed seeds so that a failure replays: malformed ioctls and abused
  # rings, then processes x queues x commands with clients killed at random rounds; each checks leaks itself.
  node tools/accelctl/dist/bin.js fuzz --device /dev/openaccel/accel0 --seed 1 --inputs 2000 --json > $OUT/kmod-fuzz.json || rc=1
  node tools/accelctl/dist/bin.js stress --device /dev/openaccel/accel0 --seed 1 --processes 2 --queues 2 \
    --commands 128 --kills 2 --json > $OUT/kmod-stress.json || rc=1
  node packages/bench/dist/bin.js --device /dev/openaccel/accel0 --c-baseline $OUT/pingpong --iterations 20000 \
    --json > $OUT/kmod-bench.json || rc=1
  sh packages/kmod/ci/foreign-drivers.sh $OUT || rc=1
  node packages/kmod/ci/leak-check.mjs /dev/openaccel/accel0 || rc=1
  rmmod openaccel || { echo "guest: rmmod openaccel failed: references left"; rc=1; }
fi
dmesg > $OUT/dmesg.txt
echo "GUEST_RC=$rc"; sync
{ [ "$rc" = 0 ] && printf '\000' || printf '\001'; } | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
