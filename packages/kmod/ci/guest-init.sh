#!/bin/busybox sh
# /init of the test guest: mount the world, load 9p and openaccel.ko, run the conformance suite on
# /dev/openaccel/accel0 with the repository's compiled runner, check leaks, unload, report.
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
  sh packages/kmod/ci/foreign-drivers.sh $OUT || rc=1
  node packages/kmod/ci/leak-check.mjs /dev/openaccel/accel0 || rc=1
  rmmod openaccel || { echo "guest: rmmod openaccel failed: references left"; rc=1; }
fi
dmesg > $OUT/dmesg.txt
echo "GUEST_RC=$rc"; sync
{ [ "$rc" = 0 ] && printf '\000' || printf '\001'; } | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
