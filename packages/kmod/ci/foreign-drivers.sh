#!/bin/busybox sh
# Guest side of the foreign-driver checks, run while the 2.0 openaccel.ko is loaded: loads Debian's vgem (and
# what it needs that is not loaded yet), then runs drm-core on vgem's render node and dmabuf-exporter on the
# system dma-heap, /dev/udmabuf, a vgem PRIME export and PRIME exports of openaccel.ko's GEM objects.
# Reports go to $1/foreign-<target>.json. A rule that vgem, the heap or udmabuf breaks is a finding of that
# driver (its report says which rule and where the rule comes from), not a failure of this job; the job
# fails when a run cannot happen or openaccel.ko's own dma-bufs break a rule.
OUT=$1; rc=0
mount -t debugfs debugfs /sys/kernel/debug || echo "guest: no debugfs: dma-buf release cannot be observed"
for m in drm drm_kms_helper drm_shmem_helper vgem; do
  [ -d /sys/module/$m ] || insmod /kmod/$m.ko || { echo "guest: insmod $m failed"; rc=1; }
done
RENDER=; CARD=
for d in /sys/class/drm/renderD* /sys/class/drm/card*; do
  [ "$(basename "$(readlink "$d/device")")" = vgem ] || continue
  case $(basename "$d") in renderD*) RENDER=/dev/dri/$(basename "$d") ;; card*) CARD=/dev/dri/$(basename "$d") ;; esac
done
echo "guest: vgem render node ${RENDER:-none}, primary node ${CARD:-none}"
# check NAME MUST_PASS ARGS...: exit 0 conformant, 1 not conformant, 2 the run could not happen.
check() {
  name=$1; must=$2; shift 2
  node tools/accelctl/dist/bin.js conformance run "$@" --format json --output "$OUT/foreign-$name.json"; r=$?
  echo "guest: foreign $name: exit $r"
  if [ $r -ge 2 ] || [ ! -s "$OUT/foreign-$name.json" ] || { [ "$must" = yes ] && [ $r -ne 0 ]; }; then rc=1; fi
}
[ -n "$RENDER" ] && check vgem-drm-core no --device "$RENDER" || rc=1
[ -n "$CARD" ] && check vgem-prime-dmabuf no --device "$CARD" --profile dmabuf-exporter || rc=1
check system-heap-dmabuf no --device /dev/dma_heap/system
check udmabuf-dmabuf no --device /dev/udmabuf
check kmod-dmabuf yes --device /dev/accel/accel0 --profile dmabuf-exporter
exit $rc
