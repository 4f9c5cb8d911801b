#!/bin/busybox sh
# /init of the 16 KiB-page guest (arm64-16k-guest.sh): `probes-v1 page_size` on the 1.0 module (its lines
# prefixed "v1: ", expected to fail), then the 2.0 module's probes (which must pass) and a clean dmesg.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp
echo 3 > /proc/sys/kernel/hung_task_timeout_secs
echo "guest: $(uname -r), $(nproc) cpus, page size $(getconf PAGESIZE 2>/dev/null || echo ?)"
rc=0
if insmod /kmod/openaccel-v1.ko; then
  probes-v1 page_size | sed 's/^/v1: /'
  rmmod openaccel || echo "v1: rmmod failed"
else
  echo "v1: insmod failed"
fi
dmesg -c > /dev/null
for m in $(cat /kmod/order); do insmod /kmod/$m.ko || { echo "v2: insmod $m failed"; rc=1; }; done
if insmod /kmod/openaccel-v2.ko; then
  probes-v2 crc_race page_size smoke defects || rc=1
  fq=$(cat /sys/class/accel/accel0/openaccel/free_queues)
  mq=$(cat /sys/class/accel/accel0/openaccel/max_queues)
  [ "$fq" = "$mq" ] && echo "probe leak.queues pass free_queues $fq of $mq" || { echo "probe leak.queues FAIL free_queues $fq of $mq"; rc=1; }
  if rmmod openaccel; then echo "probe unload.closed pass"; else echo "probe unload.closed FAIL"; rc=1; fi
else
  echo "v2: insmod openaccel-v2 failed"; rc=1
fi
if dmesg | grep -E 'blocked for more than|WARNING:|BUG:|Oops|Call Trace|refcount_t'; then
  echo "v2: dmesg is not clean"; dmesg | tail -60; rc=1
fi
echo "GUEST_RC=$rc"; sync
poweroff -f
