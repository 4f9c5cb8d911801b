#!/usr/bin/env bash
# Host side of the foreign-driver checks: puts the modules Debian ships for vgem into the initramfs's kmod/,
# decompressed, in load order (modinfo of each: vgem needs drm and drm_shmem_helper, which needs drm_kms_helper).
# usage: foreign-modules.sh WORKDIR KREL INITRAMFS_DIR
set -euo pipefail
W=$1; KREL=$2; S=$3
M=$W/foreign-$KREL
if [ ! -f "$M/.extracted" ]; then
  rm -rf "$M"; mkdir -p "$M"
  K=./lib/modules/$KREL/kernel/drivers/gpu/drm
  dpkg --fsys-tarfile "$W"/debs/linux-image-$KREL-unsigned_*.deb | tar -x -C "$M" \
    $K/drm.ko.xz $K/drm_kms_helper.ko.xz $K/drm_shmem_helper.ko.xz $K/vgem/vgem.ko.xz
  touch "$M/.extracted"
fi
for m in drm drm_kms_helper drm_shmem_helper vgem/vgem; do
  xz -dc "$M/lib/modules/$KREL/kernel/drivers/gpu/drm/$m.ko.xz" > "$S/kmod/${m##*/}.ko"
done
