#!/bin/busybox sh
# /init of the kmod mutation guest (run.mjs): loads the DRM and crypto modules once, then for each module
# /mut/I.ko from oa_start= on the kernel command line: insmod, the 2.0 probes, rmmod, dmesg. One
# "kmut: end I ..." line per module on the console; the host reads only kmut: lines. After a mutant that
# leaves the kernel suspect (dmesg not clean, rmmod refused, insmod refused) the guest powers off and the
# host boots a new one from the next mutant, so no mutant is judged on a kernel an earlier one damaged.
# With oa_mode=suite (stage 2) it mounts the repository over 9p (read-only) and guest-suite.mjs runs the
# Node 2.0 conformance suite on the modules of oa_list= instead.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp
echo 3 > /proc/sys/kernel/hung_task_timeout_secs
for m in $(cat /kmod/order); do insmod "/kmod/$m.ko" || echo "kmut: setup insmod $m failed"; done
if grep -q 'oa_mode=suite' /proc/cmdline; then
  for m in netfs 9pnet 9pnet_virtio 9p; do insmod "/kmod/9p/$m.ko" || echo "kmut: setup insmod $m failed"; done
  mkdir -p /repo && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro repo /repo
  dmesg -c > /dev/null
  (cd /tmp && node /repo/tools/mutation/kmod/guest-suite.mjs drive)
  echo "kmut: stop"; sync
  poweroff -f
fi
start=$(sed -n 's/.*oa_start=\([0-9]*\).*/\1/p' /proc/cmdline)
n=$(cat /mut/count)
i=${start:-0}
dmesg -c > /dev/null
echo "kmut: ready $i $n"
while [ "$i" -lt "$n" ]; do
  echo "kmut: begin $i"
  if ! insmod "/mut/$i.ko" 2>/tmp/insmod.txt; then
    echo "kmut: end $i killed insmod $(head -c 200 /tmp/insmod.txt)"; break
  fi
  probes-v2 crc_race smoke defects inflight fences limits sva > /tmp/probes.txt 2>&1
  prc=$?
  failed=$(grep -m1 '^probe [^ ]* FAIL' /tmp/probes.txt | cut -d' ' -f2)
  if ! rmmod openaccel 2>/dev/null; then echo "kmut: end $i killed rmmod refused after the probes"; break; fi
  bad=$(dmesg | grep -m1 -E 'blocked for more than|WARNING:|BUG:|Oops|Call Trace|refcount_t' | head -c 200)
  if [ -n "$bad" ]; then echo "kmut: end $i killed dmesg $bad"; break; fi
  if [ -n "$failed" ]; then echo "kmut: end $i killed probe:$failed $(grep -m1 "^probe $failed FAIL" /tmp/probes.txt | head -c 200)"
  elif [ "$prc" != 0 ]; then echo "kmut: end $i killed probes-exit $prc"
  else echo "kmut: end $i survived $(grep -c '^probe .* pass' /tmp/probes.txt) probes passed"; fi
  dmesg -c > /dev/null
  i=$((i + 1))
done
echo "kmut: stop $((i + 1))"; sync
poweroff -f
