#!/usr/bin/env bash
# The guest of the kernel job (kernel-test.sh calls it; alone it is the quick probe run): builds the 1.0
# module (src/, the frozen old code, kept only for the 1.0 probes that must fail on it) and the 2.0 module
# (accel/) for the pinned kernel, the static probes of ../guest, an initramfs holding them with the DRM and
# crypto modules 2.0 needs, boots it once under QEMU and prints the probes' lines. The guest (/init is
# ci/v2-guest-init.sh) runs the 1.0 probes on 1.0, unloads it, then everything on 2.0: the defect probes,
# fuzz and stress in C, compat32, and with OA_V2_CONFORMANCE=1 (node and the repository over 9p) the
# conformance suite, then ci/guest-checks.sh (accelctl fuzz and stress, bench, foreign drivers, leaks), then
# unload. Needs the kernel tree kernel-test.sh extracts (OA_KERNEL_WORK, default /tmp/openaccel-kernel).
# Output: packages/kmod/.out/v2-console.log and the reports. Exit 0 when every 2.0 check passes and dmesg stays clean.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
KREL=6.12.117+deb12-amd64
KW=${OA_KERNEL_WORK:-/tmp/openaccel-kernel}
KDIR=$KW/root/usr/src/linux-headers-$KREL
UAPI=$KW/root/usr/src/linux-headers-6.12.117+deb12-common/include/uapi
# Bounds only a hung guest: under emulation on a busy host the suite, fuzz and stress take many minutes.
TIMEOUT=${OA_KERNEL_TIMEOUT:-2400}
[ -d "$KDIR" ] || { echo "v2-guest: run packages/kmod/ci/kernel-test.sh once first (it extracts $KDIR)"; exit 2; }
W=$(mktemp -d /tmp/openaccel-kmod2.XXXXXX)
trap 'rm -rf "$W"' EXIT
OUT=$REPO/packages/kmod/.out; mkdir -p "$OUT"

echo "== v2-guest: build 1.0 and 2.0 modules"
bash "$REPO/packages/kmod/ci/module-sources.sh" "$W"
make -s -C "$KDIR" M="$W/v1" KCFLAGS="-I$REPO/spec/uapi/include" modules
command -v sparse >/dev/null || { echo "v2-guest: needs sparse (apt-get install sparse)"; exit 2; }
make -s -C "$KDIR" M="$W/v2" W=1 C=2 CHECK=sparse modules 2>&1 | tee "$W/build2.log"
if grep -qE 'warning|error' "$W/build2.log"; then echo "v2-guest: the 2.0 module must build without W=1 or sparse warnings"; exit 1; fi

echo "== v2-guest: probes (static)"
CFLAGS=(-O2 -std=gnu11 -Wall -Wextra -Werror -static -pthread -I "$REPO/spec/uapi/include")
gcc-12 "${CFLAGS[@]}" -o "$W/probes-v1" "$REPO/packages/kmod/guest/probes-v1.c"
for p in probes-v2 fuzz-v2; do
  gcc-12 "${CFLAGS[@]}" -D__user= -idirafter "$UAPI" -idirafter "$UAPI/drm" -o "$W/$p" "$REPO/packages/kmod/guest/$p.c"
done
# The smoke probes as a 32-bit process too, through the kernel's compat ioctl path (gcc-12-multilib).
gcc-12 -m32 -D_FILE_OFFSET_BITS=64 "${CFLAGS[@]}" -D__user= -idirafter "$UAPI" -idirafter "$UAPI/drm" \
  -o "$W/probes-v2-32" "$REPO/packages/kmod/guest/probes-v2.c"

echo "== v2-guest: initramfs"
S=$W/initrd; mkdir -p "$S"/{bin,proc,sys,dev,tmp,kmod}
cp "$(command -v busybox)" "$S/bin/busybox"
cp "$W/probes-v1" "$W/probes-v2" "$W/probes-v2-32" "$W/fuzz-v2" "$S/bin/"
cp "$W/v1/openaccel.ko" "$S/kmod/openaccel-v1.ko"; cp "$W/v2/openaccel.ko" "$S/kmod/openaccel-v2.ko"
D=$(ls "$KW"/debs/linux-image-$KREL-unsigned_*.deb)
M=./lib/modules/$KREL/kernel
MODS="drivers/gpu/drm/drm drivers/gpu/drm/drm_kms_helper drivers/gpu/drm/drm_shmem_helper crypto/crypto_null
  lib/crypto/gf128mul crypto/ghash-generic crypto/gcm crypto/crc32c_generic lib/libcrc32c"
