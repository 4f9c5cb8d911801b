#!/usr/bin/env bash
# Defect 8 on real 16 KiB pages (kernel-test.sh's last step; alone it is the quick check): Debian's arm64-16k
# kernel of the pinned version under QEMU (TCG, 2 vCPUs). The guest (/init is ci/arm64-16k-init.sh) runs
# `probes-v1 page_size` on the 1.0 module, which must FAIL, then the 2.0 module's crc_race, page_size,
# smoke and defect probes, which must pass, with dmesg clean. Debian's arm64 kernels are built without
# CONFIG_DRM_ACCEL, so the 2.0 module cannot load on drm.ko as shipped: this script rebuilds drm.ko from the
# same kernel's source (linux-source-6.12) with the accel core in and checks that every symbol Debian's
# drm.ko exports keeps its modversion CRC, so Debian's drm_kms_helper and drm_shmem_helper load on it.
# Needs what kernel-test.sh downloads ($OA_KERNEL_WORK/debs). Console: packages/kmod/.out/arm64-16k-console.log.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
KVER=6.12.117+deb12; KREL=$KVER-arm64-16k
KW=${OA_KERNEL_WORK:-/tmp/openaccel-kernel}
TIMEOUT=${OA_ARM64_TIMEOUT:-600}   # bounds a hung guest only: the run takes about a minute under TCG
OUT=$REPO/packages/kmod/.out; mkdir -p "$OUT"
step() { echo "== arm64-16k: $*"; }
W=$(mktemp -d /tmp/openaccel-arm64.XXXXXX)
# QEMU is addressed through its monitor socket in $W, never by pid: quit it, wait for it, then remove $W.
cleanup() {
  [ -S "$W/monitor" ] && node -e 'require("net").connect(process.argv[1]).on("error", () => {}).end("quit\n")' "$W/monitor"
  wait
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v qemu-system-aarch64 >/dev/null 2>&1 || {
  step "apt-get install qemu-system-arm"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null
}
# arm64 packages are only downloaded (the image, headers and busybox), but apt must know the architecture.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  step "dpkg --add-architecture arm64"; dpkg --add-architecture arm64; apt-get update -qq
fi
# The cross compiler is unpacked, not installed: gcc-12-aarch64-linux-gnu conflicts with gcc-12-multilib,
# which the x86 guest's 32-bit probes need. Debian's cross gcc finds its parts relative to itself.
X=$KW/cross-aarch64
if [ ! -x "$X/usr/bin/aarch64-linux-gnu-gcc-12" ]; then
  step "cross gcc 12 for arm64 (unpacked in $X)"
  rm -rf "$X"; mkdir -p "$W/cross-debs" "$W/cross"
  (cd "$W/cross-debs" && apt-get download gcc-12-aarch64-linux-gnu cpp-12-aarch64-linux-gnu gcc-12-aarch64-linux-gnu-base \
    binutils-aarch64-linux-gnu libgcc-12-dev-arm64-cross libc6-dev-arm64-cross libc6-arm64-cross \
    linux-libc-dev-arm64-cross libgcc-s1-arm64-cross >/dev/null 2>&1)
  for f in "$W/cross-debs"/*.deb; do dpkg -x "$f" "$W/cross"; done
  mv "$W/cross" "$X"
fi
export PATH=$X/usr/bin:$PATH
CC=aarch64-linux-gnu-gcc-12

D=$KW/debs-arm64; mkdir -p "$D"
step "Debian kernel $KREL"
(cd "$D" && for p in linux-image-$KREL-unsigned linux-headers-$KREL busybox-static; do
  ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download "$p:arm64" >/dev/null 2>&1; done)
ls "$KW"/debs/linux-headers-$KVER-common_*.deb "$KW"/debs/linux-kbuild-${KVER}_*.deb "$KW"/debs/linux-source-6.12_*.deb \
  >/dev/null || { echo "arm64-16k: run kernel-test.sh first (it downloads the common headers, kbuild and source)"; exit 2; }
R=$KW/root-arm64-16k; KDIR=$R/usr/src/linux-headers-$KREL
if [ ! -f "$R/.extracted-$KREL" ]; then
  rm -rf "$R"; mkdir -p "$R"
  dpkg --fsys-tarfile "$D"/linux-image-$KREL-unsigned_*.deb | tar -x -C "$R" ./boot
  for f in "$D"/linux-headers-${KREL}_*.deb "$KW"/debs/linux-headers-$KVER-common_*.deb "$KW"/debs/linux-kbuild-${KVER}_*.deb; do
    dpkg -x "$f" "$R"; done
  sed -i "s|^include /usr/src/|include $R/usr/src/|" "$KDIR/Makefile"
  touch "$R/.extracted-$KREL"
fi

# drm.ko with the accel core, built once per kernel version and kept with the other cached trees.
DRM=$KW/drm-accel-$KREL
if [ ! -f "$DRM/drm.ko" ]; then
  step "drm.ko with CONFIG_DRM_ACCEL from linux-source-6.12"
  B=$W/drm; rm -rf "$DRM"; mkdir -p "$B/src" "$B/build"
  dpkg --fsys-tarfile "$KW"/debs/linux-source-6.12_*.deb | tar -xO ./usr/src/linux-source-6.12.tar.xz | xz -dc \
    | tar -x -C "$B/src" --strip-components=1 linux-source-6.12/drivers/gpu/drm linux-source-6.12/drivers/accel/drm_accel.c
  cp "$B/src"/drivers/gpu/drm/*.[ch] "$B/src"/drivers/accel/drm_accel.c "$B/build/"
  # drm.o's object list as the kernel's own Makefile has it, with the accel core beside the others.
  sed -n '/^drm-y := \\/,/^obj-\$(CONFIG_DRM)/p' "$B/src/drivers/gpu/drm/Makefile" \
    | sed 's|\.\./\.\./accel/drm_accel\.o|drm_accel.o|' > "$B/build/drm-objs.mk"
  printf 'CONFIG_DRM_ACCEL := y\ninclude $(src)/drm-objs.mk\nccflags-y += -DCONFIG_DRM_ACCEL=1 -I$(src)\n' > "$B/build/Kbuild"
  sed -i 's|^#define TRACE_INCLUDE_PATH .*|#define TRACE_INCLUDE_PATH .|' "$B/build/drm_trace.h"
  # Debian's own source, its warnings are not ours: the log is shown only when the build fails.
  make -s -C "$KDIR" M="$B/build" -j2 modules > "$B/make.log" 2>&1 || { tail -30 "$B/make.log"; exit 1; }
  # Debian's drm_kms_helper and drm_shmem_helper must load on it: every symbol Debian's drm.ko exports, same CRC.
  awk '$3 ~ /drivers\/gpu\/drm\/drm$/ {print $2, $1}' "$KDIR/Module.symvers" | sort > "$B/debian.crc"
  awk '{print $2, $1}' "$B/build/Module.symvers" | sort > "$B/ours.crc"
  if [ ! -s "$B/debian.crc" ] || [ -n "$(comm -23 "$B/debian.crc" "$B/ours.crc")" ]; then
    echo "arm64-16k: the rebuilt drm.ko does not export Debian's drm.ko symbols with the same CRCs"; exit 1
  fi
  mkdir -p "$B/out"; cp "$B/build/drm.ko" "$B/build/Module.symvers" "$B/out/"; mv "$B/out" "$DRM"
fi

step "build 1.0 and 2.0 modules and the probes for arm64"
bash "$REPO/packages/kmod/ci/module-sources.sh" "$W"
make -s -C "$KDIR" M="$W/v1" KCFLAGS="-I$REPO/spec/uapi/include" modules
make -s -C "$KDIR" M="$W/v2" W=1 KCFLAGS=-DCONFIG_DRM_ACCEL=1 KBUILD_EXTRA_SYMBOLS="$DRM/Module.symvers" modules 2>&1 \
  | tee "$W/build2.log"
if grep -qE 'warning|error' "$W/build2.log"; then echo "arm64-16k: the 2.0 module must build without W=1 warnings"; exit 1; fi
UAPI=$R/usr/src/linux-headers-$KVER-common/include/uapi
CFLAGS=(-O2 -std=gnu11 -Wall -Wextra -Werror -static -pthread -I "$REPO/spec/uapi/include")
"$CC" "${CFLAGS[@]}" -o "$W/probes-v1" "$REPO/packages/kmod/guest/probes-v1.c"
# The cross libc's kernel headers (6.1.4) predate __aligned_s64, which the 2.0 uAPI header uses.
"$CC" "${CFLAGS[@]}" "-D__aligned_s64=__s64 __attribute__((aligned(8)))" -D__user= \
  -idirafter "$UAPI" -idirafter "$UAPI/drm" -o "$W/probes-v2" "$REPO/packages/kmod/guest/probes-v2.c"

step "initramfs"
S=$W/initrd; mkdir -p "$S"/{bin,proc,sys,dev,tmp,kmod}
dpkg --fsys-tarfile "$D"/busybox-static_*.deb | tar -x -C "$W" ./bin/busybox; mv "$W/bin/busybox" "$S/bin/"
cp "$W/probes-v1" "$W/probes-v2" "$S/bin/"
cp "$W/v1/openaccel.ko" "$S/kmod/openaccel-v1.ko"; cp "$W/v2/openaccel.ko" "$S/kmod/openaccel-v2.ko"
cp "$DRM/drm.ko" "$S/kmod/"
M=./lib/modules/$KREL/kernel
MODS="drivers/gpu/drm/drm_kms_helper drivers/gpu/drm/drm_shmem_helper crypto/crypto_null lib/crypto/gf128mul
  crypto/ghash-generic crypto/gcm crypto/crc32c_generic lib/libcrc32c"
mkdir -p "$W/mods"
# shellcheck disable=SC2046
dpkg --fsys-tarfile "$D"/linux-image-$KREL-unsigned_*.deb | tar -x -C "$W/mods" $(for m in $MODS; do echo "$M/$m.ko.xz"; done)
for m in $MODS; do xz -dc "$W/mods/$M/$m.ko.xz" > "$S/kmod/${m##*/}.ko"; done
{ echo drm; echo "$MODS" | tr ' ' '\n' | sed '/^$/d; s|.*/||'; } > "$S/kmod/order"
cp "$REPO/packages/kmod/ci/arm64-16k-init.sh" "$S/init"; chmod +x "$S/init"
(cd "$S" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$W/initrd.cpio"

step "boot (TCG, 16 KiB pages); console in $OUT/arm64-16k-console.log"
LOG=$OUT/arm64-16k-console.log
timeout -k 10 "$TIMEOUT" qemu-system-aarch64 -M virt -cpu max -smp 2 -m 1G -display none -no-reboot \
  -kernel "$R/boot/vmlinuz-$KREL" -initrd "$W/initrd.cpio" -append 'console=ttyAMA0 quiet panic=-1 oops=panic' \
  -serial "file:$LOG" -monitor "unix:$W/monitor,server=on,wait=off" &
qemu_rc=0; wait $! || qemu_rc=$?
[ $qemu_rc -eq 124 ] && { echo "arm64-16k: the guest did not finish within $TIMEOUT s"; tail -30 "$LOG"; exit 1; }
grep -a -E '^(probe|guest:|v1|v2|GUEST_RC)' "$LOG" || true
grep -aq '^v1: probe 8.page_size FAIL' "$LOG" || { echo "arm64-16k: the 1.0 page_size probe did not fail on 16 KiB pages"; exit 1; }
grep -aq '^probe 8.page_size pass' "$LOG" || { echo "arm64-16k: the 2.0 page_size probe did not pass"; exit 1; }
grep -aq '^GUEST_RC=0' "$LOG" || { echo "arm64-16k: a 2.0 probe failed or dmesg is not clean"; exit 1; }
echo "arm64-16k: 1.0 fails and 2.0 passes on 16 KiB pages"