mkdir -p "$W/mods"
# shellcheck disable=SC2046
dpkg --fsys-tarfile "$D" | tar -x -C "$W/mods" $(for m in $MODS; do echo "$M/$m.ko.xz"; done)
for m in $MODS; do xz -dc "$W/mods/$M/$m.ko.xz" > "$S/kmod/${m##*/}.ko"; done
echo "$MODS" | tr ' ' '\n' | sed '/^$/d; s|.*/||' > "$S/kmod/order"
# UACCE, which this kernel does not build: its own drivers/misc/uacce out of tree, loaded before 2.0.
rm -f "$OUT/kmod2-uacce.json"
bash "$REPO/packages/kmod/ci/uacce-build.sh" "$W/uacce"; cp "$W/uacce/uacce.ko" "$S/kmod/"; echo uacce >> "$S/kmod/order"
# OA_V2_CONFORMANCE=1: also the conformance suite (its 2.0 suite, picked by the node) and ci/guest-checks.sh
# with the repository's compiled CLI over 9p. Needs the repository built (npm run build).
VIRTFS=()
if [ "${OA_V2_CONFORMANCE:-0}" = 1 ]; then
  NODE=$(readlink -f "$(command -v node)"); cp "$NODE" "$S/bin/node"
  for l in $(ldd "$NODE" | grep -o '/[^ ]*'); do mkdir -p "$S$(dirname "$l")"; cp -L "$l" "$S$l"; done
  for m in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
    xz -dc "$KW/root/lib/modules/$KREL/kernel/$m.ko.xz" > "$S/kmod/${m##*/}.ko"
  done
  # vgem for the foreign-driver checks, and the doorbell bench's C baseline (the guest has no compiler).
  "$REPO/packages/kmod/ci/foreign-modules.sh" "$KW" "$KREL" "$S"
  gcc-12 -O2 -std=c11 -pthread -static -o "$OUT/pingpong" "$REPO/packages/bench/c/pingpong.c"
  rm -f "$OUT"/kmod-fuzz.json "$OUT"/kmod-stress.json "$OUT"/kmod-bench.json "$OUT"/foreign-*.json "$OUT/kmod2-conformance.json"
  VIRTFS=(-virtfs "local,path=$REPO,mount_tag=repo,security_model=none,id=repo")
fi
cp "$REPO/packages/kmod/ci/v2-guest-init.sh" "$S/init"; chmod +x "$S/init"
(cd "$S" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$W/initrd.cpio"

echo "== v2-guest: boot (TCG); console in $OUT/v2-console.log"
set +e
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m 2G -smp 2 -no-reboot -display none \
  -kernel "$KW/root/boot/vmlinuz-$KREL" -initrd "$W/initrd.cpio" \
  -append 'console=ttyS0 quiet panic=-1 oops=panic' -serial "file:$OUT/v2-console.log" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${VIRTFS[@]}"
qemu_rc=$?
set -e
[ $qemu_rc -eq 124 ] && { echo "v2-guest: the guest did not finish within $TIMEOUT s"; tail -30 "$OUT/v2-console.log"; exit 1; }
grep -a -E '^(probe|guest:|v1|v2|GUEST_RC|leak|fuzz)' "$OUT/v2-console.log" || true
conformance_ok=1
if [ "${OA_V2_CONFORMANCE:-0}" = 1 ]; then
  if [ -f "$OUT/kmod2-conformance.json" ]; then
    node -e "const r=require('$OUT/kmod2-conformance.json'); console.log('v2 conformance:', r.verdict, JSON.stringify(r.totals)); for (const t of r.tests) if (t.status!=='pass'&&t.status!=='skip') console.log('  ', t.status, t.id, t.message||''); process.exit(r.verdict==='conformant'?0:1)" || conformance_ok=0
  else
    echo "v2-guest: no conformance results"; conformance_ok=0
  fi
  if [ -f "$OUT/kmod2-uacce.json" ]; then
    node -e "const r=require('$OUT/kmod2-uacce.json'); console.log('v2 uacce profile on', r.device.path + ':', r.verdict, JSON.stringify(r.totals)); for (const t of r.tests) if (t.status!=='pass') console.log('  ', t.status, t.id, t.message||''); process.exit(r.verdict==='conformant'?0:1)" || conformance_ok=0
  else
    echo "v2-guest: no uacce profile results"; conformance_ok=0
  fi
fi
grep -aq '^GUEST_RC=0' "$OUT/v2-console.log" || { echo "v2-guest: the 2.0 probes failed"; exit 1; }
[ $conformance_ok = 1 ] || { echo "v2-guest: the 2.0 module is not conformant"; exit 1; }
